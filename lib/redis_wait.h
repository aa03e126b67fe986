/* Writes confirmed on replicas (CRM_REDIS_MIN_REPLICAS): the command and a
 * `WAIT n timeout` go in one round trip, so a message, an audit record or a new
 * conversation is answered as accepted only once n replicas have it, and a
 * failover to one of them cannot lose it. Fewer in time: the caller answers an
 * error that the client retries with the same idempotency key. */
#ifndef CRM_REDIS_WAIT_H
#define CRM_REDIS_WAIT_H

#include "redis_sync.h"

/* The replicas every confirmed write of this process waits for (0: none, one
 * round trip as before) and the longest wait. Set once in main. */
void crm_redis_wait_use(int replicas, int timeout_ms);
int crm_redis_wait_replicas(void);
int crm_redis_wait_timeout_ms(void);

/* Runs one command like crm_redis_argv, followed in the same round trip by WAIT
 * when replicas are required. Returns the command's reply (NULL: Redis
 * unavailable, the connection reset) and sets *confirmed to 1 when enough
 * replicas acknowledged it (always 1 when none are required), else 0. */
redisReply *crm_redis_argv_confirmed(struct crm_redis *r, int argc, const char **argv, const size_t *lens,
                                     int *confirmed);

/* Appends WAIT to a pipeline already sent on c; the caller reads its reply last
 * with crm_redis_wait_reply. Returns 0 (nothing appended when none required). */
int crm_redis_wait_append(redisContext *c);

/* Reads the WAIT reply appended by crm_redis_wait_append: 1 confirmed (or none
 * required), 0 too few replicas, -1 connection error (the caller resets). */
int crm_redis_wait_reply(redisContext *c);

#endif
