/* graphql-transport-ws state machine: messages in, messages and close codes out. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "gtws.h"

struct host {
    char out[8][512]; /* messages sent */
    int nout;
    int close_code;
    char close_reason[128];
    int inits;
    char token[64];
    char subs[8][32]; /* active ids */
    int nsubs;
    int completes;
};

static void h_send(void *p, const char *t, size_t n)
{
    struct host *h = p;
    if (h->nout < 8)
        snprintf(h->out[h->nout++], sizeof h->out[0], "%.*s", (int)n, t);
}
static void h_close(void *p, int code, const char *reason)
{
    struct host *h = p;
    h->close_code = code;
    snprintf(h->close_reason, sizeof h->close_reason, "%s", reason);
}
static void h_init(void *p, const char *t, size_t n)
{
    struct host *h = p;
    h->inits++;
    snprintf(h->token, sizeof h->token, "%.*s", (int)n, t);
}
static int h_has(void *p, const char *id, size_t n)
{
    struct host *h = p;
    for (int i = 0; i < h->nsubs; i++)
        if (strlen(h->subs[i]) == n && memcmp(h->subs[i], id, n) == 0)
            return 1;
    return 0;
}
static void h_sub(void *p, const char *id, size_t n, json_object *payload)
{
    struct host *h = p;
    (void)payload;
    snprintf(h->subs[h->nsubs++], 32, "%.*s", (int)n, id);
}
static void h_complete(void *p, const char *id, size_t n)
{
    struct host *h = p;
    (void)id;
    (void)n;
    h->completes++;
}

static const struct gtws_ops ops = {h_send, h_close, h_init, h_has, h_sub, h_complete};

static void in(struct gtws *g, struct host *h, const char *text)
{
    gtws_on_text(g, &ops, h, text, strlen(text));
}

static void ready(struct gtws *g, struct host *h)
{
    memset(h, 0, sizeof *h);
    memset(g, 0, sizeof *g);
    in(g, h, "{\"type\":\"connection_init\",\"payload\":{\"token\":\"abc\"}}");
    assert_int_equal(h->inits, 1);
    assert_string_equal(h->token, "abc");
    gtws_init_done(g, &ops, h, 1);
    assert_string_equal(h->out[0], "{\"type\":\"connection_ack\"}");
    assert_int_equal(g->state, GTWS_READY);
}

#define SUB(id) "{\"id\":\"" id "\",\"type\":\"subscribe\",\"payload\":{\"query\":\"subscription{x}\"}}"

static void test_init_ack_and_subscribe(void **state)
{
    (void)state;
    struct gtws g;
    struct host h;
    ready(&g, &h);
    in(&g, &h, SUB("1"));
    assert_int_equal(h.nsubs, 1);
    in(&g, &h, "{\"id\":\"1\",\"type\":\"complete\"}");
    assert_int_equal(h.completes, 1);
    assert_int_equal(h.close_code, 0);
}

static void test_second_init_4429(void **state)
{
    (void)state;
    struct gtws g;
    struct host h;
    ready(&g, &h);
    in(&g, &h, "{\"type\":\"connection_init\",\"payload\":{\"token\":\"abc\"}}");
    assert_int_equal(h.close_code, 4429);
    assert_string_equal(h.close_reason, "Too many initialisation requests");
    /* Closed: nothing more happens. */
    in(&g, &h, SUB("2"));
    assert_int_equal(h.nsubs, 0);
}

static void test_second_init_while_pending_4429(void **state)
{
    (void)state;
    struct gtws g = {0};
    struct host h = {0};
    in(&g, &h, "{\"type\":\"connection_init\",\"payload\":{\"token\":\"abc\"}}");
    in(&g, &h, "{\"type\":\"connection_init\"}");
    assert_int_equal(h.close_code, 4429);
}

static void test_subscribe_before_ack_4401(void **state)
{
    (void)state;
    struct gtws g = {0};
    struct host h = {0};
    in(&g, &h, SUB("1"));
    assert_int_equal(h.close_code, 4401);
    g = (struct gtws){0};
    h = (struct host){0};
    in(&g, &h, "{\"type\":\"connection_init\",\"payload\":{\"token\":\"abc\"}}");
    in(&g, &h, SUB("1")); /* init received but not acknowledged yet */
    assert_int_equal(h.close_code, 4401);
}

static void test_forbidden_4403(void **state)
{
    (void)state;
    struct gtws g = {0};
    struct host h = {0};
    in(&g, &h, "{\"type\":\"connection_init\"}");
    assert_int_equal(h.close_code, 4403);
    g = (struct gtws){0};
    h = (struct host){0};
    in(&g, &h, "{\"type\":\"connection_init\",\"payload\":{\"token\":42}}");
    assert_int_equal(h.close_code, 4403);
    g = (struct gtws){0};
    h = (struct host){0};
    in(&g, &h, "{\"type\":\"connection_init\",\"payload\":{\"token\":\"t\"}}");
    gtws_init_done(&g, &ops, &h, 0);
    assert_int_equal(h.close_code, 4403);
    assert_int_equal(h.nout, 0);
}

