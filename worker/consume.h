/* Reading the streams as a member of the crm-worker group: creating the group
 * when absent, reading this consumer's own pending entries (ID 0) before new ones
 * (>), claiming entries left idle by dead consumers (XAUTOCLAIM), acknowledging.
 * Owns the worker's command connection; the other modules borrow it through
 * consume_redis() and report a broken one with consume_redis_lost(). */
#ifndef WORKER_CONSUME_H
#define WORKER_CONSUME_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "batch.h"
#include "redis_shards.h"
#include "redis_sync.h"
#include "stream_entry.h"
#include "streams.h"

struct consume_key {
    char name[CRM_STREAM_NAME_MAX];    /* stream key */
    char cursor[CRM_ENTRY_ID_MAX];     /* last own pending entry read, or ">" once caught up */
    char claim_from[CRM_ENTRY_ID_MAX]; /* where the next XAUTOCLAIM scan starts */
};

struct consume {
    struct crm_redis redis;   /* the command connection (BLOCK < its timeout) */
    const char *consumer;     /* this worker's consumer name; borrowed */
    struct consume_key *keys; /* owned: the shard's crm:msg:N, crm:retry, crm:audit (shard 0) */
    size_t nkeys;
    int ready; /* groups ensured and cursors reset on this connection */
};

/* Sets up the key table of Redis shard `shard` of sh (lib/redis_shards.h): its
 * message streams among the `streams` partitions and its retry stream, plus
 * the audit stream on shard 0; does not connect. sh must outlive c. */
void consume_init(struct consume *c, const struct crm_shards *sh, int shard, const char *consumer,
                  int streams);
void consume_deinit(struct consume *c);

/* The connection, with groups created and cursors reset after each (re)connect;
 * NULL when Redis is unreachable. */
redisContext *consume_redis(struct consume *c);

/* Drops the connection after an error; the next consume_redis reconnects. */
void consume_redis_lost(struct consume *c);

/* True while some stream still has own pending entries to re-read. */
int consume_catching_up(const struct consume *c);

/* One XREADGROUP of at most count entries per stream into b, blocking up to
 * block_ms (> 0) when caught up. Returns entries added, or -1 on a Redis error. */
int consume_read(struct consume *c, struct batch *b, size_t count, int block_ms);

/* One XAUTOCLAIM pass over every stream for entries idle at least idle_ms,
 * at most count per stream. Returns entries added, or -1 on a Redis error. */
int consume_claim(struct consume *c, struct batch *b, size_t count, int idle_ms);

/* XACKs every stored or gone item of b, one pipelined XACK per stream.
 * Returns the number acknowledged, or -1 on a Redis error (nothing is known
 * then: call again; XACK is idempotent). */
long consume_ack(struct consume *c, const struct batch *b);

/* Delivery count of one pending entry (XPENDING), 0 when not pending, -1 on error. */
long long consume_deliveries(struct consume *c, const char *key, const char *id);

#endif
