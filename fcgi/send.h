/* sendMessage's write: one Redis round trip that checks the sender's token is not
 * revoked, claims the sender's idempotency key, applies the sender's rate limit
 * and XADDs the entry, atomically (a Lua script), so two racing requests with one
 * key add one entry and a revoked token adds none. */
#ifndef CRM_API_SEND_H
#define CRM_API_SEND_H

#include "db.h"
#include "message.h"
#include "redis_sync.h"
#include "stream_entry.h"

#define CRM_IDEM_PREFIX "crm:idem:"
#define CRM_IDEM_TTL_SEC (7 * 24 * 3600) /* a retry this late is still recognised */
#define CRM_SEND_RATE_WINDOW_MS 10000

enum send_status {
    SEND_ACCEPTED = 0,     /* a new entry; *out is it, PENDING */
    SEND_REPLAYED = 1,     /* the key was used before: *out is that message */
    SEND_RATE_LIMITED = 2, /* *retry_ms says when to try again */
    SEND_REVOKED = 3,      /* the token jti is revoked: nothing was done */
    SEND_UNAVAILABLE = -1, /* Redis down or refusing writes: nothing was accepted */
    SEND_ENOMEM = -2,
};

/* Sends e (already validated) on its room's stream, on Redis r (the stream's
 * shard: the main Redis unless CRM_REDIS_SHARDS), for the holder of token jti
 * (its revocation is checked here: a logout writes the key on every shard). The
 * idempotency and rate keys live on r with the stream, so the script stays
 * atomic and one round trip: with shards a sender's CRM_SEND_RATE is counted
 * per shard. rate_max is the sender's limit per
 * CRM_SEND_RATE_WINDOW_MS. On SEND_ACCEPTED/SEND_REPLAYED *out is
 * filled (api_message_deinit it). db is used only to find a replayed message that
 * has left the stream. */
enum send_status send_message(struct crm_redis *r, struct crm_db *db, int streams, int rate_max,
                              const char *jti, const struct crm_stream_entry *e, struct api_message *out,
                              long *retry_ms);

/* Finds the message of (sender, key) in PostgreSQL. 1 found, 0 not, -1 error. */
int send_find_persisted(struct crm_db *db, int64_t sender, const char *key, struct api_message *out);

#endif
