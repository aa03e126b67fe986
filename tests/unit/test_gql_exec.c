/* Unit tests of execution: default resolvers, registered resolvers, errors
 * with extensions.code and paths, null propagation, abstract types, argument
 * coercion, mutations and subscription events; the response writer against
 * json-c's own printer; plans and shared coerced variables. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "gql/gql_jsonw.h"
#include "gql_exec_fixture.h"

static gql_schema *schema;
static gql_engine *engine;

static int setup(void **state)
{
    (void)state;
    schema = fx_schema();
    engine = gql_engine_new(schema, NULL);
    assert_int_equal(gql_engine_register(engine, "Query.echo", fx_echo), 0);
    assert_int_equal(gql_engine_register(engine, "Query.err", fx_err), 0);
    assert_int_equal(gql_engine_register(engine, "Query.errNN", fx_err), 0);
    assert_int_equal(gql_engine_register(engine, "Query.nope", fx_err), GQL_EINVAL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gql_engine_free(engine);
    gql_schema_free(schema);
    return 0;
}

static void test_default_resolvers(void **state)
{
    (void)state;
    assert_string_equal(
        fx_run(engine, "{ p { name id c } x: p { id } }", NULL,
               "{\"p\":{\"id\":7,\"name\":\"A\",\"c\":\"RED\"}}"),
        "{\"data\":{\"p\":{\"name\":\"A\",\"id\":\"7\",\"c\":\"RED\"},\"x\":{\"id\":\"7\"}}}");
    assert_string_equal(fx_run(engine, "{ __typename p { __typename } }", NULL, "{\"p\":{}}"),
                        "{\"data\":{\"__typename\":\"Query\",\"p\":{\"__typename\":\"P\"}}}");
}

static void test_errors(void **state)
{
    (void)state;
    assert_string_equal(fx_run(engine, "{ err p { id } }", NULL, "{\"p\":{\"id\":\"1\"}}"),
                        "{\"errors\":[{\"message\":\"No err.\",\"locations\":[{\"line\":1,\"column\":3}],"
                        "\"path\":[\"err\"],\"extensions\":{\"code\":\"FORBIDDEN\"}}],"
                        "\"data\":{\"err\":null,\"p\":{\"id\":\"1\"}}}");
    assert_string_equal(fx_run(engine, "{ p { id } errNN }", NULL, "{\"p\":{\"id\":\"1\"}}"),
                        "{\"errors\":[{\"message\":\"No errNN.\",\"locations\":[{\"line\":1,\"column\":12}],"
                        "\"path\":[\"errNN\"],\"extensions\":{\"code\":\"FORBIDDEN\"}}],\"data\":null}");
    assert_string_equal(fx_run(engine, "{ ps { kids { nn } } }", NULL,
                               "{\"ps\":[{\"kids\":[{\"nn\":\"a\"},{}]},{\"kids\":[]}]}"),
                        "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field P.nn.\","
                        "\"locations\":[{\"line\":1,\"column\":15}],\"path\":[\"ps\",0,\"kids\",1,\"nn\"]}],"
                        "\"data\":{\"ps\":[{\"kids\":null},{\"kids\":[]}]}}");
    assert_string_equal(
        fx_run(engine, "{ p { c } }", NULL, "{\"p\":{\"c\":\"BLUE\"}}"),
        "{\"errors\":[{\"message\":\"Enum \\\"Color\\\" cannot represent value: \\\"BLUE\\\"\","
        "\"locations\":[{\"line\":1,\"column\":7}],\"path\":[\"p\",\"c\"]}],"
        "\"data\":{\"p\":{\"c\":null}}}");
}

static void test_abstract(void **state)
{
    (void)state;
    assert_string_equal(fx_run(engine, "{ node { id ... on P { name } } }", NULL,
                               "{\"node\":{\"__typename\":\"P\",\"id\":\"1\",\"name\":\"n\"}}"),
                        "{\"data\":{\"node\":{\"id\":\"1\",\"name\":\"n\"}}}");
}

static void test_arguments(void **state)
{
    (void)state;
    assert_string_equal(fx_run(engine, "query($v: Int) { echo(i: $v, l: 1, in: {a: 2}) }", "{\"v\":3}", NULL),
                        "{\"data\":{\"echo\":\"{\\\"i\\\":3,\\\"in\\\":{\\\"a\\\":2,\\\"b\\\":\\\"d\\\"},"
                        "\\\"l\\\":[1],\\\"d\\\":5}\"}}");
    assert_string_equal(fx_run(engine, "query($v: Int) { echo(i: $v) }", "{\"v\":\"x\"}", NULL),
                        "{\"errors\":[{\"message\":\"Variable \\\"$v\\\" got invalid value \\\"x\\\"; "
                        "Int cannot represent non-integer value: \\\"x\\\"\",\"locations\":[{\"line\":1,"
                        "\"column\":7}]}]}");
}

static void test_event(void **state)
{
    (void)state;
    const char *doc = "subscription S($r: ID!) { ev(room: $r, after: \"5\") { id name } }";
    gql_error_list errs;
    gql_error_list_init(&errs);
    gql_prepared *p = NULL;
    assert_int_equal(gql_engine_prepare(engine, doc, strlen(doc), &p, &errs), 0);
    gql_operation op;
    assert_int_equal(gql_engine_operation_type(p, NULL, &op), 0);
    assert_int_equal(op, GQL_OP_SUBSCRIPTION);
    json_object *vars = json_tokener_parse("{\"r\":\"room1\"}"), *args = NULL, *errors = NULL;
    const char *field = NULL;
    assert_int_equal(gql_engine_subscription_field(engine, p, NULL, vars, &field, &args, &errors), 0);
    assert_string_equal(field, "ev");
    assert_string_equal(json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN),
                        "{\"room\":\"room1\",\"after\":\"5\"}");
    json_object_put(args);
    json_object *event = json_tokener_parse("{\"id\":\"m1\",\"name\":\"x\"}");
    gql_response *resp = NULL;
    assert_int_equal(gql_engine_execute_event(engine, p, "S", vars, event, NULL, &resp), 0);
    assert_string_equal(gql_response_text(resp, NULL), "{\"data\":{\"ev\":{\"id\":\"m1\",\"name\":\"x\"}}}");
    char *k1 = NULL, *k2 = NULL;
    json_object *vars2 = json_tokener_parse("{\"r\":\"room1\",\"unused\":1}");
    assert_int_equal(gql_prepared_key(engine, p, NULL, vars, &k1), 0);
    assert_int_equal(gql_prepared_key(engine, p, "S", vars2, &k2), 0);
    assert_string_equal(k1, k2);
    free(k1);
    free(k2);
    json_object_put(vars2);
    gql_response_free(resp);
    json_object_put(event);
    json_object_put(vars);
    gql_prepared_release(p);
    gql_error_list_deinit(&errs);
}

/* gql_jsonw prints what json-c prints (PLAIN | NOSLASHESCAPE). */
static void expect_same_json(json_object *v)
{
    gql_sbuf b = {0};
    gql_jsonw_value(&b, v);
    assert_false(b.oom);
    assert_string_equal(gql_sbuf_str(&b), json_object_to_json_string_ext(
                                              v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    gql_sbuf_free(&b);
}

static void test_json_writer(void **state)
{
    (void)state;
    char all[300];
    for (int c = 1; c < 256; c++) {
        char one[4] = {'a', (char)c, 'z', 0};
        json_object *o = json_object_new_string(one);
        expect_same_json(o);
        json_object_put(o);
        all[c - 1] = (char)c;
    }
    json_object *o = json_object_new_string_len(all, 255);
    expect_same_json(o);
    json_object_put(o);
    /* Each byte at each place of strings of 1 to 40 bytes: the writer
	 * checks words of eight bytes (overlapping, or widened for short
	 * strings), so a byte must be found wherever it sits. */
    for (int c = 1; c < 256; c++)
        for (int len = 1; len <= 40; len++)
            for (int at = 0; at < len; at++) {
                char text[41];
                memset(text, 'a' + at % 26, (size_t)len);
                text[at] = (char)c;
                text[len] = '\0';
                o = json_object_new_string(text);
                expect_same_json(o);
                json_object_put(o);
            }
    o = json_object_new_string_len("a\0b", 3); /* embedded NUL */
    expect_same_json(o);
    json_object_put(o);
    const char *texts[] = {"0",
                           "-1",
                           "2147483648",
                           "-9223372036854775808",
                           "9223372036854775807",
                           "18446744073709551615",
                           "1.50",
                           "1e300",
                           "-0.0",
                           "true",
                           "false",
                           "null",
                           "[1,\"x\",{\"a/b\":null}]",
                           "{}",
                           "\"\""};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        o = json_tokener_parse(texts[i]);
        expect_same_json(o);
        json_object_put(o);
    }
    o = json_object_new_double(0.1);
    expect_same_json(o);
    json_object_put(o);
    o = json_object_new_uint64(UINT64_MAX);
    expect_same_json(o);
    json_object_put(o);
}

/* Non-null errors inside list items and objects cut back exactly the text
 * written for the nulled value. */
static void test_null_cutback(void **state)
{
    (void)state;
    assert_string_equal(
        fx_run(engine, "{ ps { id nn } p { name } }", NULL,
               "{\"ps\":[{\"id\":\"1\",\"nn\":\"a\"},{\"id\":\"2\"}],\"p\":{\"name\":\"n\"}}"),
        "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field P.nn.\","
        "\"locations\":[{\"line\":1,\"column\":11}],\"path\":[\"ps\",1,\"nn\"]}],"
        "\"data\":{\"ps\":[{\"id\":\"1\",\"nn\":\"a\"},null],\"p\":{\"name\":\"n\"}}}");
    /* a field the runtime type lacks is left out, separators included */
    assert_string_equal(fx_run(engine, "{ node { ... on P { name } id } }", NULL,
                               "{\"node\":{\"__typename\":\"P\",\"id\":\"1\",\"name\":\"x\"}}"),
                        "{\"data\":{\"node\":{\"name\":\"x\",\"id\":\"1\"}}}");
}

/* A cached document runs from its plan; conditions on variables are
 * collected per execution, literal ones once. */
static void test_plans(void **state)
{
    (void)state;
    const char *root = "{\"p\":{\"id\":\"1\",\"name\":\"n\"}}";
    for (int i = 0; i < 3; i++) {
        assert_string_equal(fx_run(engine, "query($x: Boolean!) { p { id name @include(if: $x) } }",
                                   i % 2 ? "{\"x\":true}" : "{\"x\":false}", root),
                            i % 2 ? "{\"data\":{\"p\":{\"id\":\"1\",\"name\":\"n\"}}}"
                                  : "{\"data\":{\"p\":{\"id\":\"1\"}}}");
        assert_string_equal(fx_run(engine,
                                   "{ p { id name @skip(if: true) ...F } } "
                                   "fragment F on P { n2: name @include(if: true) }",
                                   NULL, root),
                            "{\"data\":{\"p\":{\"id\":\"1\",\"n2\":\"n\"}}}");
        assert_string_equal(fx_run(engine, "{ p { id } }", NULL, i == 1 ? "{\"p\":null}" : root),
                            i == 1 ? "{\"data\":{\"p\":null}}" : "{\"data\":{\"p\":{\"id\":\"1\"}}}");
    }
}

/* Coerced variables share the given values when nothing changes, and are
 * rebuilt in definition order (defaults added, unknown keys dropped) when
 * something does. */
static void test_variables_shared(void **state)
{
    (void)state;
    const char *doc = "query($v: In, $w: Int) { echo(in: $v, i: $w) }";
    assert_string_equal(fx_run(engine, doc, "{\"v\":{\"a\":1,\"b\":\"x\",\"l\":[2]},\"w\":4}", NULL),
                        "{\"data\":{\"echo\":\"{\\\"i\\\":4,\\\"in\\\":{\\\"a\\\":1,\\\"b\\\":\\\"x\\\","
                        "\\\"l\\\":[2]},\\\"d\\\":5}\"}}");
    assert_string_equal(fx_run(engine, doc, "{\"w\":4,\"v\":{\"l\":3,\"a\":1}}", NULL),
                        "{\"data\":{\"echo\":\"{\\\"i\\\":4,\\\"in\\\":{\\\"a\\\":1,\\\"b\\\":\\\"d\\\","
                        "\\\"l\\\":[3]},\\\"d\\\":5}\"}}");
    assert_string_equal(fx_run(engine, doc, "{\"v\":{\"a\":1,\"b\":null},\"extra\":1}", NULL),
                        "{\"data\":{\"echo\":\"{\\\"in\\\":{\\\"a\\\":1,\\\"b\\\":null},"
                        "\\\"d\\\":5}\"}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_resolvers),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_abstract),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_event),
        cmocka_unit_test(test_json_writer),
        cmocka_unit_test(test_null_cutback),
        cmocka_unit_test(test_plans),
        cmocka_unit_test(test_variables_shared),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
