/* Unit tests of validation, documents and selections: executable
 * definitions, operation names, subscriptions, type names, fields and leaf
 * selections, fragments (names, spreads, cycles), overlapping fields and
 * the introspection depth rule. Expected texts are graphql-js 16's. */
#include "config.h"

#include "gql_validate_testlib.h"

static void test_executable_definitions(void **state)
{
    (void)state;
    /* type definitions are not executable */
    check("{ dog { name } }\ntype Foo { a: String }\nschema { query: Foo }",
          "2:1 The \"Foo\" definition is not executable.\n"
          "3:1 The schema definition is not executable.\n");
    /* an extension */
    check("extend type Dog { x: Int }\n{ dog { name } }", "1:1 The \"Dog\" definition is not executable.\n");
    /* operations and fragments are */
    check_ok("{ dog { ...F } }\nfragment F on Dog { name }");
}

static void test_operation_names(void **state)
{
    (void)state;
    /* duplicates, first location kept */
    check("query A { dog { name } }\nmutation A { noop }\nsubscription A { ticks }",
          "1:7,2:10 There can be only one operation named \"A\".\n"
          "1:7,3:14 There can be only one operation named \"A\".\n");
    /* distinct names */
    check_ok("query A { dog { name } } query B { cat { name } }");
    /* anonymous beside others */
    check("{ dog { name } }\nquery B { cat { name } }\n{ pet { name } }",
          "1:1 This anonymous operation must be the only defined operation.\n"
          "3:1 This anonymous operation must be the only defined operation.\n");
}

static void test_single_field_subscriptions(void **state)
{
    (void)state;
    /* two fields */
    check("subscription S { ticks dogAdded { name } }",
          "1:24 Subscription \"S\" must select only one top level field.\n");
    /* via fragment and inline fragment */
    check("subscription { ...F ... on Subscription { t: ticks } }\nfragment F on Subscription { ticks }",
          "1:43 Anonymous Subscription must select only one top level field.\n");
    /* introspection */
    check("subscription { __typename }",
          "1:16 Anonymous Subscription must not select an introspection top level field.\n");
    /* skip(if: true) removes a field */
    check_ok("subscription { ticks dogAdded @skip(if: true) { name } }");
}

static void test_known_type_names(void **state)
{
    (void)state;
    /* unknown with suggestions */
    check("query($a: Dgo, $b: [Strng!], $c: catordog) { dog { name } }",
          "1:11 Unknown type \"Dgo\". Did you mean \"Dog\"?\n"
          "1:21 Unknown type \"Strng\". Did you mean \"String\" or \"Being\"?\n"
          "1:34 Unknown type \"catordog\". Did you mean \"CatOrDog\"?\n"
          "1:7 Variable \"$a\" is never used.\n"
          "1:16 Variable \"$b\" is never used.\n"
          "1:30 Variable \"$c\" is never used.\n");
    /* type conditions */
    check("{ pet { ... on Dgo { name } } }\nfragment F on Kat { name }",
          "1:16 Unknown type \"Dgo\". Did you mean \"Dog\"?\n"
          "2:15 Unknown type \"Kat\". Did you mean \"Cat\", \"Date\", \"Int\", or \"Pet\"?\n"
          "2:1 Fragment \"F\" is never used.\n");
    /* introspection types are known */
    check("query($k: __TypeKind) { dog { name } }", "1:7 Variable \"$k\" is never used.\n");
}

static void test_fragments_on_composite_types(void **state)
{
    (void)state;
    /* scalar and input conditions */
    check("{ dog { ... on Boolean { x } ...F } }\nfragment F on Point { x }",
          "1:16 Fragment cannot condition on non composite type \"Boolean\".\n"
          "2:15 Fragment \"F\" cannot condition on non composite type \"Point\".\n");
}

static void test_scalar_leafs(void **state)
{
    (void)state;
    /* missing and extra selections */
    check("{ dog human { name { x } } matrix { a } }",
          "1:3 Field \"dog\" of type \"Dog\" must have a selection of subfields. Did you mean \"dog { ... "
          "}\"?\n"
          "1:20 Field \"name\" must not have a selection since type \"String\" has no subfields.\n"
          "1:35 Field \"matrix\" must not have a selection since type \"[[Int!]]!\" has no subfields.\n");
}

static void test_fields_on_correct_type(void **state)
{
    (void)state;
    /* typo */
    check("{ dog { nme barkVolum } }",
          "1:9 Cannot query field \"nme\" on type \"Dog\". Did you mean \"name\"?\n"
          "1:13 Cannot query field \"barkVolum\" on type \"Dog\". Did you mean \"barkVolume\"?\n");
    /* inline fragment suggestion order */
    check("{ catOrDog { name } pet { barkVolume } }",
          "1:14 Cannot query field \"name\" on type \"CatOrDog\". Did you mean to use an inline fragment on "
          "\"Named\", \"Pet\", \"Cat\", or \"Dog\"?\n"
          "1:27 Cannot query field \"barkVolume\" on type \"Pet\". Did you mean to use an inline fragment on "
          "\"Dog\"?\n");
    /* meta fields */
    check_ok(
        "{ __typename dog { __typename } __schema { queryType { name } } __type(name: \"Dog\") { name } }");
    /* __schema only on the query root */
    check("{ dog { __schema { types { name } } } }",
          "1:9 Cannot query field \"__schema\" on type \"Dog\".\n");
}

