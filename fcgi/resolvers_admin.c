/* Resolvers: the pipeline, for admins. queueStats, deadLetters, retryDeadLetter. */
#include "config.h"

#include "api.h"
#include "audit.h"
#include "dead_letters.h"
#include "message.h"
#include "queue_stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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
    int nshards = call->api->shards.n > 1 ? call->api->shards.n : 1;
    for (int k = 0; k < nshards; k++) {
        struct crm_redis *rr = k == 0 ? &call->api->redis : &call->api->shard[k];
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
    redisContext *c = crm_redis_get(&call->api->redis);
    struct crm_dead_letter *list = NULL;
    size_t n = 0;
    if (!c || crm_dead_letters_list(c, (size_t)limit, &list, &n) != CRM_DL_OK) {
        if (c && c->err)
            crm_redis_reset(&call->api->redis);
        return api_unavailable(info);
    }
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        const struct crm_dead_letter *d = &list[i];
        char failed[32], room[24];
        api_format_ms((uint64_t)d->failed_at_ms, failed);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(d->id));
        json_object_object_add(o, "messageId",
                               d->message_id[0] ? json_object_new_string(d->message_id) : NULL);
        snprintf(room, sizeof room, "%" PRId64, d->room_id);
        json_object_object_add(o, "roomId", d->room_id ? json_object_new_string(room) : NULL);
        json_object_object_add(o, "idempotencyKey",
                               d->idempotency_key ? json_object_new_string(d->idempotency_key) : NULL);
        json_object_object_add(o, "deliveries", json_object_new_int64(d->deliveries));
        json_object_object_add(o, "error", json_object_new_string(d->error));
        json_object_object_add(o, "failedAt", json_object_new_string(failed));
        json_object_object_add(o, "entry", json_object_new_string(d->entry_json));
        json_object_array_add(arr, o);
    }
    crm_dead_letters_free(list, n);
    /* Dead letters hold message bodies: no record, no answer. */
    char detail[48];
    snprintf(detail, sizeof detail, "{\"count\":%zu}", n);
    if (audit_record(&call->api->redis, call->who.user_id, "deadletters.read", NULL, call->client_addr,
                     detail) < 0) {
        json_object_put(arr);
        return api_unavailable(info);
    }
    *out = arr;
    return 0;
}

static int r_retry_dead_letter(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "ADMIN");
    if (rc)
        return rc;
    const char *id = json_object_get_string(api_arg(info, "id"));
    redisContext *c = crm_redis_get(&call->api->redis);
    if (!c)
        return api_unavailable(info);
    switch (crm_dead_letter_retry(c, id)) {
    case CRM_DL_OK:
        break;
    case CRM_DL_ENOTFOUND:
    case CRM_DL_EINVAL:
        return gql_resolve_error(info, "NOT_FOUND", "No dead letter with this id.");
    default:
        if (c->err)
            crm_redis_reset(&call->api->redis);
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