static void test_init_timeout_4408(void **state)
{
    (void)state;
    struct gtws g = {0};
    struct host h = {0};
    gtws_init_timeout(&g, &ops, &h);
    assert_int_equal(h.close_code, 4408);
    assert_string_equal(h.close_reason, "Connection initialisation timeout");
    /* After init arrived the timeout does nothing. */
    ready(&g, &h);
    gtws_init_timeout(&g, &ops, &h);
    assert_int_equal(h.close_code, 0);
}

static void test_duplicate_id_4409(void **state)
{
    (void)state;
    struct gtws g;
    struct host h;
    ready(&g, &h);
    in(&g, &h, SUB("a"));
    in(&g, &h, SUB("a"));
    assert_int_equal(h.close_code, 4409);
    assert_string_equal(h.close_reason, "Subscriber for a already exists");
}

static void test_invalid_messages_4400(void **state)
{
    (void)state;
    static const char *bad[] = {
        "not json",
        "[]",
        "{}",
        "{\"type\":1}",
        "{\"type\":\"unknown\"}",
        "{\"type\":\"next\",\"id\":\"1\"}",
        "{\"type\":\"subscribe\",\"payload\":{\"query\":\"x\"}}",             /* no id */
        "{\"type\":\"subscribe\",\"id\":\"\",\"payload\":{\"query\":\"x\"}}", /* empty id */
        "{\"type\":\"subscribe\",\"id\":\"1\"}",                              /* no payload */
        "{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":{\"query\":1}}",
        "{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":{\"query\":\"x\",\"variables\":[]}}",
        "{\"type\":\"subscribe\",\"id\":\"1\",\"payload\":{\"query\":\"x\",\"operationName\":1}}",
        "{\"type\":\"complete\"}",
        "{\"type\":\"ping\",\"payload\":1}",
        "{\"type\":\"connection_ack\"}",
        "{\"type\":\"ping\"} trailing",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct gtws g;
        struct host h;
        ready(&g, &h);
        in(&g, &h, bad[i]);
        if (h.close_code != 4400)
            fail_msg("%s: close %d", bad[i], h.close_code);
    }
    /* connection_init with a non-object payload is invalid too. */
    struct gtws g = {0};
    struct host h = {0};
    in(&g, &h, "{\"type\":\"connection_init\",\"payload\":\"x\"}");
    assert_int_equal(h.close_code, 4400);
}

static void test_ping_pong(void **state)
{
    (void)state;
    struct gtws g = {0};
    struct host h = {0};
    /* Ping works before init too. */
    in(&g, &h, "{\"type\":\"ping\"}");
    assert_string_equal(h.out[0], "{\"type\":\"pong\"}");
    in(&g, &h, "{\"type\":\"ping\",\"payload\":{\"a\":1}}");
    assert_string_equal(h.out[1], "{\"type\":\"pong\",\"payload\":{\"a\":1}}");
    in(&g, &h, "{\"type\":\"pong\"}");
    assert_int_equal(h.nout, 2);
    assert_int_equal(h.close_code, 0);
}

static void test_error_and_complete_messages(void **state)
{
    (void)state;
    struct gtws g;
    struct host h;
    ready(&g, &h);
    gtws_send_error_msg(&g, &ops, &h, "q\"1", 3, "FORBIDDEN", "no");
    assert_string_equal(h.out[1], "{\"id\":\"q\\\"1\",\"type\":\"error\",\"payload\":[{\"message\":\"no\","
                                  "\"extensions\":{\"code\":\"FORBIDDEN\"}}]}");
    gtws_send_complete(&g, &ops, &h, "7", 1);
    assert_string_equal(h.out[2], "{\"id\":\"7\",\"type\":\"complete\"}");
    char buf[16];
    assert_int_equal(gtws_json_string(buf, sizeof buf, "a\nb", 3), 6);
    assert_string_equal(buf, "\"a\\nb\"");
    assert_int_equal(gtws_json_string(buf, 4, "abcdef", 6), 0);
}

static void test_id_limit(void **state)
{
    (void)state;
    struct gtws g;
    struct host h;
    char msg[512], id[GTWS_MAX_ID + 2];
    ready(&g, &h);
    memset(id, 'x', GTWS_MAX_ID);
    id[GTWS_MAX_ID] = '\0';
    snprintf(msg, sizeof msg, "{\"id\":\"%s\",\"type\":\"subscribe\",\"payload\":{\"query\":\"q\"}}", id);
    in(&g, &h, msg);
    assert_int_equal(h.close_code, 0);
    assert_int_equal(h.nsubs, 1);
    id[GTWS_MAX_ID] = 'x';
    id[GTWS_MAX_ID + 1] = '\0';
    snprintf(msg, sizeof msg, "{\"id\":\"%s\",\"type\":\"subscribe\",\"payload\":{\"query\":\"q\"}}", id);
    in(&g, &h, msg);
    assert_int_equal(h.close_code, 4400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_ack_and_subscribe),
        cmocka_unit_test(test_second_init_4429),
        cmocka_unit_test(test_second_init_while_pending_4429),
        cmocka_unit_test(test_subscribe_before_ack_4401),
        cmocka_unit_test(test_forbidden_4403),
        cmocka_unit_test(test_init_timeout_4408),
        cmocka_unit_test(test_duplicate_id_4409),
        cmocka_unit_test(test_invalid_messages_4400),
        cmocka_unit_test(test_ping_pong),
        cmocka_unit_test(test_error_and_complete_messages),
        cmocka_unit_test(test_id_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
