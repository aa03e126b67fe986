/* Fixed-window counters in Redis, for limits shared by every crm-api process. */
#ifndef CRM_API_RATELIMIT_H
#define CRM_API_RATELIMIT_H

#include <stddef.h>

#include "redis_sync.h"

#define CRM_LOGIN_WINDOW_MS (15 * 60 * 1000)

enum ratelimit_result { RATE_OK = 0, RATE_LIMITED = 1, RATE_UNAVAILABLE = -1 };

/* Counts one hit on key (len bytes, any bytes) and says whether it is within max
 * per window_ms; *retry_ms gets the time left in the window when limited. One
 * round trip. */
enum ratelimit_result ratelimit_hit(struct crm_redis *r, const char *key, size_t len, int max,
                                    int window_ms, long *retry_ms);

#endif
