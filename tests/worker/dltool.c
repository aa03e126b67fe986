/* Test driver for lib/dead_letters and lib/queue_stats, used by the worker's
 * integration and fault tests until crm-api exposes them:
 *   dltool list [LIMIT]   dead letters as JSON lines, newest first
 *   dltool retry ID       send a dead letter back through the pipeline
 *   dltool stats          queue figures as one JSON object
 * Connects to CRM_REDIS_HOST:CRM_REDIS_PORT; CRM_STREAMS partitions. */
#include "config.h"

#include "dead_letters.h"
#include "queue_stats.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int list(redisContext *c, size_t limit)
{
    struct crm_dead_letter *dl;
    size_t n;
    int rc = crm_dead_letters_list(c, limit, &dl, &n);
    if (rc < 0) {
        fprintf(stderr, "list failed: %d\n", rc);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(dl[i].id));
        json_object_object_add(o, "stream", json_object_new_string(dl[i].stream));
        json_object_object_add(o, "messageId", json_object_new_string(dl[i].message_id));
        json_object_object_add(o, "roomId", json_object_new_int64(dl[i].room_id));
        json_object_object_add(o, "idempotencyKey", dl[i].idempotency_key
                                   ? json_object_new_string(dl[i].idempotency_key) : NULL);
        json_object_object_add(o, "deliveries", json_object_new_int64(dl[i].deliveries));
        json_object_object_add(o, "error", json_object_new_string(dl[i].error));
        json_object_object_add(o, "failedAt", json_object_new_int64(dl[i].failed_at_ms));
        json_object_object_add(o, "entry", json_object_new_string(dl[i].entry_json));
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
    }
    crm_dead_letters_free(dl, n);
    return 0;
}

static int stats(redisContext *c, int streams)
{
    struct crm_queue_stats qs;
    if (crm_queue_stats_get(c, streams, &qs) < 0) {
        fprintf(stderr, "stats failed\n");
        return 1;
    }
    printf("{\"streams\":%zu,\"length\":%lld,\"lag\":%lld,\"pending\":%lld,"
           "\"deadLetters\":%lld,\"consumers\":%lld,\"perStream\":[",
           qs.n_streams, qs.length, qs.lag, qs.pending, qs.dead_letters, qs.consumers);
    for (size_t i = 0; i < qs.n_streams; i++)
        printf("%s{\"name\":\"%s\",\"length\":%lld,\"lag\":%lld,\"pending\":%lld,\"consumers\":%lld}",
               i ? "," : "", qs.streams[i].name, qs.streams[i].length, qs.streams[i].lag,
               qs.streams[i].pending, qs.streams[i].consumers);
    printf("]}\n");
    crm_queue_stats_deinit(&qs);
    return 0;
}

int main(int argc, char **argv)
{
    const char *host = getenv("CRM_REDIS_HOST") ? getenv("CRM_REDIS_HOST") : "127.0.0.1";
    int port = getenv("CRM_REDIS_PORT") ? atoi(getenv("CRM_REDIS_PORT")) : 6379;
    int streams = getenv("CRM_STREAMS") ? atoi(getenv("CRM_STREAMS")) : 1;
    if (argc < 2) {
        fprintf(stderr, "usage: dltool list [LIMIT] | retry ID | stats\n");
        return 2;
    }
    redisContext *c = redisConnect(host, port);
    if (!c || c->err) {
        fprintf(stderr, "cannot connect to Redis\n");
        redisFree(c);
        return 1;
    }
    int rc = 2;
    if (strcmp(argv[1], "list") == 0) {
        rc = list(c, argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 50);
    } else if (strcmp(argv[1], "retry") == 0 && argc > 2) {
        int r = crm_dead_letter_retry(c, argv[2]);
        printf("%s\n", r == 0 ? "retried" : r == CRM_DL_ENOTFOUND ? "not found" : "error");
        rc = r == 0 ? 0 : 1;
    } else if (strcmp(argv[1], "stats") == 0) {
        rc = stats(c, streams);
    }
    redisFree(c);
    return rc;
}
