/* Counters in Redis, for limits shared by every crm-api process: fixed windows
 * (register, sendMessage) and the sign-in back-off. */
#ifndef CRM_API_RATELIMIT_H
#define CRM_API_RATELIMIT_H

#include <stddef.h>

#include "redis_sync.h"

#define CRM_LOGIN_WINDOW_MS (15 * 60 * 1000)

enum ratelimit_result { RATE_OK = 0, RATE_LIMITED = 1, RATE_UNAVAILABLE = -1 };

/* Counts one hit on key (len bytes, any bytes) and says whether it is within max
 * per window_ms; *retry_ms gets the time left in the window when limited. One
 * round trip. */
enum ratelimit_result ratelimit_hit(struct crm_redis *r, const char *key, size_t len, int max, int window_ms,
                                    long *retry_ms);

/* Sign-in limits: failures only. Per email, the first free_failures are free;
 * after them each further attempt must wait 1 s, 2 s, 4 s... (at most
 * max_wait_ms) from the previous one. Per address, addr_failures failed sign-ins
 * per CRM_LOGIN_WINDOW_MS; successes are not counted, so a clinic behind one
 * NAT address is not locked out by its own staff signing in. */
struct login_policy {
    int free_failures;
    long max_wait_ms;
    int addr_failures;
};

/* Asks whether a sign-in may try its password now and, if so, counts it as a
 * failure until login_succeeded says otherwise. The clock is Redis's (TIME), one
 * for every process. RATE_LIMITED sets *retry_ms. */
enum ratelimit_result login_gate(struct crm_redis *r, const char *email_key, const char *addr_key,
                                 const struct login_policy *p, long *retry_ms);

/* Gives back the attempt login_gate counted, for an attempt that never tried its
 * password (the server was busy). 0 or -1. */
int login_gate_undo(struct crm_redis *r, const char *email_key);

/* A wrong password: one more failure for the address. 0 or -1. */
int login_failed(struct crm_redis *r, const char *addr_key);

/* The right password: the email's failures are forgotten. 0 or -1. */
int login_succeeded(struct crm_redis *r, const char *email_key);

#endif
