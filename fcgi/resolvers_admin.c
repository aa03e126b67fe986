/* Resolvers: the pipeline, for admins. queueStats, deadLetters, retryDeadLetter. */
#include "config.h"

#include "api.h"
#include "audit.h"
#include "dead_letters.h"
#include "log.h"
#include "message.h"
#include "queue_stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Redis of shard k (0: the main one). */
static struct crm_redis *shard_redis(struct api_call *call, int k)
{
    return k == 0 ? &call->api->redis : &call->api->shard[k];
}

static int shard_count(const struct api_call *call)
{
    return call->api->shards.n > 1 ? call->api->shards.n : 1;
}

static int r_queue_stats(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "ADMIN");
    if (rc)
        return rc;
    /* Every shard's figures added up (lib/redis_shards.h): a stream, retry
     * stream or dead letter lives on one shard and is absent (zero) elsewhere. */
    struct crm_queue_stats qs;
    memset(&qs, 0, sizeof qs);
    int nshards = shard_count(call);
    for (int k = 0; k < nshards; k++) {
        struct crm_redis *rr = shard_redis(call, k);
        redisContext *c = crm_redis_get(rr);
        struct crm_queue_stats one;
        if (!c || crm_queue_stats_get(c, call->api->cfg.streams, &one) != CRM_QS_OK) {
            if (c && c->err)
                crm_redis_reset(rr);
            crm_queue_stats_deinit(&qs);
            return api_unavailable(info);
        }
        if (k == 0) {
            qs = one;
            continue;
        }
        qs.length += one.length;
        qs.lag += one.lag;
        qs.pending += one.pending;
        qs.dead_letters += one.dead_letters;
        if (one.consumers > qs.consumers)
            qs.consumers = one.consumers;
        crm_queue_stats_deinit(&one);
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "streams", json_object_new_int((int)qs.n_streams));
    json_object_object_add(o, "length", json_object_new_int64(qs.length));
    json_object_object_add(o, "lag", json_object_new_int64(qs.lag));
    json_object_object_add(o, "pending", json_object_new_int64(qs.pending));
    json_object_object_add(o, "deadLetters", json_object_new_int64(qs.dead_letters));
    json_object_object_add(o, "consumers", json_object_new_int64(qs.consumers));
    crm_queue_stats_deinit(&qs);
    *out = o;
    return 0;
}

/* A listed dead letter and the shard whose crm:dead holds it. */
struct dead_at {
    const struct crm_dead_letter *d;
    int shard;
};

static int newest_first(const void *a, const void *b)
{
    const struct dead_at *x = a, *y = b;
    if (x->d->failed_at_ms != y->d->failed_at_ms)
        return x->d->failed_at_ms < y->d->failed_at_ms ? 1 : -1;
    return x->shard - y->shard;
}

static json_object *dead_letter_json(const struct crm_dead_letter *d, int shard)
{
    char failed[32], room[24], id[64];
    api_format_ms((uint64_t)d->failed_at_ms, failed);
    /* A further shard's letter is named "<shard>:<entry id>": what retry takes. */
    if (shard)
        snprintf(id, sizeof id, "%d:%s", shard, d->id);
    else
        snprintf(id, sizeof id, "%s", d->id);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "messageId", d->message_id[0] ? json_object_new_string(d->message_id) : NULL);
    snprintf(room, sizeof room, "%" PRId64, d->room_id);
    json_object_object_add(o, "roomId", d->room_id ? json_object_new_string(room) : NULL);
    json_object_object_add(o, "idempotencyKey",
                           d->idempotency_key ? json_object_new_string(d->idempotency_key) : NULL);
    json_object_object_add(o, "deliveries", json_object_new_int64(d->deliveries));
    json_object_object_add(o, "error", json_object_new_string(d->error));
    json_object_object_add(o, "failedAt", json_object_new_string(failed));
    json_object_object_add(o, "entry", json_object_new_string(d->entry_json));
    return o;
}

