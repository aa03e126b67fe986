/* gql_bench: documents per second of the GraphQL engine for representative
 * documents: parse+validate (uncached prepare) and execute (cached prepare +
 * execute + render), and the engine time of one cached sendMessage request.
 *   gql_bench SCHEMA_FILE [SECONDS_PER_CASE]
 * Prints one line per case: "<case> <phase> <ops/s> <us/op>". The resolvers
 * return fixed objects, so the figures are the engine's own cost.
 *   gql_bench SCHEMA_FILE --count N CASE
 * runs exactly N cached requests of CASE (prepare hit + execute + render)
 * inside bench_requests(), for instruction counts:
 *   valgrind --tool=callgrind --collect-atstart=no \
 *     --toggle-collect=bench_requests bench/gql_bench SCHEMA --count 1000 sendMessage */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "gql/gql_engine.h"
#include "gql/gql_introspect.h"

static json_object *message_json(int i)
{
    char buf[512];
    snprintf(
        buf, sizeof(buf),
        "{\"id\":\"m%d\",\"roomId\":\"r1\",\"body\":\"hello %d\",\"idempotencyKey\":\"k%d\","
        "\"createdAt\":\"2026-11-25T20:02:19.123Z\",\"status\":\"PENDING\",\"cursor\":\"1764100939123-%d\","
        "\"sender\":{\"id\":\"u1\",\"email\":\"a@b.c\",\"displayName\":\"Dr A\",\"role\":\"STAFF\","
        "\"createdAt\":\"2026-01-01T00:00:00.000Z\"}}",
        i, i, i, i);
    return json_tokener_parse(buf);
}

static int r_send(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)info;
    *out = json_object_get(ctx);
    return 0;
}

static int r_messages(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)info;
    (void)ctx;
    static json_object *list;
    if (list == NULL) {
        list = json_object_new_array();
        for (int i = 0; i < 50; i++)
            json_object_array_add(list, message_json(i));
    }
    *out = json_object_get(list);
    return 0;
}

/* n cached requests as crm-api runs them: prepare (a cache hit after the
 * first), execute, render. Not inlined, so callgrind can count it alone. */
