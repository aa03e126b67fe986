/* Unit tests of the engine: the prepared-document cache (hit, miss,
 * eviction, references outliving eviction), error kinds of prepare,
 * operation selection, and allocation failure at every arena allocation. */
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

#include "gql/gql_arena.h"
#include "gql_exec_fixture.h"

static void test_cache(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    gql_engine_options o = {.cache_entries = 2};
    gql_engine *e = gql_engine_new(s, &o);
    gql_error_list errs;
    gql_error_list_init(&errs);
    const char *d1 = "{ p { id } }", *d2 = "{ p { name } }", *d3 = "{ ps { id } }";
    gql_prepared *a = NULL, *b = NULL, *c = NULL, *a2 = NULL;
    assert_int_equal(gql_engine_prepare(e, d1, strlen(d1), &a, &errs), 0);
    assert_int_equal(gql_engine_prepare(e, d1, strlen(d1), &a2, &errs), 0);
    assert_ptr_equal(a, a2);
    assert_int_equal(gql_engine_prepare(e, d2, strlen(d2), &b, &errs), 0);
    assert_int_equal(gql_engine_prepare(e, d3, strlen(d3), &c, &errs), 0); /* evicts d1 */
    gql_engine_stats st;
    gql_engine_get_stats(e, &st);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 3);
    assert_int_equal(st.evictions, 1);
    assert_int_equal(st.entries, 2);
    /* a is still usable after its eviction. */
    gql_response *resp = NULL;
    json_object *root = json_tokener_parse("{\"p\":{\"id\":\"1\"}}");
    assert_int_equal(gql_engine_execute(e, a, NULL, NULL, root, NULL, &resp), 0);
    assert_string_equal(gql_response_text(resp, NULL), "{\"data\":{\"p\":{\"id\":\"1\"}}}");
    assert_true(gql_response_has_data(resp));
    gql_response_free(resp);
    json_object_put(root);
    gql_prepared_release(a);
    gql_prepared_release(a2);
    gql_prepared *a3 = NULL;
    assert_int_equal(gql_engine_prepare(e, d1, strlen(d1), &a3, &errs), 0);
    assert_ptr_not_equal(a3, NULL);
    gql_engine_get_stats(e, &st);
    assert_int_equal(st.misses, 4);
    gql_prepared_release(a3);
    gql_engine_free(e); /* b and c outlive the engine */
    gql_prepared_release(b);
    gql_prepared_release(c);
    gql_error_list_deinit(&errs);
    gql_schema_free(s);
}

static void test_prepare_errors(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    gql_engine_options o = {.parse = {.max_bytes = 20}};
    gql_engine *e = gql_engine_new(s, &o);
    assert_string_equal(fx_run(e, "{ p { ", NULL, NULL),
                        "PREPARE -2 Syntax Error: Expected Name, found <EOF>.");
    assert_string_equal(fx_run(e, "{ q }", NULL, NULL),
                        "PREPARE -7 Cannot query field \"q\" on type \"Query\". Did you mean \"p\"?");
    assert_string_equal(fx_run(e, "{ p { id } }        ", NULL, "{}"), "{\"data\":{\"p\":null}}");
    assert_string_equal(fx_run(e, "{ p { id } }         ", NULL, NULL), /* 21 bytes */
                        "PREPARE -2 Syntax Error: Document is larger than 20 bytes. Parsing aborted.");
    assert_string_equal(gql_engine_error_code(GQL_ESYNTAX), "GRAPHQL_PARSE_FAILED");
    assert_string_equal(gql_engine_error_code(GQL_EVALID), "GRAPHQL_VALIDATION_FAILED");
    gql_engine_free(e);
    gql_schema_free(s);
}

