/* Unit tests of introspection: __type, __schema roots and type order,
 * default values printed as literals, and introspection switched off. */
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

#include "gql/gql_introspect.h"
#include "gql_exec_fixture.h"

static void test_type(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    gql_engine *e = gql_engine_new(s, NULL);
    assert_string_equal(
        fx_run(e,
               "{ __type(name: \"In\") { kind inputFields { name defaultValue "
               "type { kind ofType { name } } } } }",
               NULL, NULL),
        "{\"data\":{\"__type\":{\"kind\":\"INPUT_OBJECT\",\"inputFields\":["
        "{\"name\":\"a\",\"defaultValue\":null,\"type\":{\"kind\":\"NON_NULL\",\"ofType\":{\"name\":\"Int\"}}"
        "},"
        "{\"name\":\"b\",\"defaultValue\":\"\\\"d\\\"\",\"type\":{\"kind\":\"SCALAR\",\"ofType\":null}},"
        "{\"name\":\"l\",\"defaultValue\":null,\"type\":{\"kind\":\"LIST\",\"ofType\":{\"name\":\"Int\"}}}]}}"
        "}");
    assert_string_equal(fx_run(e,
                               "{ __schema { queryType { name } mutationType { name } "
                               "types { name } } }",
                               NULL, NULL),
                        "{\"data\":{\"__schema\":{\"queryType\":{\"name\":\"Query\"},\"mutationType\":"
                        "{\"name\":\"Mutation\"},\"types\":[{\"name\":\"Color\"},{\"name\":\"In\"},"
                        "{\"name\":\"Int\"},{\"name\":\"String\"},{\"name\":\"Node\"},{\"name\":\"ID\"},"
                        "{\"name\":\"P\"},{\"name\":\"Query\"},{\"name\":\"Float\"},{\"name\":\"Mutation\"},"
                        "{\"name\":\"Subscription\"},{\"name\":\"Boolean\"},{\"name\":\"__Schema\"},"
                        "{\"name\":\"__Type\"},{\"name\":\"__TypeKind\"},{\"name\":\"__Field\"},"
                        "{\"name\":\"__InputValue\"},{\"name\":\"__EnumValue\"},{\"name\":\"__Directive\"},"
                        "{\"name\":\"__DirectiveLocation\"}]}}}");
    gql_engine_free(e);
    gql_schema_free(s);
}

static void test_full_query(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    gql_engine *e = gql_engine_new(s, NULL);
    const char *r = fx_run(e, gql_introspection_query, NULL, NULL);
    assert_non_null(strstr(r, "\"data\":{\"__schema\""));
    assert_null(strstr(r, "\"errors\""));
    gql_engine_free(e);
    gql_schema_free(s);
}

static void test_disabled(void **state)
{
    (void)state;
    gql_schema *s = fx_schema();
    gql_engine_options o = {.disable_introspection = 1};
    gql_engine *e = gql_engine_new(s, &o);
    assert_string_equal(fx_run(e, "{ __type(name: \"P\") { name } }", NULL, NULL),
                        "PREPARE -7 GraphQL introspection has been disabled, but the requested "
                        "query contained the field \"__type\".");
    assert_string_equal(fx_run(e, "{ __typename }", NULL, NULL), "{\"data\":{\"__typename\":\"Query\"}}");
    gql_engine_free(e);
    gql_schema_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_full_query),
        cmocka_unit_test(test_disabled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
