/* Unit tests of execution: default resolvers, registered resolvers, errors
 * with extensions.code and paths, null propagation, abstract types, argument
 * coercion, mutations and subscription events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

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
	assert_string_equal(fx_run(engine, "{ p { name id c } x: p { id } }", NULL,
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
	assert_string_equal(fx_run(engine, "{ p { c } }", NULL, "{\"p\":{\"c\":\"BLUE\"}}"),
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
	assert_string_equal(fx_run(engine, "query($v: Int) { echo(i: $v, l: 1, in: {a: 2}) }",
				   "{\"v\":3}", NULL),
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
	json_object *event = json_tokener_parse("{\"id\":\"m1\",\"name\":\"x\"}"), *resp = NULL;
	assert_int_equal(gql_engine_execute_event(engine, p, "S", vars, event, NULL, &resp), 0);
	assert_string_equal(gql_engine_render(resp, NULL),
			    "{\"data\":{\"ev\":{\"id\":\"m1\",\"name\":\"x\"}}}");
	char *k1 = NULL, *k2 = NULL;
	json_object *vars2 = json_tokener_parse("{\"r\":\"room1\",\"unused\":1}");
	assert_int_equal(gql_prepared_key(engine, p, NULL, vars, &k1), 0);
	assert_int_equal(gql_prepared_key(engine, p, "S", vars2, &k2), 0);
	assert_string_equal(k1, k2);
	free(k1);
	free(k2);
	json_object_put(vars2);
	json_object_put(resp);
	json_object_put(event);
	json_object_put(vars);
	gql_prepared_release(p);
	gql_error_list_deinit(&errs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_resolvers),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_abstract),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_event),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
