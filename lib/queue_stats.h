/* The state of the message pipeline, for crm-api's queueStats and crm-worker's
 * /metrics: per stream read by the crm-worker group (crm:msg:0..S-1, crm:retry,
 * crm:audit), its length, the entries not yet delivered to the group (lag), those
 * delivered but not acknowledged (pending), the group's consumers; and the number
 * of dead letters. */
#ifndef CRM_QUEUE_STATS_H
#define CRM_QUEUE_STATS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "streams.h"

struct crm_queue_stream_stats {
    char name[CRM_STREAM_NAME_MAX]; /* stream key */
    long long length;               /* XLEN */
    long long lag;                  /* entries not yet delivered to the group; -1 if Redis cannot tell */
    long long pending;              /* delivered, not acknowledged */
    long long consumers;            /* consumers of the group (0 when it does not exist yet) */
};

struct crm_queue_stats {
    struct crm_queue_stream_stats *streams; /* owned; n_streams entries */
    size_t n_streams;
    long long length; /* sums over the streams */
    long long lag;    /* sum of the known lags */
    long long pending;
    long long consumers;    /* distinct consumers are not tracked: the largest per-stream count */
    long long dead_letters; /* XLEN crm:dead */
};

enum crm_qs_err {
    CRM_QS_OK = 0,
    CRM_QS_EREDIS = -1, /* no answer or an unexpected one; on c->err drop the connection */
    CRM_QS_ENOMEM = -2,
};

/* Fills out for `streams` message partitions (CRM_STREAMS). Pipelines two
 * commands per stream plus one: one round trip. On success out->streams is owned
 * by the caller (crm_queue_stats_deinit); on error out holds nothing to free. */
int crm_queue_stats_get(redisContext *c, int streams, struct crm_queue_stats *out);

/* Frees out->streams; safe on a zeroed or already deinitialised struct. */
void crm_queue_stats_deinit(struct crm_queue_stats *out);

#endif
