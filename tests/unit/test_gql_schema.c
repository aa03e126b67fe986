/* Unit tests of the schema builder: lookups over a schema that uses every
 * kind of type, the CRM schema file, refusal of broken schemas, and
 * allocation failures. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gql/gql_arena.h"
#include "gql/gql_error.h"
#include "gql/gql_schema.h"

static const char SDL[] =
    "\"The schema\" schema { query: Root mutation: Mut }\n"
    "scalar Url @specifiedBy(url: \"https://url.spec.whatwg.org/\")\n"
    "interface Node { id: ID! }\n"
    "interface Named implements Node { id: ID! name(upper: Boolean = false): String }\n"
    "\"A person\" type Person implements Node & Named { id: ID! name(upper: Boolean = false): String\n"
    "  age: Int @deprecated home: Url old: Int @deprecated(reason: \"gone\") }\n"
    "type Robot implements Node { id: ID! }\n"
    "union Thing = Person | Robot\n"
    "enum Color { RED GREEN @deprecated(reason: \"ugly\") }\n"
    "input Filter { color: Color = RED, tags: [String!] = [\"a\"], nested: Filter }\n"
    "directive @auth(role: String!) repeatable on FIELD_DEFINITION | OBJECT\n"
    "type Root { node(id: ID!): Node things(filter: Filter): [Thing!]! @auth(role: \"x\") @auth(role: \"y\") "
    "}\n"
    "type Mut { paint(color: Color!): Color }\n";

static gql_schema *build_ok(const char *src)
{
    gql_error_list errs;
    gql_schema *s = NULL;
    gql_error_list_init(&errs);
    int rc = gql_schema_build(src, strlen(src), &s, &errs);
    if (rc != 0)
        fail_msg("schema failed: %s", errs.head ? errs.head->message : "?");
    gql_error_list_deinit(&errs);
    return s;
}

/* Building must fail with rc, and the first error must read want
 * ("line:col message", or just the message when it has no location). */
static void build_err(const char *src, int want_rc, const char *want)
{
    gql_error_list errs;
    gql_schema *s = (gql_schema *)1;
    char got[1024];
    gql_error_list_init(&errs);
    int rc = gql_schema_build(src, strlen(src), &s, &errs);
    assert_null(s);
    assert_true(errs.count >= 1);
    const gql_error *e = errs.head;
    if (e->nlocations > 0)
        snprintf(got, sizeof(got), "%u:%u %s", e->locations[0].line, e->locations[0].column, e->message);
    else
        snprintf(got, sizeof(got), "%s", e->message);
    gql_error_list_deinit(&errs);
    if (strcmp(got, want) != 0)
        fail_msg("sdl [%s]\n got  [%s]\n want [%s]", src, got, want);
    assert_int_equal(rc, want_rc);
}