static void test_operations(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    gql_engine *e = gql_engine_new(s, NULL);
    assert_string_equal(fx_run(e, "query A { p { id } } query B { p { id } }", NULL, NULL),
                        "{\"errors\":[{\"message\":\"Must provide operation name if query contains "
                        "multiple operations.\"}]}");
    const char *doc = "query A { p { id } } mutation B { m(x: 1) }";
    gql_error_list errs;
    gql_error_list_init(&errs);
    gql_prepared *p = NULL;
    gql_operation op;
    assert_int_equal(gql_engine_prepare(e, doc, strlen(doc), &p, &errs), 0);
    assert_int_equal(gql_engine_operation_type(p, "B", &op), 0);
    assert_int_equal(op, GQL_OP_MUTATION);
    assert_int_equal(gql_engine_operation_type(p, "C", &op), GQL_EINVAL);
    gql_response *resp = NULL;
    assert_int_equal(gql_engine_execute(e, p, "C", NULL, NULL, NULL, &resp), 0);
    assert_string_equal(gql_response_text(resp, NULL),
                        "{\"errors\":[{\"message\":\"Unknown operation named \\\"C\\\".\"}]}");
    assert_false(gql_response_has_data(resp)); /* failed before execution: no "data" */
    gql_response_free(resp);
    gql_prepared_release(p);
    gql_error_list_deinit(&errs);
    gql_engine_free(e);
    gql_schema_free(s);
}

/* Every arena allocation of prepare and execute fails in turn: each run
 * ends in GQL_ENOMEM or success, never a crash or a leak (ASan). */
static void test_alloc_failure(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    const char *doc = "query Q($v: Int) { echo(i: $v) p { ...F kids { id } } node { id } } "
                      "fragment F on P { id name }";
    json_object *vars = json_tokener_parse("{\"v\":1}");
    json_object *root = json_tokener_parse(
        "{\"p\":{\"id\":\"1\",\"kids\":[{\"id\":\"2\"}]},\"node\":{\"__typename\":\"P\",\"id\":\"3\"}}");
    int succeeded = 0;
    for (long n = 0; n < 400 && !succeeded; n++) {
        gql_engine *e = gql_engine_new(s, NULL);
        assert_non_null(e);
        gql_engine_register(e, "Query.echo", fx_echo);
        gql_error_list errs;
        gql_error_list_init(&errs);
        gql_prepared *p = NULL;
        gql_response *resp = NULL;
        gql_arena_fail_after(n);
        int rc = gql_engine_prepare(e, doc, strlen(doc), &p, &errs);
        if (rc == 0)
            rc = gql_engine_execute(e, p, NULL, vars, root, NULL, &resp);
        gql_arena_fail_after(-1);
        if (rc == 0) {
            assert_non_null(resp);
            succeeded = strstr(gql_response_text(resp, NULL), "\"errors\"") == NULL;
        } else {
            assert_int_equal(rc, GQL_ENOMEM);
        }
        gql_response_free(resp);
        gql_prepared_release(p);
        gql_error_list_deinit(&errs);
        gql_engine_free(e);
    }
    assert_true(succeeded);
    json_object_put(vars);
    json_object_put(root);
    gql_schema_free(s);
}

/* A resolver that runs another request on the same engine while the outer
 * one is being written: both responses come out whole. */
static gql_engine *nested_engine;
static int r_nested(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)info;
    (void)ctx;
    const char *doc = "{ p { id } }";
    gql_error_list errs;
    gql_error_list_init(&errs);
    gql_prepared *p = NULL;
    json_object *root = json_tokener_parse("{\"p\":{\"id\":\"in\"}}");
    gql_response *resp = NULL;
    int rc = gql_engine_prepare(nested_engine, doc, strlen(doc), &p, &errs);
    if (rc == 0)
        rc = gql_engine_execute(nested_engine, p, NULL, NULL, root, NULL, &resp);
    *out = rc == 0 ? json_object_new_string(gql_response_text(resp, NULL)) : NULL;
    gql_response_free(resp);
    json_object_put(root);
    gql_prepared_release(p);
    gql_error_list_deinit(&errs);
    return rc;
}

