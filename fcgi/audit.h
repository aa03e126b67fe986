/* Audit records from crm-api: XADDed to the audit stream, persisted by crm-worker. */
#ifndef CRM_API_AUDIT_H
#define CRM_API_AUDIT_H

#include <stdint.h>

#include "redis_sync.h"

/* Records action by actor (0: none) on target (may be NULL) from addr (may be
 * NULL), with detail a JSON object text (NULL: {}). Ids only, never PHI. Returns 0,
 * or -1 when Redis did not take it (logged: the caller decides whether the
 * operation may go on without its record). */
int audit_record(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                 const char *addr, const char *detail);

#endif
