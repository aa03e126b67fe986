/* GraphQL over HTTP request parsing: media types, POST bodies, GET strings. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "gql_http.h"

static void negotiation(void **state)
{
    enum gql_http_media m;
    (void)state;
    assert_int_equal(gql_http_negotiate(NULL, &m), 0);
    assert_int_equal(m, GQL_MEDIA_JSON);
    assert_int_equal(gql_http_negotiate("application/graphql-response+json, application/json;q=0.9", &m), 0);
    assert_int_equal(m, GQL_MEDIA_GRAPHQL_RESPONSE);
    assert_int_equal(gql_http_negotiate("application/json", &m), 0);
    assert_int_equal(m, GQL_MEDIA_JSON);
    assert_int_equal(gql_http_negotiate("*/*", &m), 0);
    assert_int_equal(m, GQL_MEDIA_JSON);
    assert_int_equal(gql_http_negotiate("text/html", &m), 406);
    assert_int_equal(gql_http_negotiate("application/json;q=0", &m), 406);
    assert_int_equal(gql_http_negotiate("APPLICATION/JSON; charset=utf-8", &m), 0);
}

static int post(const char *ct, const char *body, struct gql_http_req *r, const char **err)
{
    return gql_http_parse_post(ct, body, strlen(body), r, err);
}

static void post_bodies(void **state)
{
    struct gql_http_req r;
    const char *err = NULL;
    (void)state;
    assert_int_equal(post("application/json",
                          "{\"query\":\"{ me { id } }\",\"operationName\":null,"
                          "\"variables\":{\"a\":1},\"extensions\":{}}",
                          &r, &err),
                     0);
    assert_string_equal(r.query, "{ me { id } }");
    assert_int_equal(r.query_len, 13);
    assert_null(r.operation_name);
    assert_non_null(r.variables);
    gql_http_req_deinit(&r);

    assert_int_equal(
        post("application/json; charset=utf-8", "{\"query\":\"q\",\"operationName\":\"A\"}", &r, &err), 0);
    assert_string_equal(r.operation_name, "A");
    assert_null(r.variables);
    gql_http_req_deinit(&r);
}

static void post_errors(void **state)
{
    struct gql_http_req r;
    const char *err = NULL;
    (void)state;
    const struct {
        const char *ct, *body;
        int status;
    } cases[] = {
        {NULL, "{\"query\":\"q\"}", 415},
        {"text/plain", "{\"query\":\"q\"}", 415},
        {"application/json; charset=latin1", "{\"query\":\"q\"}", 415},
        {"application/json", "not json", 400},
        {"application/json", "[]", 400},
        {"application/json", "{}", 400},
        {"application/json", "{\"query\":1}", 400},
        {"application/json", "{\"query\":\"q\",\"variables\":[]}", 400},
        {"application/json", "{\"query\":\"q\",\"variables\":\"{}\"}", 400},
        {"application/json", "{\"query\":\"q\",\"operationName\":5}", 400},
        {"application/json", "{\"query\":\"q\",\"extensions\":5}", 400},
        {"application/json", "{\"query\":\"q\\u0000\"}", 400},
        {"application/json", "{\"query\":\"q\"} x", 400},
        {"application/json", "null", 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = post(cases[i].ct, cases[i].body, &r, &err);
        if (st != cases[i].status)
            fail_msg("case %zu (%s): status %d, want %d", i, cases[i].body, st, cases[i].status);
        assert_non_null(err);
        gql_http_req_deinit(&r);
    }
}

static void get_strings(void **state)
{
    struct gql_http_req r;
    const char *err = NULL;
    (void)state;
    assert_int_equal(
        gql_http_parse_get(
            "query=%7B%20me%20%7B%20id%20%7D%20%7D&operationName=&variables=%7B%22a%22%3A1%7D&x=y", &r, &err),
        0);
    assert_string_equal(r.query, "{ me { id } }");
    assert_null(r.operation_name);
    assert_non_null(r.variables);
    gql_http_req_deinit(&r);
    assert_int_equal(gql_http_parse_get("query=a+b&operationName=Op", &r, &err), 0);
    assert_string_equal(r.query, "a b");
    assert_string_equal(r.operation_name, "Op");
    gql_http_req_deinit(&r);

    const char *bad[] = {"",
                         "operationName=x",
                         "query=%zz",
                         "query=%0",
                         "query=a%00b",
                         "query=%C0%AF",
                         "query=a&query=b",
                         "query=a&variables=%5B%5D",
                         "query=a&variables=nope"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (gql_http_parse_get(bad[i], &r, &err) != 400)
            fail_msg("accepted: %s", bad[i]);
        gql_http_req_deinit(&r);
    }
    static char big[CRM_MAX_QUERY_STRING + 8];
    memset(big, 'a', sizeof big - 1);
    memcpy(big, "query=", 6);
    assert_int_equal(gql_http_parse_get(big, &r, &err), 414);
    gql_http_req_deinit(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(negotiation),
        cmocka_unit_test(post_bodies),
        cmocka_unit_test(post_errors),
        cmocka_unit_test(get_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
