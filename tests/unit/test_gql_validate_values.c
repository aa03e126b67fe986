/* Unit tests of validation, arguments, values, variables and directives:
 * KnownArgumentNames, UniqueArgumentNames, ValuesOfCorrectType (every
 * built-in scalar, enums, input objects, lists), ProvidedRequiredArguments,
 * UniqueInputFieldNames, the variable rules and the directive rules.
 * Expected texts are graphql-js 16's. */
#include "config.h"

#include "gql_validate_testlib.h"

static void test_known_arguments(void **state)
{
    (void)state;
    /* field argument typo */
    check("{ dog { doesKnowCommand(comand: SIT) } }",
          "1:25 Unknown argument \"comand\" on field \"Dog.doesKnowCommand\". Did you mean \"command\"?\n"
          "1:9 Field \"doesKnowCommand\" argument \"command\" of type \"DogCommand!\" is required, but it "
          "was not provided.\n");
    /* directive argument typo */
    check("{ dog @onField(tagg: \"a\") { name } }",
          "1:16 Unknown argument \"tagg\" on directive \"@onField\". Did you mean \"tag\"?\n");
    /* meta field has no arguments */
    check("{ __typename(x: 1) }", "1:14 Unknown argument \"x\" on field \"Query.__typename\".\n");
}

static void test_unique_arguments(void **state)
{
    (void)state;
    /* field and directive */
    check("{ dog @tag(name: \"a\", name: \"b\") { isAtLocation(x: 1, x: 2, y: 3, x: 4) } }",
          "1:12,1:23 There can be only one argument named \"name\".\n"
          "1:49,1:55,1:67 There can be only one argument named \"x\".\n");
}

static void test_int_and_float(void **state)
{
    (void)state;
    /* Int bounds */
    check("{ echo(int: 2147483647) a: echo(int: -2147483648) b: echo(int: 2147483648) c: echo(int: "
          "-2147483649) }",
          "1:64 Int cannot represent non 32-bit signed integer value: 2147483648\n"
          "1:89 Int cannot represent non 32-bit signed integer value: -2147483649\n");
    /* Int from other kinds */
    check("{ echo(int: 1.0) a: echo(int: \"1\") b: echo(int: true) c: echo(int: RED) }",
          "1:13 Int cannot represent non-integer value: 1.0\n"
          "1:31 Int cannot represent non-integer value: \"1\"\n"
          "1:49 Int cannot represent non-integer value: true\n"
          "1:68 Int cannot represent non-integer value: RED\n");
    /* Float accepts Int */
    check("{ echo(float: 1) a: echo(float: -1.5e10) b: echo(float: \"1\") }",
          "1:57 Float cannot represent non numeric value: \"1\"\n");
}

static void test_string_boolean_id(void **state)
{
    (void)state;
    /* String */
    check("{ echo(text: 1) a: echo(text: \"\"\"x\"\"\") b: echo(text: \"x\\u0001\") }",
          "1:14 String cannot represent a non string value: 1\n");
    /* Boolean */
    check("{ echo(bool: 0) a: echo(bool: \"true\") b: echo(bool: false) }",
          "1:14 Boolean cannot represent a non boolean value: 0\n"
          "1:31 Boolean cannot represent a non boolean value: \"true\"\n");
    /* ID */
    check("{ echo(id: 1) a: echo(id: \"x\") b: echo(id: 1.5) c: echo(id: true) }",
          "1:44 ID cannot represent a non-string and non-integer value: 1.5\n"
          "1:61 ID cannot represent a non-string and non-integer value: true\n");
}

static void test_enums(void **state)
{
    (void)state;
    /* unknown value with suggestion */
    check("{ echo(color: GREN) a: echo(color: red) }",
          "1:15 Value \"GREN\" does not exist in \"Color\" enum. Did you mean the enum value \"GREEN\" or "
          "\"RED\"?\n"
          "1:36 Value \"red\" does not exist in \"Color\" enum. Did you mean the enum value \"RED\"?\n");
    /* string for enum */
    check("{ echo(color: \"RED\") }", "1:15 Enum \"Color\" cannot represent non-enum value: \"RED\". Did you "
                                      "mean the enum value \"RED\" or \"GREEN\"?\n");
    /* deprecated values are valid */
    check_ok("{ echo(color: MAUVE) }");
}

static void test_input_objects(void **state)
{
    (void)state;
    /* missing required, unknown and duplicate fields */
    check("{ echo(point: {x: 1, z: 2, x: 3}) }",
          "1:15 Field \"Point.y\" of required type \"Float!\" was not provided.\n"
          "1:22 Field \"z\" is not defined by type \"Point\". Did you mean \"x\" or \"y\"?\n"
          "1:16,1:28 There can be only one input field named \"x\".\n");
    /* nested lists and objects */
    check("{ humans(filter: {near: {x: 1, y: \"2\"}, species: [DOG, CAT], and: [{color: BLUE}, {colr: "
          "RED}]}) { id } }",
          "1:35 Float cannot represent non numeric value: \"2\"\n"
          "1:84 Field \"colr\" is not defined by type \"Filter\". Did you mean \"color\"?\n");
    /* scalar for an input object */
    check("{ echo(point: 1) a: echo(point: [1]) }", "1:15 Expected value of type \"Point\", found 1.\n"
                                                    "1:33 Expected value of type \"Point\", found [1].\n");
    /* null for non-null */
    check("{ addPoints: dog { name } complicatedArgs { nonNullIntArgField(nonNullIntArg: null) } }",
          "1:79 Expected value of type \"Int!\", found null.\n");
    /* custom scalars take anything */
    check_ok("{ json(value: {a: [1, {b: null}], c: ENUM}) echo(date: 20200101) }");
}

