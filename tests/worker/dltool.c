/* Test driver for lib/dead_letters and lib/queue_stats, used by the worker's
 * integration and fault tests until crm-api exposes them:
 *   dltool list [LIMIT]   dead letters as JSON lines, newest first
 *   dltool retry ID       send a dead letter back through the pipeline
 *   dltool stats          queue figures as one JSON object
 * Connects to CRM_REDIS_HOST:CRM_REDIS_PORT as crm-api's Redis user (the one
 * that lists and retries dead letters; CRM_REDIS_USER and CRM_REDIS_PASSWORD_FILE
 * as for crm-api); CRM_STREAMS partitions. */
#include "config.h"

#include "crm_config.h"
#include "dead_letters.h"
#include "queue_stats.h"
#include "redis_auth.h"
#include "redis_sync.h"

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
        json_object_object_add(o, "idempotencyKey",
                               dl[i].idempotency_key ? json_object_new_string(dl[i].idempotency_key) : NULL);
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
    if (argc < 2) {
        fprintf(stderr, "usage: dltool list [LIMIT] | retry ID | stats\n");
        return 2;
    }
    struct crm_config cfg;
    struct crm_redis_auth auth;
    struct crm_redis redis;
    char err[256];
    if (crm_config_load(&cfg, err, sizeof err) < 0 ||
        crm_redis_auth_load(&auth, &cfg, "crm-api", err, sizeof err) < 0) {
        fprintf(stderr, "configuration: %s\n", err);
        return 1;
    }
    crm_redis_auth_use(&auth);
    crm_redis_init(&redis, cfg.redis_host, cfg.redis_port, 5000);
    redisContext *c = crm_redis_get(&redis);
    if (!c) {
        fprintf(stderr, "cannot connect to Redis\n");
        return 1;
    }
    int streams = cfg.streams;
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
    crm_redis_deinit(&redis);
    return rc;
}
