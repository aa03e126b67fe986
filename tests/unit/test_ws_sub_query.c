/* crm-pushd's subscriptions over the GraphQL engine: preparation, sharing by
 * key, errors, and the payload of one message. Needs CRM_SCHEMA_PATH. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gql/gql_schema.h"
#include "sub_query.h"

static gql_schema *schema;
static struct sub_query_cache *cache;
static int lookups;

static struct push_user *lookup(int64_t id)
{
    lookups++;
    if (id != 7)
        return NULL;
    struct push_user *u = calloc(1, sizeof *u);
    u->refs = 1;
    u->id = 7;
    strcpy(u->role, "STAFF");
    strcpy(u->created_at, "2026-01-02T03:04:05.006Z");
    u->email = strdup("n@x.test");
    u->display_name = strdup("Nora \"N\"");
    return u;
}

static int setup(void **state)
{
    (void)state;
    gql_error_list el;
    gql_error_list_init(&el);
    const char *path = getenv("CRM_SCHEMA_PATH");
    if (!path || gql_schema_load_file(path, &schema, &el) != 0)
        return -1;
    gql_error_list_deinit(&el);
    cache = sub_query_cache_new(schema, lookup);
    return cache ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sub_query_cache_free(cache);
    gql_schema_free(schema);
    return 0;
}

static int prepare(const char *json, struct sub_query **q, struct sub_args *a, json_object **errs)
{
    json_object *p = json_tokener_parse(json);
    int rc = sub_query_prepare(cache, p, q, a, errs);
    json_object_put(p);
    return rc;
}

static void test_render_and_share(void **state)
{
    (void)state;
    struct sub_query *q1, *q2, *q3;
    struct sub_args a;
    json_object *errs;
    assert_int_equal(
        prepare("{\"query\":\"subscription S($r: ID!) { messageAdded(roomId: $r, after: \\\"5-1\\\") { id "
                "body status cursor createdAt sender { displayName } } }\",\"variables\":{\"r\":\"12\"}}",
                &q1, &a, &errs),
        0);
    assert_int_equal(a.room_id, 12);
    assert_int_equal(a.has_after, 1);
    assert_int_equal(a.after_ms, 5);
    assert_int_equal(a.after_seq, 1);
    assert_int_equal(
        prepare("{\"query\":\"subscription S($r: ID!) { messageAdded(roomId: $r, after: \\\"5-1\\\") { id "
                "body status cursor createdAt sender { displayName } } }\",\"variables\":{\"r\":\"12\"}}",
                &q2, &a, &errs),
        0);
    assert_ptr_equal(q1, q2);
    assert_int_equal(sub_query_cache_size(cache), 1);
    assert_int_equal(
        prepare("{\"query\":\"subscription { messageAdded(roomId: 3) { id } }\"}", &q3, &a, &errs), 0);
    assert_ptr_not_equal(q1, q3);
    assert_int_equal(a.has_after, 0);

    struct push_message *m = push_message_new(1764100939123ull, 4, 12, 7, "k1", 2, "hi \"there\"\n", 11, 0);
    lookups = 0;
    struct push_buf *b = sub_query_render(q1, m, 0);
    assert_non_null(b);
    const char *want =
        "{\"data\":{\"messageAdded\":{\"id\":\"1764100939123-4\",\"body\":\"hi \\\"there\\\"\\n\","
        "\"status\":\"PENDING\",\"cursor\":\"1764100939123-4\",\"createdAt\":\"2025-11-25T20:02:19.123Z\","
        "\"sender\":{\"displayName\":\"Nora \\\"N\\\"\"}}}}";
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->data, want, b->len);
    push_buf_unref(b);
    /* The sender is looked up once per message and only when selected. */
    b = sub_query_render(q1, m, 0);
    push_buf_unref(b);
    assert_int_equal(lookups, 1);
    b = sub_query_render(q3, m, 0);
    assert_int_equal(b->len, strlen("{\"data\":{\"messageAdded\":{\"id\":\"1764100939123-4\"}}}"));
    push_buf_unref(b);
    /* A patient viewing someone else's message gets the email field empty, as
     * crm-api renders User for a patient; the same selection otherwise shows it. */
    struct sub_query *qe = NULL;
    assert_int_equal(
        prepare("{\"query\":\"subscription { messageAdded(roomId: 12) { sender { email role } } }\"}", &qe,
                &a, &errs),
        0);
    b = sub_query_render(qe, m, 0);
    assert_non_null(memmem(b->data, b->len, "\"email\":\"n@x.test\"", 18));
    push_buf_unref(b);
    b = sub_query_render(qe, m, 1);
    assert_non_null(memmem(b->data, b->len, "\"email\":\"\"", 10));
    assert_null(memmem(b->data, b->len, "n@x.test", 8));
    push_buf_unref(b);
    sub_query_unref(qe);
    push_message_unref(m);

    /* An unknown sender nulls the whole (non-null) result, with an error. */
    m = push_message_new(1, 1, 12, 99, "k", 1, "b", 1, 1);
    b = sub_query_render(q1, m, 0);
    assert_non_null(b);
    assert_non_null(memmem(b->data, b->len, "\"data\":null", 11));
    assert_non_null(memmem(b->data, b->len, "INTERNAL_SERVER_ERROR", 21));
    push_buf_unref(b);
    push_message_unref(m);

    sub_query_unref(q1);
    sub_query_unref(q2);
    sub_query_unref(q3);
    assert_int_equal(sub_query_cache_size(cache), 0);
}

static void expect_error(const char *json, const char *needle)
{
    struct sub_query *q = NULL;
    struct sub_args a;
    json_object *errs = NULL;
    assert_int_equal(prepare(json, &q, &a, &errs), -1);
    assert_null(q);
    assert_non_null(errs);
    assert_true(json_object_is_type(errs, json_type_array));
    const char *s = json_object_to_json_string(errs);
    if (!strstr(s, needle))
        fail_msg("%s lacks %s", s, needle);
    json_object_put(errs);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{\"query\":\"subscription { messageAdded(roomId: 1) { nope } }\"}",
                 "GRAPHQL_VALIDATION_FAILED");
    expect_error("{\"query\":\"subscription { messageAdded(roomId: 1) { id }\"}", "GRAPHQL_PARSE_FAILED");
    expect_error("{\"query\":\"{ me { id } }\"}", "Only subscriptions");
    expect_error("{\"query\":\"subscription { messageAdded(roomId: \\\"abc\\\") { id } }\"}", "roomId");
    expect_error("{\"query\":\"subscription { messageAdded(roomId: 1, after: \\\"x\\\") { id } }\"}",
                 "after");
    expect_error("{\"query\":\"subscription S($r: ID!) { messageAdded(roomId: $r) { id } }\"}", "$r");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_and_share),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
