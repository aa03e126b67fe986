/* Message streams over several Redis primaries (CRM_REDIS_SHARDS). Shard 0 is
 * the main Redis (CRM_REDIS_HOST/PORT, or CRM_REDIS_MASTER_NAME with Sentinels):
 * it holds every key that is not a message stream (idempotency keys of its own
 * streams aside). Shard k >= 1 is the k-th entry of CRM_REDIS_SHARDS: `host:port`
 * (or a Unix socket path), or with CRM_REDIS_SENTINELS a master name the same
 * Sentinels monitor. Stream N lives on shard N mod S (S = 1 + entries): a room
 * maps to one stream and a stream to one shard, so a room's order is one
 * server's order. Changing S moves streams: it needs drained streams
 * (docs/HA.md). Unset: one shard, the main Redis, as before. */
#ifndef CRM_REDIS_SHARDS_H
#define CRM_REDIS_SHARDS_H

#include "crm_config.h"
#include "redis_sync.h"

#include <stddef.h>

#define CRM_SHARDS_MAX 16
#define CRM_SHARD_HOST_MAX 255
#define CRM_SHARD_MASTER_MAX 127

struct crm_shards {
    int n; /* >= 1 */
    char host[CRM_SHARDS_MAX][CRM_SHARD_HOST_MAX + 1];
    int port[CRM_SHARDS_MAX];
    char master[CRM_SHARDS_MAX][CRM_SHARD_MASTER_MAX + 1]; /* "" without Sentinels */
};

/* The shard of stream number `stream`. */
static inline int crm_shard_of_stream(int stream, int nshards)
{
    return stream % nshards;
}

/* Fills s from cfg (CRM_REDIS_SHARDS, CRM_REDIS_HOST/PORT, CRM_REDIS_SENTINELS,
 * CRM_REDIS_MASTER_NAME, CRM_STREAMS: at least one stream per shard). Returns 0,
 * or -1 with one line naming the setting in err. */
int crm_shards_parse(struct crm_shards *s, const struct crm_config *cfg, char *err, size_t errlen);

/* Initialises r (not connected) for shard k of s; s must outlive r. */
void crm_redis_init_shard(struct crm_redis *r, const struct crm_shards *s, int k, int timeout_ms);

#endif