static void test_fragment_names(void **state)
{
    (void)state;
    /* duplicate fragment */
    check("{ dog { ...F } }\nfragment F on Dog { name }\nfragment F on Dog { nickname }",
          "2:10,3:10 There can be only one fragment named \"F\".\n");
    /* unknown fragment */
    check("{ dog { ...Nope ...F } }\nfragment F on Dog { name }", "1:12 Unknown fragment \"Nope\".\n");
    /* unused fragments */
    check("{ dog { ...A } }\nfragment A on Dog { name }\nfragment B on Dog { ...C }\nfragment C on Dog { "
          "name }",
          "3:1 Fragment \"B\" is never used.\n"
          "4:1 Fragment \"C\" is never used.\n");
}

static void test_possible_fragment_spreads(void **state)
{
    (void)state;
    /* object vs object */
    check("{ dog { ... on Cat { meows } } }",
          "1:9 Fragment cannot be spread here as objects of type \"Dog\" can never be of type \"Cat\".\n");
    /* interface vs object, named */
    check("{ pet { ...H } }\nfragment H on Human { iq }",
          "1:9 Fragment \"H\" cannot be spread here as objects of type \"Pet\" can never be of type "
          "\"Human\".\n");
    /* abstract vs abstract */
    check("{ catOrDog { ... on HumanOrAlien { __typename } ... on DogOrHuman { __typename } } }",
          "1:14 Fragment cannot be spread here as objects of type \"CatOrDog\" can never be of type "
          "\"HumanOrAlien\".\n");
}

static void test_fragment_cycles(void **state)
{
    (void)state;
    /* two fragments */
    check("{ dog { ...A } }\nfragment A on Dog { ...B }\nfragment B on Dog { ...A }",
          "2:21,3:21 Cannot spread fragment \"A\" within itself via \"B\".\n");
    /* self */
    check("{ dog { ...A } }\nfragment A on Dog { name ...A }",
          "2:26 Cannot spread fragment \"A\" within itself.\n");
    /* through nested selections */
    check("{ dog { ...A } }\nfragment A on Dog { mother { ...B } }\nfragment B on Dog { father { ...C } "
          "}\nfragment C on Dog { ...A }",
          "2:30,3:30,4:21 Cannot spread fragment \"A\" within itself via \"B\", \"C\".\n");
}

static void test_overlapping_fields(void **state)
{
    (void)state;
    /* alias against name */
    check("{ dog { name: nickname name } }",
          "1:9,1:24 Fields \"name\" conflict because \"nickname\" and \"name\" are different fields. Use "
          "different aliases on the fields to fetch both if this was intentional.\n");
    /* differing arguments */
    check("{ dog { doesKnowCommand(command: SIT) doesKnowCommand(command: HEEL) } }",
          "1:9,1:39 Fields \"doesKnowCommand\" conflict because they have differing arguments. Use different "
          "aliases on the fields to fetch both if this was intentional.\n");
    /* argument order does not matter */
    check_ok("{ dog { isAtLocation(x: 1, y: 2) isAtLocation(y: 2, x: 1) } }");
    /* conflicting types on exclusive parents */
    check("{ pet { ... on Dog { n: barkVolume } ... on Cat { n: meows } } }",
          "1:22,1:51 Fields \"n\" conflict because they return conflicting types \"Int\" and \"Boolean\". "
          "Use different aliases on the fields to fetch both if this was intentional.\n");
    /* subfields */
    check("{ dog { owner { name } } dog { owner { name: iq } } }",
          "1:3,1:9,1:17,1:26,1:32,1:40 Fields \"dog\" conflict because subfields \"owner\" conflict because "
          "subfields \"name\" conflict because \"name\" and \"iq\" are different fields. Use different "
          "aliases on the fields to fetch both if this was intentional.\n");
    /* between fragments */
    check("{ dog { ...A ...B } }\nfragment A on Dog { x: name }\nfragment B on Dog { x: nickname }",
          "2:21,3:21 Fields \"x\" conflict because \"name\" and \"nickname\" are different fields. Use "
          "different aliases on the fields to fetch both if this was intentional.\n");
}

static void test_introspection_depth(void **state)
{
    (void)state;
    /* three nested lists */
    check("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }",
          "1:3 Maximum introspection depth exceeded\n");
    /* two are fine */
    check_ok("{ __type(name: \"Dog\") { fields { type { interfaces { name } } } } }");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_executable_definitions),       cmocka_unit_test(test_operation_names),
        cmocka_unit_test(test_single_field_subscriptions),   cmocka_unit_test(test_known_type_names),
        cmocka_unit_test(test_fragments_on_composite_types), cmocka_unit_test(test_scalar_leafs),
        cmocka_unit_test(test_fields_on_correct_type),       cmocka_unit_test(test_fragment_names),
        cmocka_unit_test(test_possible_fragment_spreads),    cmocka_unit_test(test_fragment_cycles),
        cmocka_unit_test(test_overlapping_fields),           cmocka_unit_test(test_introspection_depth),
    };
    return cmocka_run_group_tests(tests, schema_setup, schema_teardown);
}
