/* What happens to the entries the database refused or that do not parse: a
 * malformed entry goes to the dead-letter stream at once; a refused one stays
 * pending (to be claimed and delivered again) until it has been delivered
 * max_deliveries times, then goes to the dead-letter stream with its error. The
 * dead letter is written and the entry acknowledged in one MULTI/EXEC. */
#ifndef WORKER_DEAD_LETTER_H
#define WORKER_DEAD_LETTER_H

#include "batch.h"
#include "consume.h"

/* Handles the ITEM_REJECTED and ITEM_MALFORMED items of b. Returns the number
 * dead-lettered, or -1 when Redis failed (the rest stays pending: it will be
 * delivered again, nothing is lost). */
int dead_letter_handle(struct consume *c, const struct batch *b, int max_deliveries);

#endif