static void test_required_arguments(void **state)
{
    (void)state;
    /* missing field arguments */
    check("{ complicatedArgs { multipleReqs(req2: 1) nonNullFieldWithDefault multipleOpts } }",
          "1:21 Field \"multipleReqs\" argument \"req1\" of type \"Int!\" is required, but it was not "
          "provided.\n");
    /* missing directive argument */
    check(
        "{ dog @cost { name } cat @skip { name } }",
        "1:7 Directive \"@cost\" argument \"weight\" of type \"Int!\" is required, but it was not provided.\n"
        "1:26 Directive \"@skip\" argument \"if\" of type \"Boolean!\" is required, but it was not "
        "provided.\n");
}

static void test_variables(void **state)
{
    (void)state;
    /* duplicate definitions */
    check("query($a: Int, $b: Int, $a: String) { echo(int: $a, text: $b) }",
          "1:8,1:26 There can be only one variable named \"$a\".\n"
          "1:25,1:49 Variable \"$a\" of type \"String\" used in position expecting type \"Int\".\n"
          "1:16,1:59 Variable \"$b\" of type \"Int\" used in position expecting type \"String\".\n");
    /* non-input types */
    check("query($d: Dog, $p: [Pet!]) { dog { name } }",
          "1:11 Variable \"$d\" cannot be non-input type \"Dog\".\n"
          "1:20 Variable \"$p\" cannot be non-input type \"[Pet!]\".\n"
          "1:7 Variable \"$d\" is never used.\n"
          "1:16 Variable \"$p\" is never used.\n");
    /* undefined, named and anonymous */
    check("query Q { echo(int: $x) }\nquery { echo(int: $y) ...F }\nfragment F on Query { echo(text: $z) }",
          "1:21,1:1 Variable \"$x\" is not defined by operation \"Q\".\n"
          "2:1 This anonymous operation must be the only defined operation.\n"
          "2:9,3:23 Fields \"echo\" conflict because they have differing arguments. Use different aliases on "
          "the fields to fetch both if this was intentional.\n"
          "2:19,2:1 Variable \"$y\" is not defined.\n"
          "3:34,2:1 Variable \"$z\" is not defined.\n");
    /* unused */
    check("query Q($a: Int, $b: Int) { echo(int: $b) }",
          "1:9 Variable \"$a\" is never used in operation \"Q\".\n");
    /* defaults are checked */
    check("query($a: Int = \"x\", $p: Point = {x: 1}) { echo(int: $a, point: $p) }",
          "1:17 Int cannot represent non-integer value: \"x\"\n"
          "1:34 Field \"Point.y\" of required type \"Float!\" was not provided.\n");
}

static void test_variable_positions(void **state)
{
    (void)state;
    /* nullable into non-null */
    check("query($a: Int) { complicatedArgs { nonNullIntArgField(nonNullIntArg: $a) } }",
          "1:7,1:70 Variable \"$a\" of type \"Int\" used in position expecting type \"Int!\".\n");
    /* defaults make it fine */
    check_ok("query($a: Int = 1, $b: Int) { complicatedArgs { nonNullIntArgField(nonNullIntArg: $a) "
             "nonNullFieldWithDefault(arg: $b) } }");
    /* list items */
    check("query($s: String) { complicatedArgs { stringListNonNullArgField(stringListNonNullArg: [$s]) } }",
          "1:7,1:88 Variable \"$s\" of type \"String\" used in position expecting type \"String!\".\n");
    /* wrong type */
    check("query($s: String) { echo(int: $s) }",
          "1:7,1:31 Variable \"$s\" of type \"String\" used in position expecting type \"Int\".\n");
}

static void test_directives(void **state)
{
    (void)state;
    /* unknown directive */
    check("{ dog @nope { name } }", "1:7 Unknown directive \"@nope\".\n");
    /* wrong locations */
    check("query @onField { dog @onQuery { name } }\nmutation @onQuery { noop }",
          "1:1 This anonymous operation must be the only defined operation.\n"
          "1:7 Directive \"@onField\" may not be used on QUERY.\n"
          "1:22 Directive \"@onQuery\" may not be used on FIELD.\n"
          "2:1 This anonymous operation must be the only defined operation.\n"
          "2:10 Directive \"@onQuery\" may not be used on MUTATION.\n");
    /* repeatable and not */
    check("{ dog @tag(name: \"a\") @tag(name: \"b\") @onField @onField { name } }",
          "1:39,1:48 The directive \"@onField\" can only be used once at this location.\n");
    /* oneOf is known to graphql-js 16 */
    check("{ dog @oneOf { name } }", "1:7 Directive \"@oneOf\" may not be used on FIELD.\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_arguments),
        cmocka_unit_test(test_unique_arguments),
        cmocka_unit_test(test_int_and_float),
        cmocka_unit_test(test_string_boolean_id),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_input_objects),
        cmocka_unit_test(test_required_arguments),
        cmocka_unit_test(test_variables),
        cmocka_unit_test(test_variable_positions),
        cmocka_unit_test(test_directives),
    };
    return cmocka_run_group_tests(tests, schema_setup, schema_teardown);
}
