/* Unit tests of input coercion: variables (CoerceVariableValues) and
 * argument literals, with graphql-js's messages, and the list bound at and
 * just past its limit. */
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

#include "gql/gql_coerce.h"
#include "gql/gql_parser.h"
#include "gql_exec_fixture.h"

/* Coerces `vars` for the only operation of doc; returns the coerced JSON or
 * the first error message. Each case runs twice: with the variable types
 * resolved per call and with them resolved once (gql_var_types), which
 * must give the same result. */
static const char *coerce_once(const gql_schema *s, const char *doc, const char *vars, size_t max_list,
                               int typed)
{
    static char out[2048];
    gql_document *d = NULL;
    gql_error_list errs;
    gql_error_list_init(&errs);
    assert_int_equal(gql_doc_parse(doc, strlen(doc), NULL, &d, &errs), 0);
    json_object *in = vars != NULL ? json_tokener_parse(vars) : NULL, *res = NULL;
    gql_var_types *vt = typed ? gql_var_types_new(s, d->definitions) : NULL;
    if (typed)
        assert_non_null(vt);
    int rc = gql_coerce_variables_typed(s, d->definitions, vt, in, max_list, &res, &errs);
    gql_var_types_free(vt);
    if (rc == 0)
        snprintf(out, sizeof(out), "%s", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
    else
        snprintf(out, sizeof(out), "%u:%u %s (%zu)", errs.head->locations[0].line,
                 errs.head->locations[0].column, errs.head->message, errs.count);
    json_object_put(res);
    json_object_put(in);
    gql_doc_free(d);
    gql_error_list_deinit(&errs);
    return out;
}

static const char *coerce(const gql_schema *s, const char *doc, const char *vars, size_t max_list)
{
    static char first[2048];
    snprintf(first, sizeof(first), "%s", coerce_once(s, doc, vars, max_list, 0));
    assert_string_equal(coerce_once(s, doc, vars, max_list, 1), first);
    return first;
}

static void test_variables(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    assert_string_equal(coerce(s, "query($x: Int) { p { id } }", "{\"x\":\"abc\"}", 0),
                        "1:7 Variable \"$x\" got invalid value \"abc\"; Int cannot represent "
                        "non-integer value: \"abc\" (1)");
    assert_string_equal(coerce(s, "query($x: Int) { p { id } }", "{\"x\":2147483648}", 0),
                        "1:7 Variable \"$x\" got invalid value 2147483648; Int cannot represent "
                        "non 32-bit signed integer value: 2147483648 (1)");
    assert_string_equal(coerce(s, "query($x: Int, $y: ID) { p { id } }", "{\"x\":3.0,\"y\":7}", 0),
                        "{\"x\":3,\"y\":\"7\"}");
    assert_string_equal(coerce(s, "query($x: Int!) { p { id } }", "{}", 0),
                        "1:7 Variable \"$x\" of required type \"Int!\" was not provided. (1)");
    assert_string_equal(coerce(s, "query($x: Int!) { p { id } }", "{\"x\":null}", 0),
                        "1:7 Variable \"$x\" of non-null type \"Int!\" must not be null. (1)");
    assert_string_equal(coerce(s, "query($x: Int = 4, $y: Int) { p { id } }", "{}", 0), "{\"x\":4}");
    /* An output type, an unknown type and a deep list among good ones. */
    assert_string_equal(
        coerce(s, "query($a: Int, $x: P, $y: [[[Int!]]]) { p { id } }", "{\"a\":1,\"y\":[[[2]]]}", 0),
        "1:16 Variable \"$x\" expected value of type \"P\" which cannot be used as "
        "an input type. (1)");
    assert_string_equal(
        coerce(s, "query($y: [[[Int!]]], $z: In) { p { id } }", "{\"y\":[[[2]]],\"z\":{\"a\":1}}", 0),
        "{\"y\":[[[2]]],\"z\":{\"a\":1,\"b\":\"d\"}}");
    assert_string_equal(coerce(s, "query($x: Int = 4) { p { id } }", "{\"x\":null}", 0), "{\"x\":null}");
    assert_string_equal(coerce(s, "query($x: [Int]) { p { id } }", "{\"x\":5}", 0), "{\"x\":[5]}");
    assert_string_equal(coerce(s, "query($x: Color) { p { id } }", "{\"x\":\"REDD\"}", 0),
                        "1:7 Variable \"$x\" got invalid value \"REDD\"; Value \"REDD\" does not "
                        "exist in \"Color\" enum. Did you mean the enum value \"RED\"? (1)");
    assert_string_equal(coerce(s, "query($x: In) { p { id } }", "{\"x\":{\"a\":1,\"z\":2}}", 0),
                        "1:7 Variable \"$x\" got invalid value { a: 1, z: 2 }; Field \"z\" is not "
                        "defined by type \"In\". Did you mean \"a\", \"b\", or \"l\"? (1)");
    assert_string_equal(coerce(s, "query($x: In) { p { id } }", "{\"x\":{\"l\":[1,\"q\"]}}", 0),
                        "1:7 Variable \"$x\" got invalid value { l: [1, \"q\"] }; Field \"a\" of "
                        "required type \"Int!\" was not provided. (2)");
    assert_string_equal(coerce(s, "query($x: In) { p { id } }", "{\"x\":{\"a\":1}}", 0),
                        "{\"x\":{\"a\":1,\"b\":\"d\"}}");
    assert_string_equal(coerce(s, "query($x: [In]) { p { id } }", "{\"x\":[{\"a\":\"s\"}]}", 0),
                        "1:7 Variable \"$x\" got invalid value \"s\" at \"x[0].a\"; Int cannot "
                        "represent non-integer value: \"s\" (1)");
    gql_schema_free(s);
}

static void test_list_limit(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    assert_string_equal(coerce(s, "query($x: [Int]) { p { id } }", "{\"x\":[1,2,3]}", 3), "{\"x\":[1,2,3]}");
    assert_string_equal(coerce(s, "query($x: [Int]) { p { id } }", "{\"x\":[1,2,3,4]}", 3),
                        "1:7 Variable \"$x\" got invalid value [1, 2, 3, 4]; List of 4 items is "
                        "longer than the limit of 3. (1)");
    gql_schema_free(s);
}

static void test_too_many_errors(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    char doc[4096] = "query(", vars[4096] = "{";
    for (int i = 0; i < 60; i++) {
        snprintf(doc + strlen(doc), sizeof(doc) - strlen(doc), "$v%d: Int ", i);
        snprintf(vars + strlen(vars), sizeof(vars) - strlen(vars), "%s\"v%d\":\"x\"", i ? "," : "", i);
    }
    strcat(doc, ") { p { id } }");
    strcat(vars, "}");
    const char *r = coerce(s, doc, vars, 0);
    assert_non_null(strstr(r, "(51)"));
    gql_schema_free(s);
}

/* gql_coerce_variables_extend: a default after every given field joins the
 * given object, which the result then shares; any other difference copies
 * as before and leaves the input as it was. */
static void test_variables_extend(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    const char *doc = "query($v: In, $w: Int) { p { id } }";
    gql_document *d = NULL;
    gql_error_list errs;
    gql_error_list_init(&errs);
    assert_int_equal(gql_doc_parse(doc, strlen(doc), NULL, &d, &errs), 0);
    struct {
        const char *in, *out, *in_after;
        int shared;
    } cases[] = {
        {"{\"v\":{\"a\":1}}", "{\"v\":{\"a\":1,\"b\":\"d\"}}", "{\"v\":{\"a\":1,\"b\":\"d\"}}", 1},
        {"{\"v\":{\"a\":1},\"w\":2}", "{\"v\":{\"a\":1,\"b\":\"d\"},\"w\":2}",
         "{\"v\":{\"a\":1,\"b\":\"d\"},\"w\":2}", 1},
        /* l given after the default's place: a copy, in definition order */
        {"{\"v\":{\"a\":1,\"l\":[2]}}", "{\"v\":{\"a\":1,\"b\":\"d\",\"l\":[2]}}",
         "{\"v\":{\"a\":1,\"l\":[2]}}", 0},
        /* a value that coerces to another (3 to [3]): a copy */
        {"{\"v\":{\"l\":3,\"a\":1}}", "{\"v\":{\"a\":1,\"b\":\"d\",\"l\":[3]}}", "{\"v\":{\"l\":3,\"a\":1}}",
         0},
        /* errors as without extending */
        {"{\"v\":{\"b\":\"x\"}}", NULL, "{\"v\":{\"b\":\"x\"}}", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_object *in = json_tokener_parse(cases[i].in), *res = NULL;
        assert_non_null(in);
        int rc = gql_coerce_variables_extend(s, d->definitions, NULL, in, 0, &res, &errs);
        if (cases[i].out == NULL) {
            assert_int_equal(rc, GQL_EINVAL);
            assert_null(res);
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN), cases[i].out);
            if (cases[i].shared)
                assert_ptr_equal(res, in);
            else
                assert_ptr_not_equal(json_object_object_get(res, "v"), json_object_object_get(in, "v"));
        }
        assert_string_equal(json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN), cases[i].in_after);
        json_object_put(res);
        json_object_put(in);
    }
    /* Without extending, the input is never changed. */
    json_object *in = json_tokener_parse("{\"v\":{\"a\":1}}"), *res = NULL;
    assert_int_equal(gql_coerce_variables_typed(s, d->definitions, NULL, in, 0, &res, &errs), 0);
    assert_string_equal(json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN),
                        "{\"v\":{\"a\":1,\"b\":\"d\"}}");
    assert_string_equal(json_object_to_json_string_ext(in, JSON_C_TO_STRING_PLAIN), "{\"v\":{\"a\":1}}");
    json_object_put(res);
    json_object_put(in);
    gql_doc_free(d);
    gql_error_list_deinit(&errs);
    gql_schema_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variables),
        cmocka_unit_test(test_list_limit),
        cmocka_unit_test(test_too_many_errors),
        cmocka_unit_test(test_variables_extend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