static void test_lookups(void **state)
{
    (void)state;
    gql_schema *s = build_ok(SDL);
    assert_int_equal(gql_schema_type_count(s), 5 + 10);
    assert_string_equal(gql_schema_description(s), "The schema");
    for (size_t i = 1; i < gql_schema_type_count(s); i++)
        assert_true(strcmp(gql_schema_type_at(s, i - 1)->name, gql_schema_type_at(s, i)->name) < 0);
    assert_null(gql_schema_type_at(s, 99));

    const gql_type *root = gql_schema_root(s, GQL_OP_QUERY);
    assert_string_equal(root->name, "Root");
    assert_string_equal(gql_schema_root(s, GQL_OP_MUTATION)->name, "Mut");
    assert_null(gql_schema_root(s, GQL_OP_SUBSCRIPTION));

    const gql_type *str = gql_schema_type(s, "String");
    assert_non_null(str);
    assert_int_equal(str->builtin, GQL_SCALAR_STRING);
    assert_int_equal(gql_schema_type(s, "ID")->builtin, GQL_SCALAR_ID);
    assert_true(gql_type_is_leaf(str) && gql_type_is_input(str) && gql_type_is_output(str));
    assert_null(gql_schema_type(s, "Nope"));
    assert_null(gql_schema_type(s, "__Schema"));

    const gql_type *person = gql_schema_type(s, "Person");
    assert_int_equal(person->kind, GQL_KIND_OBJECT);
    assert_string_equal(person->description, "A person");
    assert_int_equal(person->ninterfaces, 2);
    assert_int_equal(person->nfields, 5);
    const gql_field *name = gql_type_field(person, "name");
    assert_non_null(name);
    assert_null(gql_type_field(person, "__typename"));
    const gql_input_value *upper = gql_field_arg(name, "upper");
    assert_non_null(upper);
    assert_string_equal(gql_typeref_named(upper->type)->name, "Boolean");
    assert_int_equal(upper->default_value->kind, GQL_VALUE_BOOLEAN);
    const gql_field *age = gql_type_field(person, "age");
    assert_int_equal(age->deprecated, 1);
    assert_string_equal(age->deprecation_reason, "No longer supported");
    assert_string_equal(gql_type_field(person, "old")->deprecation_reason, "gone");
    assert_int_equal(name->deprecated, 0);

    const gql_type *node = gql_schema_type(s, "Node");
    const gql_type *robot = gql_schema_type(s, "Robot");
    const gql_type *thing = gql_schema_type(s, "Thing");
    assert_true(gql_type_is_abstract(node) && gql_type_is_composite(node));
    assert_int_equal(node->npossible_types, 2);
    assert_true(gql_schema_is_possible_type(node, person));
    assert_true(gql_schema_is_possible_type(node, robot));
    assert_true(gql_schema_is_possible_type(thing, robot));
    assert_false(gql_schema_is_possible_type(gql_schema_type(s, "Named"), robot));
    assert_true(gql_schema_is_possible_type(person, person));
    assert_false(gql_type_is_input(thing));

    const gql_field *things = gql_type_field(root, "things");
    const gql_typeref *tr = things->type;
    assert_int_equal(tr->kind, GQL_TYPE_NON_NULL);
    assert_int_equal(tr->of_type->kind, GQL_TYPE_LIST);
    assert_int_equal(tr->of_type->of_type->kind, GQL_TYPE_NON_NULL);
    assert_ptr_equal(gql_typeref_named(tr), thing);

    const gql_type *color = gql_schema_type(s, "Color");
    assert_int_equal(color->nvalues, 2);
    assert_int_equal(gql_type_enum_value(color, "GREEN")->deprecated, 1);
    assert_string_equal(gql_type_enum_value(color, "GREEN")->deprecation_reason, "ugly");
    assert_null(gql_type_enum_value(color, "BLUE"));

    const gql_type *filter = gql_schema_type(s, "Filter");
    assert_true(gql_type_is_input(filter) && !gql_type_is_output(filter));
    assert_int_equal(filter->ninput_fields, 3);
    assert_string_equal(gql_type_input_field(filter, "color")->default_value->str, "RED");
    assert_ptr_equal(gql_typeref_named(gql_type_input_field(filter, "nested")->type), filter);

    assert_string_equal(gql_schema_type(s, "Url")->specified_by_url, "https://url.spec.whatwg.org/");

    size_t nd;
    const gql_directive_def *dirs = gql_schema_directives(s, &nd);
    assert_int_equal(nd, 5);
    assert_int_equal(dirs[0].builtin, 1);
    const gql_directive_def *skip = gql_schema_directive(s, "skip");
    assert_non_null(skip);
    assert_true(skip->locations & GQL_DLOC_FIELD);
    assert_false(skip->locations & GQL_DLOC_QUERY);
    assert_string_equal(gql_typeref_named(gql_directive_arg(skip, "if")->type)->name, "Boolean");
    const gql_directive_def *dep = gql_schema_directive(s, "deprecated");
    assert_string_equal(gql_directive_arg(dep, "reason")->default_value->str, "No longer supported");
    assert_non_null(gql_schema_directive(s, "specifiedBy"));
    assert_non_null(gql_schema_directive(s, "include"));
    const gql_directive_def *auth = gql_schema_directive(s, "auth");
    assert_int_equal(auth->repeatable, 1);
    assert_int_equal(auth->builtin, 0);
    gql_schema_free(s);
    gql_schema_free(NULL);
}

static void test_default_roots(void **state)
{
    (void)state;
    gql_schema *s = build_ok("type Query { a: Int } type Subscription { b: Int } scalar String");
    assert_string_equal(gql_schema_root(s, GQL_OP_QUERY)->name, "Query");
    assert_null(gql_schema_root(s, GQL_OP_MUTATION));
    assert_string_equal(gql_schema_root(s, GQL_OP_SUBSCRIPTION)->name, "Subscription");
    gql_schema_free(s);
}

