/* Presence in Redis (docs/LIVE-STATE.md): this process's instance name, the
 * SET crm:presence:<instance> of the users holding an authenticated socket here
 * (SADD on a user's first, SREM on their last), refreshed with PEXPIRE 9000 and
 * a ZADD to crm:presence:instances every PRESENCE_BEAT_MS, so that a process
 * killed with -9 stops counting within 9 s. After a Redis reconnect the whole
 * set is written again. And the lookup User.online needs: one EVAL for a list
 * of users. */
#ifndef CRM_PUSH_PRESENCE_H
#define CRM_PUSH_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

struct redis_link;
struct redisAsyncContext;

#define PRESENCE_BEAT_MS 3000    /* refresh period */
#define PRESENCE_TTL_MS 9000     /* PEXPIRE of the set; an instance older than this is not live */
#define PRESENCE_STALE_MS 60000  /* instances older than this are dropped from the ZSET */
#define PRESENCE_SWEEP_BEATS 20  /* ZREMRANGEBYSCORE every this many beats (60 s) */
#define PRESENCE_MAX_LOOKUP 1000 /* users of one lookup */

/* Picks the instance name and starts the refresh timer. 0, or -1 when out of memory. */
int presence_start(void);

/* The commands link (re)connected: the whole set is written again. The
 * redis_link on_connect hook of pushd->cmd. */
void presence_on_connect(struct redis_link *link, struct redisAsyncContext *ac, void *arg);

/* user_id's first socket in this process was authenticated / its last closed. */
void presence_user_up(int64_t user_id);
void presence_user_down(int64_t user_id);

/* Clean stop: the set and the instance are removed (queued on the link). */
void presence_stop(void);

/* Frees the timer (at exit). */
void presence_free(void);

/* Looks up whether each of ids[0..n) is online anywhere; fn(online, n, arg) is
 * called once from the loop, never inside the call, with online[i] 0 or 1
 * (all 0 when Redis did not answer). n is capped at PRESENCE_MAX_LOOKUP. */
typedef void (*presence_fn)(const uint8_t *online, size_t n, void *arg);
void presence_lookup(const int64_t *ids, size_t n, presence_fn fn, void *arg);

/* The instance name (tests, logs). */
const char *presence_instance(void);

#endif