static int r_dead_letters(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "ADMIN");
    if (rc)
        return rc;
    json_object *lv = api_arg(info, "limit");
    int limit = lv ? json_object_get_int(lv) : 50;
    if (limit < 1 || limit > CRM_DEAD_LIST_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "limit must be 1 to %d.", CRM_DEAD_LIST_MAX);
    /* Each shard keeps the dead letters of its streams: the newest `limit` of
     * each, merged newest first. */
    int nshards = shard_count(call);
    struct crm_dead_letter *lists[CRM_SHARDS_MAX] = {0};
    size_t counts[CRM_SHARDS_MAX] = {0}, total = 0;
    struct dead_at *all = NULL;
    json_object *arr = NULL;
    rc = 0;
    for (int k = 0; k < nshards; k++) {
        struct crm_redis *rr = shard_redis(call, k);
        redisContext *c = crm_redis_get(rr);
        if (!c || crm_dead_letters_list(c, (size_t)limit, &lists[k], &counts[k]) != CRM_DL_OK) {
            if (c && c->err)
                crm_redis_reset(rr);
            rc = api_unavailable(info);
            goto done;
        }
        total += counts[k];
    }
    all = calloc(total ? total : 1, sizeof *all);
    if (!all) {
        crm_oom();
    }
    size_t n = 0;
    for (int k = 0; k < nshards; k++)
        for (size_t i = 0; i < counts[k]; i++)
            all[n++] = (struct dead_at){&lists[k][i], k};
    qsort(all, n, sizeof *all, newest_first);
    if (n > (size_t)limit)
        n = (size_t)limit;
    arr = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(arr, dead_letter_json(all[i].d, all[i].shard));
    /* Dead letters hold message bodies: no record, no answer. */
    char detail[48];
    snprintf(detail, sizeof detail, "{\"count\":%zu}", n);
    if (audit_record(&call->api->redis, call->who.user_id, "deadletters.read", NULL, call->client_addr,
                     detail) < 0) {
        rc = api_unavailable(info);
        goto done;
    }
    *out = arr;
    arr = NULL;
done:
    json_object_put(arr);
    free(all);
    for (int k = 0; k < nshards; k++)
        crm_dead_letters_free(lists[k], counts[k]);
    return rc;
}

/* The shard and entry id of a dead letter's id ("<entry>" or "<shard>:<entry>");
 * -1 for a shard that does not exist. */
static int dead_letter_shard(const struct api_call *call, const char *id, const char **entry)
{
    *entry = id;
    const char *colon = id ? strchr(id, ':') : NULL;
    if (!colon)
        return 0;
    char *end;
    long k = strtol(id, &end, 10);
    if (end != colon || end == id || k < 1 || k >= shard_count(call))
        return -1;
    *entry = colon + 1;
    return (int)k;
}

static int r_retry_dead_letter(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "ADMIN");
    if (rc)
        return rc;
    const char *id = json_object_get_string(api_arg(info, "id")), *entry;
    int k = dead_letter_shard(call, id, &entry);
    if (k < 0)
        return gql_resolve_error(info, "NOT_FOUND", "No dead letter with this id.");
    struct crm_redis *rr = shard_redis(call, k);
    redisContext *c = crm_redis_get(rr);
    if (!c)
        return api_unavailable(info);
    switch (crm_dead_letter_retry(c, entry)) {
    case CRM_DL_OK:
        break;
    case CRM_DL_ENOTFOUND:
    case CRM_DL_EINVAL:
        return gql_resolve_error(info, "NOT_FOUND", "No dead letter with this id.");
    default:
        if (c->err)
            crm_redis_reset(rr);
        return api_unavailable(info);
    }
    char target[64];
    snprintf(target, sizeof target, "dead:%.48s", id);
    audit_record(&call->api->redis, call->who.user_id, "deadletter.retry", target, call->client_addr, NULL);
    *out = json_object_new_boolean(1);
    return 0;
}

int api_register_admin(gql_engine *r)
{
    int rc;
    if ((rc = gql_engine_register(r, "Query.queueStats", r_queue_stats)) ||
        (rc = gql_engine_register(r, "Query.deadLetters", r_dead_letters)) ||
        (rc = gql_engine_register(r, "Mutation.retryDeadLetter", r_retry_dead_letter)))
        return rc;
    return 0;
}