static void test_crm_schema_file(void **state)
{
    (void)state;
    char path[4096];
    const char *env = getenv("CRM_SCHEMA_PATH");
    const char *srcdir = getenv("srcdir"); /* set by automake's test harness */
    if (env != NULL)
        snprintf(path, sizeof(path), "%s", env);
    else if (srcdir != NULL)
        snprintf(path, sizeof(path), "%s/schema.graphql", srcdir);
    else
        snprintf(path, sizeof(path), "schema.graphql");
    gql_error_list errs;
    gql_schema *s;
    gql_error_list_init(&errs);
    int rc = gql_schema_load_file(path, &s, &errs);
    if (rc != 0)
        fail_msg("%s: %s", path, errs.head ? errs.head->message : "?");
    const gql_type *q = gql_schema_root(s, GQL_OP_QUERY);
    assert_string_equal(q->name, "Query");
    const gql_field *m = gql_type_field(q, "messages");
    assert_string_equal(gql_field_arg(m, "limit")->default_value->str, "50");
    assert_string_equal(gql_schema_root(s, GQL_OP_SUBSCRIPTION)->name, "Subscription");
    assert_int_equal(gql_schema_type(s, "Role")->kind, GQL_KIND_ENUM);
    gql_schema_free(s);
    gql_error_list_deinit(&errs);

    gql_error_list_init(&errs);
    assert_int_equal(gql_schema_load_file("/nonexistent/x.graphql", &s, &errs), GQL_EIO);
    assert_null(s);
    assert_int_equal(errs.count, 1);
    gql_error_list_deinit(&errs);
}

static void test_broken_schemas(void **state)
{
    (void)state;
    build_err("type Query { a: Nope }", GQL_ESCHEMA, "1:17 Unknown type \"Nope\".");
    build_err("type Query { a: Int }\ntype Query { b: Int }", GQL_ESCHEMA,
              "2:6 There can be only one type named \"Query\".");
    build_err("type Query { a: Int a: String }", GQL_ESCHEMA,
              "1:21 Field \"Query.a\" can only be defined once.");
    build_err("type Query { a(x: Int, x: Int): Int }", GQL_ESCHEMA,
              "1:24 Argument \"Query.a(x:)\" can only be defined once.");
    build_err("type Query { a(x: Query): Int }", GQL_ESCHEMA,
              "1:19 The type of \"Query.a(x:)\" must be Input Type but got: Query.");
    build_err("input I { a: Int } type Query { a: I }", GQL_ESCHEMA,
              "1:36 The type of \"Query.a\" must be Output Type but got: I.");
    build_err("type Query implements String { a: Int }", GQL_ESCHEMA,
              "1:23 Type Query must only implement Interface types, it cannot implement String.");
    build_err("union U = String type Query { a: U }", GQL_ESCHEMA,
              "1:11 Union type U can only include Object types, it cannot include String.");
    build_err("interface I { x: Int } type Query implements I { a: Int }", GQL_ESCHEMA,
              "1:24 Interface field I.x expected but Query does not provide it.");
    build_err("type Foo { a: Int }", GQL_ESCHEMA, "Query root type must be provided.");
    build_err("schema { query: Nope } type Foo { a: Int }", GQL_ESCHEMA, "1:10 Unknown type \"Nope\".");
    build_err("type Query { a: Int }\nextend type Query { b: Int }", GQL_ESCHEMA,
              "2:1 Type system extensions are not supported.");
    build_err("type Query { a: Int }\n{ a }", GQL_ESCHEMA,
              "2:1 The schema may only contain type-system definitions.");
    build_err("type Query { a: Int @nope }", GQL_ESCHEMA, "1:21 Unknown directive \"@nope\".");
    build_err("type Query @deprecated { a: Int }", GQL_ESCHEMA,
              "1:12 Directive \"@deprecated\" may not be used on OBJECT.");
    build_err("type Query { a: Int @deprecated @deprecated }", GQL_ESCHEMA,
              "1:33 The directive \"@deprecated\" can only be used once at this location.");
    build_err("directive @skip on FIELD type Query { a: Int }", GQL_ESCHEMA,
              "1:12 There can be only one directive named \"@skip\".");
    build_err("enum E { A A } type Query { a: E }", GQL_ESCHEMA,
              "1:12 Enum value \"E.A\" can only be defined once.");
    build_err("type __Q { a: Int } type Query { a: Int }", GQL_ESCHEMA,
              "1:6 Name \"__Q\" must not begin with \"__\", which is reserved by GraphQL "
              "introspection.");
    build_err("type Query { a: Int", GQL_ESYNTAX, "1:20 Syntax Error: Expected Name, found <EOF>.");
}

static void test_alloc_failures(void **state)
{
    (void)state;
    int succeeded = 0;
    for (long n = 0; n < 100000 && !succeeded; n++) {
        gql_error_list errs;
        gql_schema *s = NULL;
        gql_error_list_init(&errs);
        gql_arena_fail_after(n);
        int rc = gql_schema_build(SDL, strlen(SDL), &s, &errs);
        gql_arena_fail_after(-1);
        if (rc == 0) {
            succeeded = 1;
            assert_non_null(gql_schema_type(s, "Person"));
        } else {
            assert_int_equal(rc, GQL_ENOMEM);
            assert_null(s);
        }
        gql_schema_free(s);
        gql_error_list_deinit(&errs);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookups),         cmocka_unit_test(test_default_roots),
        cmocka_unit_test(test_crm_schema_file), cmocka_unit_test(test_broken_schemas),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
