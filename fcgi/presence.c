#include "config.h"

#include "presence.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The names of the instances that refreshed within PRESENCE_FRESH_MS, asked of
 * Redis once a request (call->instances). This host's clock against the scores
 * crm-pushd wrote with its own: hosts are expected to keep time (NTP); a skew
 * of a second or two only shifts when presence lapses. 0 or -1. */
static int live_instances(struct api_call *call)
{
    if (call->instances)
        return 0;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long now_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    char min[24];
    snprintf(min, sizeof min, "%lld", now_ms - PRESENCE_FRESH_MS);
    const char *argv[] = {"ZRANGEBYSCORE", PRESENCE_INSTANCES_KEY, min, "+inf"};
    redisReply *rep = crm_redis_argv(&call->api->redis, 4, argv, NULL);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        if (rep)
            freeReplyObject(rep);
        return -1;
    }
    call->instances = json_object_new_array();
    for (size_t i = 0; i < rep->elements; i++)
        if (rep->element[i]->type == REDIS_REPLY_STRING)
            json_object_array_add(
                call->instances, json_object_new_string_len(rep->element[i]->str, (int)rep->element[i]->len));
    freeReplyObject(rep);
    return 0;
}

int presence_online(struct api_call *call, const int64_t *ids, size_t n, int *online)
{
    for (size_t i = 0; i < n; i++)
        online[i] = 0;
    if (n == 0)
        return 0;
    if (n > PRESENCE_USERS_MAX || live_instances(call) < 0)
        return -1;
    size_t ninst = json_object_array_length(call->instances);
    if (ninst == 0)
        return 0;
    redisContext *c = crm_redis_get(&call->api->redis);
    const char **argv = malloc((n + 2) * sizeof *argv);
    char(*sids)[24] = malloc(n * sizeof *sids);
    int rc = -1;
    size_t sent = 0;
    if (!c || !argv || !sids)
        goto done;
    argv[0] = "SMISMEMBER";
    for (size_t i = 0; i < n; i++) {
        snprintf(sids[i], sizeof sids[i], "%" PRId64, ids[i]);
        argv[i + 2] = sids[i];
    }
    char key[320];
    for (; sent < ninst; sent++) {
        snprintf(key, sizeof key, PRESENCE_SET_PREFIX "%s",
                 json_object_get_string(json_object_array_get_idx(call->instances, sent)));
        argv[1] = key; /* copied into the output buffer by the append */
        if (redisAppendCommandArgv(c, (int)n + 2, argv, NULL) != REDIS_OK)
            goto done;
    }
    rc = 0;
    for (size_t k = 0; k < sent; k++) {
        redisReply *rep = NULL;
        if (redisGetReply(c, (void **)&rep) != REDIS_OK) {
            rc = -1;
            break;
        }
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements == n) {
            for (size_t i = 0; i < n; i++)
                if (rep->element[i]->type == REDIS_REPLY_INTEGER && rep->element[i]->integer == 1)
                    online[i] = 1;
        } else {
            rc = -1; /* read the other replies all the same: the connection stays in step */
        }
        freeReplyObject(rep);
    }
    sent = 0;
done:
    if (c && (sent > 0 || c->err))
        crm_redis_reset(&call->api->redis); /* replies left unread: the connection is out of step */
    free(argv);
    free(sids);
    return rc;
}