__attribute__((noinline)) static int bench_requests(gql_engine *e, const char *doc, size_t len,
                                                    json_object *vars, json_object *root, json_object *msg,
                                                    long n)
{
    for (long i = 0; i < n; i++) {
        gql_prepared *p = NULL;
        gql_response *resp = NULL;
        gql_error_list errs;
        size_t rlen;
        gql_error_list_init(&errs);
        int rc = gql_engine_prepare(e, doc, len, &p, &errs);
        gql_error_list_deinit(&errs);
        if (rc != 0 || gql_engine_execute(e, p, NULL, vars, root, msg, &resp) != 0 ||
            gql_response_text(resp, &rlen) == NULL)
            return 1;
        gql_response_free(resp);
        gql_prepared_release(p);
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct bcase {
    const char *name; /* case name */
    const char *doc;  /* document */
    const char *vars; /* variables JSON or NULL */
} bcase;

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: gql_bench SCHEMA_FILE [SECONDS_PER_CASE]\n");
        return 2;
    }
    double secs = argc > 2 ? atof(argv[2]) : 1.0;
    gql_schema *schema = NULL;
    gql_error_list errs;
    gql_error_list_init(&errs);
    if (gql_schema_load_file(argv[1], &schema, &errs) != 0) {
        fprintf(stderr, "gql_bench: cannot load %s\n", argv[1]);
        return 2;
    }
    static char fifty[8192];
    strcpy(fifty, "query Fifty {");
    for (int i = 0; i < 50; i++)
        snprintf(fifty + strlen(fifty), sizeof(fifty) - strlen(fifty), " f%d: me { id }", i);
    strcat(fifty, " }");
    /* f0..f49 would exceed the alias limit; use plain repeated fields. */
    strcpy(fifty, "query Fifty { me { id email displayName role createdAt } rooms { id name createdAt "
                  "members { id email displayName role createdAt } lastMessage { id roomId body "
                  "idempotencyKey createdAt status cursor sender { id email displayName role createdAt } } } "
                  "messages(roomId: \"r1\") { id roomId body idempotencyKey createdAt status cursor "
                  "sender { id email displayName role createdAt } } queueStats { streams length lag pending "
                  "deadLetters consumers } deadLetters { id messageId roomId idempotencyKey deliveries "
                  "error failedAt entry } }");
    bcase cases[] = {
        {"sendMessage",
         "mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id roomId body "
         "idempotencyKey createdAt status cursor sender { id displayName } } }",
         "{\"input\":{\"roomId\":\"r1\",\"body\":\"hello\",\"idempotencyKey\":\"k1\"}}"},
        {"roomHistory",
         "query History($roomId: ID!, $before: String) { messages(roomId: $roomId, before: $before, "
         "limit: 50) { id body createdAt status cursor sender { id displayName role } } }",
         "{\"roomId\":\"r1\",\"before\":null}"},
        {"introspection", gql_introspection_query, NULL},
        {"fiftyFields", fifty, NULL},
    };
    json_object *msg = message_json(1);
    json_object *root = json_tokener_parse(
        "{\"me\":{\"id\":\"u1\",\"email\":\"a@b.c\","
        "\"displayName\":\"A\",\"role\":\"STAFF\",\"createdAt\":\"t\"},\"rooms\":[],"
        "\"queueStats\":{\"streams\":1,\"length\":2,\"lag\":0,\"pending\":0,\"deadLetters\":0,"
        "\"consumers\":1},\"deadLetters\":[]}");
    if (argc == 5 && strcmp(argv[2], "--count") == 0) {
        /* Exactly N cached requests of one case, for callgrind. */
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
            if (strcmp(cases[c].name, argv[4]) != 0)
                continue;
            json_object *vars = cases[c].vars ? json_tokener_parse(cases[c].vars) : NULL;
            gql_engine *e = gql_engine_new(schema, NULL);
            gql_engine_register(e, "Mutation.sendMessage", r_send);
            gql_engine_register(e, "Query.messages", r_messages);
            size_t len = strlen(cases[c].doc);
            /* warm: the first request parses and validates */
            int rc = bench_requests(e, cases[c].doc, len, vars, root, msg, 1) != 0 ||
                     bench_requests(e, cases[c].doc, len, vars, root, msg, atol(argv[3])) != 0;
            gql_engine_free(e);
            json_object_put(vars);
            json_object_put(msg);
            json_object_put(root);
            gql_schema_free(schema);
            return rc;
        }
        fprintf(stderr, "gql_bench: no case %s\n", argv[4]);
        return 2;
    }
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        json_object *vars = cases[c].vars ? json_tokener_parse(cases[c].vars) : NULL;
        size_t len = strlen(cases[c].doc);
        /* parse + validate: a cache of one entry that never hits. */
        gql_engine_options o = {.cache_entries = 1};
        gql_engine *e = gql_engine_new(schema, &o);
        long n = 0;
        double t0 = now(), t1;
        do {
            for (int i = 0; i < 50; i++) {
                gql_prepared *p = NULL;
                gql_error_list_init(&errs);
                /* a distinct text each time: trailing spaces vary */
                char *d = malloc(len + 2);
                memcpy(d, cases[c].doc, len);
                d[len] = (n & 1) ? ' ' : '\n';
                if (gql_engine_prepare(e, d, len + 1, &p, &errs) != 0) {
                    fprintf(stderr, "prepare failed: %s\n", errs.head ? errs.head->message : "?");
                    return 1;
                }
                free(d);
                gql_prepared_release(p);
                gql_error_list_deinit(&errs);
                n++;
            }
            t1 = now();
        } while (t1 - t0 < secs);
        printf("%s parse+validate %.0f %.2f\n", cases[c].name, n / (t1 - t0), (t1 - t0) / n * 1e6);
        gql_engine_free(e);

        /* execute: cached prepare + execute + render, as crm-api runs it. */
        e = gql_engine_new(schema, NULL);
        gql_engine_register(e, "Mutation.sendMessage", r_send);
        gql_engine_register(e, "Query.messages", r_messages);
        n = 0;
        t0 = now();
        do {
            if (bench_requests(e, cases[c].doc, len, vars, root, msg, 50) != 0)
                return 1;
            n += 50;
            t1 = now();
        } while (t1 - t0 < secs);
        printf("%s execute %.0f %.2f\n", cases[c].name, n / (t1 - t0), (t1 - t0) / n * 1e6);
        gql_engine_free(e);
        json_object_put(vars);
    }
    json_object_put(msg);
    json_object_put(root);
    gql_schema_free(schema);
    return 0;
}