static void test_nested_and_data_member(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    nested_engine = gql_engine_new(s, NULL);
    assert_int_equal(gql_engine_register(nested_engine, "Query.echo", r_nested), 0);
    assert_string_equal(
        fx_run(nested_engine, "{ a: p { id } echo b: p { id } }", NULL, "{\"p\":{\"id\":\"out\"}}"),
        "{\"data\":{\"a\":{\"id\":\"out\"},"
        "\"echo\":\"{\\\"data\\\":{\\\"p\\\":{\\\"id\\\":\\\"in\\\"}}}\","
        "\"b\":{\"id\":\"out\"}}}");
    /* The response text is json-c's, slashes unescaped. */
    assert_string_equal(
        fx_run(nested_engine, "{ p { id name } }", NULL, "{\"p\":{\"id\":\"1\",\"name\":\"a/b\"}}"),
        "{\"data\":{\"p\":{\"id\":\"1\",\"name\":\"a/b\"}}}");
    gql_engine_free(nested_engine);
    gql_schema_free(s);
}

/* Arguments objects are reused between fields and requests: a later field
 * never sees an earlier one's arguments, and a request nested in a resolver
 * leaves the outer field's arguments intact. */
static int nested_depth;
static char nested_seen[1024]; /* outer args, inner response, outer args again */
static int r_echo_nested(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    const char *args = json_object_to_json_string_ext(info->args, JSON_C_TO_STRING_PLAIN);
    if (nested_depth == 0) {
        char before[256];
        snprintf(before, sizeof(before), "%s", args);
        nested_depth++;
        const char *inner = fx_run(nested_engine, "{ echo(s: \"in\") }", NULL, NULL);
        char inner_copy[512];
        snprintf(inner_copy, sizeof(inner_copy), "%s", inner);
        nested_depth--;
        snprintf(nested_seen, sizeof(nested_seen), "%s | %s | %s", before, inner_copy,
                 json_object_to_json_string_ext(info->args, JSON_C_TO_STRING_PLAIN));
    }
    *out = json_object_new_string(args);
    return 0;
}

static void test_args_reuse(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    nested_engine = gql_engine_new(s, NULL);
    assert_int_equal(gql_engine_register(nested_engine, "Query.echo", fx_echo), 0);
    const char *two = "{ a: echo(i: 1, s: \"x\") b: echo(c: RED) }";
    assert_string_equal(fx_run(nested_engine, two, NULL, NULL),
                        "{\"data\":{\"a\":\"{\\\"i\\\":1,\\\"s\\\":\\\"x\\\",\\\"d\\\":5}\","
                        "\"b\":\"{\\\"c\\\":\\\"RED\\\",\\\"d\\\":5}\"}}");
    assert_string_equal(fx_run(nested_engine, "{ echo(f: 1.5) }", NULL, NULL),
                        "{\"data\":{\"echo\":\"{\\\"f\\\":1.5,\\\"d\\\":5}\"}}");
    /* A bad argument leaves the reused object empty for the next field. */
    const char *bad_doc = "query Q($v: Int = 1) { a: echo(i: 1, in: {a: $v}) b: echo(c: RED) }";
    const char *bad = fx_run(nested_engine, bad_doc, "{\"v\":null}", NULL);
    assert_non_null(strstr(bad, "Argument \\\"in\\\" has invalid value {a: $v}."));
    assert_non_null(strstr(bad, "\"data\":{\"a\":null,\"b\":\"{\\\"c\\\":\\\"RED\\\",\\\"d\\\":5}\"}}"));
    assert_int_equal(gql_engine_register(nested_engine, "Query.echo", r_echo_nested), 0);
    fx_run(nested_engine, "{ echo(i: 9) }", NULL, NULL);
    assert_string_equal(nested_seen, "{\"i\":9,\"d\":5} | "
                                     "{\"data\":{\"echo\":\"{\\\"s\\\":\\\"in\\\",\\\"d\\\":5}\"}} | "
                                     "{\"i\":9,\"d\":5}");
    gql_engine_free(nested_engine);
    gql_schema_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_prepare_errors),
        cmocka_unit_test(test_operations),
        cmocka_unit_test(test_alloc_failure),
        cmocka_unit_test(test_nested_and_data_member),
        cmocka_unit_test(test_args_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
