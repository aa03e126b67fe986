/* Times as the API shows them: ISO-8601 UTC with milliseconds
 * (2026-11-25T20:02:19.123Z), from a stream entry's millisecond part. */
#ifndef CRM_ISO_TIME_H
#define CRM_ISO_TIME_H

#include <stdint.h>

#define CRM_ISO_TIME_MAX 32 /* bytes, NUL included */

/* Writes ms since the epoch into buf. */
void crm_iso_time(uint64_t ms, char buf[CRM_ISO_TIME_MAX]);

#endif
