/* Unit tests of the GraphQL parser: the AST of every construct, exact error
 * locations, the limits at and just past each bound, and allocation
 * failures. */
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
#include "gql/gql_ast.h"
#include "gql/gql_error.h"
#include "gql/gql_parser.h"

static gql_document *parse_ok(const char *src)
{
    gql_error_list errs;
    gql_document *doc = NULL;
    gql_error_list_init(&errs);
    int rc = gql_doc_parse(src, strlen(src), NULL, &doc, &errs);
    if (rc != 0)
        fail_msg("parse of [%s] failed: %s", src, errs.head ? errs.head->message : "?");
    assert_int_equal(errs.count, 0);
    gql_error_list_deinit(&errs);
    return doc;
}

/* Parses and expects one error "line:col message" and return code rc. */
static void parse_err(const char *src, size_t len, const gql_limits *lim, int want_rc, const char *want)
{
    gql_error_list errs;
    gql_document *doc = (gql_document *)1;
    char got[1024];
    gql_error_list_init(&errs);
    int rc = gql_doc_parse(src, len, lim, &doc, &errs);
    assert_null(doc);
    assert_int_equal(errs.count, 1);
    if (errs.head->nlocations > 0)
        snprintf(got, sizeof(got), "%u:%u %s", errs.head->locations[0].line, errs.head->locations[0].column,
                 errs.head->message);
    else
        snprintf(got, sizeof(got), "%s", errs.head->message);
    if (strcmp(got, want) != 0)
        fail_msg("src [%s]\n got  [%s]\n want [%s]", src, got, want);
    assert_int_equal(rc, want_rc);
    gql_error_list_deinit(&errs);
}

static void syntax(const char *src, const char *want)
{
    parse_err(src, strlen(src), NULL, GQL_ESYNTAX, want);
}

static void test_operation_ast(void **state)
{
    (void)state;
    gql_document *doc =
        parse_ok("query Q($a: [Int!]! = [1], $b: In = {x: \"s\"} @d) @op {\n"
                 "  al: f(x: $a, y: 1.5, z: RED, t: true, n: null, s: \"\"\"b\"\"\") @skip(if: false) {\n"
                 "    ...F @s\n"
                 "    ... on T { g }\n"
                 "    ... { h }\n"
                 "  }\n"
                 "}\n"
                 "fragment F on T { i }\n"
                 "{ j }\n");
    assert_int_equal(doc->count, 3);
    const gql_definition *op = doc->definitions;
    assert_int_equal(op->kind, GQL_DEF_OPERATION);
    assert_int_equal(op->operation, GQL_OP_QUERY);
    assert_string_equal(op->name, "Q");
    assert_int_equal(op->name_loc.column, 7);
    assert_int_equal(op->nvariables, 2);
    const gql_variable_def *a = op->variables;
    assert_string_equal(a->name, "a");
    assert_int_equal(a->loc.column, 9);
    assert_int_equal(a->type->kind, GQL_TYPE_NON_NULL);
    assert_int_equal(a->type->of_type->kind, GQL_TYPE_LIST);
    assert_int_equal(a->type->of_type->of_type->kind, GQL_TYPE_NON_NULL);
    assert_string_equal(a->type->of_type->of_type->of_type->name, "Int");
    assert_int_equal(a->default_value->kind, GQL_VALUE_LIST);
    assert_int_equal(a->default_value->count, 1);
    assert_string_equal(a->default_value->items->str, "1");
    const gql_variable_def *b = a->next;
    assert_int_equal(b->default_value->kind, GQL_VALUE_OBJECT);
    assert_string_equal(b->default_value->fields->name, "x");
    assert_string_equal(b->default_value->fields->value->str, "s");
    assert_string_equal(b->directives->name, "d");
    assert_string_equal(op->directives->name, "op");

    const gql_selection *f = op->selection_set->selections;
    assert_int_equal(op->selection_set->count, 1);
    assert_int_equal(f->kind, GQL_SEL_FIELD);
    assert_string_equal(f->alias, "al");
    assert_string_equal(f->name, "f");
    assert_int_equal(f->loc.line, 2);
    assert_int_equal(f->loc.column, 3);
    assert_int_equal(f->name_loc.column, 7);
    assert_int_equal(f->nargs, 6);
    const gql_argument *arg = f->args;
    assert_int_equal(arg->value->kind, GQL_VALUE_VARIABLE);
    assert_string_equal(arg->value->str, "a");
    arg = arg->next;
    assert_int_equal(arg->value->kind, GQL_VALUE_FLOAT);
    arg = arg->next;
    assert_int_equal(arg->value->kind, GQL_VALUE_ENUM);
    arg = arg->next;
    assert_int_equal(arg->value->kind, GQL_VALUE_BOOLEAN);
    assert_int_equal(arg->value->boolean, 1);
    arg = arg->next;
    assert_int_equal(arg->value->kind, GQL_VALUE_NULL);
    arg = arg->next;
    assert_int_equal(arg->value->kind, GQL_VALUE_STRING);
    assert_int_equal(arg->value->block, 1);
    assert_string_equal(f->directives->name, "skip");
    assert_int_equal(f->directives->args->value->boolean, 0);

    const gql_selection *s = f->selection_set->selections;
    assert_int_equal(f->selection_set->count, 3);
    assert_int_equal(s->kind, GQL_SEL_FRAGMENT_SPREAD);
    assert_string_equal(s->name, "F");
    assert_string_equal(s->directives->name, "s");
    s = s->next;
    assert_int_equal(s->kind, GQL_SEL_INLINE_FRAGMENT);
    assert_string_equal(s->type_condition, "T");
    s = s->next;
    assert_int_equal(s->kind, GQL_SEL_INLINE_FRAGMENT);
    assert_null(s->type_condition);

    const gql_definition *fr = op->next;
    assert_int_equal(fr->kind, GQL_DEF_FRAGMENT);
    assert_string_equal(fr->name, "F");
    assert_string_equal(fr->type_condition, "T");
    const gql_definition *sh = fr->next;
    assert_int_equal(sh->kind, GQL_DEF_OPERATION);
    assert_null(sh->name);
    assert_int_equal(sh->loc.line, 9);
    assert_true(doc->token_count > 50);
    gql_doc_free(doc);
    gql_doc_free(NULL);
}

static void test_sdl_ast(void **state)
{
    (void)state;
    gql_document *doc = parse_ok(
        "\"d\" schema @a { query: Q mutation: M }\n"
        "scalar S @specifiedBy(url: \"u\")\n"
        "type T implements & A & B @x { \"fd\" f(a: Int = 1 @deprecated): [T] @deprecated(reason: \"r\") }\n"
        "interface A implements B { f: Int }\n"
        "union U = | T | V\n"
        "enum E { \"v\" X @deprecated Y }\n"
        "input I { a: Int = 2 }\n"
        "directive @x(a: Int) repeatable on OBJECT | FIELD\n"
        "extend type T @y\n");
    const gql_definition *d = doc->definitions;
    assert_int_equal(d->kind, GQL_DEF_SCHEMA);
    assert_string_equal(d->description, "d");
    assert_int_equal(d->roots->operation, GQL_OP_QUERY);
    assert_string_equal(d->roots->type_name, "Q");
    assert_int_equal(d->roots->next->operation, GQL_OP_MUTATION);
    d = d->next;
    assert_int_equal(d->kind, GQL_DEF_SCALAR);
    d = d->next;
    assert_int_equal(d->kind, GQL_DEF_OBJECT);
    assert_string_equal(d->interfaces->name, "A");
    assert_string_equal(d->interfaces->next->name, "B");
    assert_string_equal(d->fields->description, "fd");
    assert_string_equal(d->fields->args->name, "a");
    assert_string_equal(d->fields->args->default_value->str, "1");
    assert_int_equal(d->fields->type->kind, GQL_TYPE_LIST);
    d = d->next;
    assert_int_equal(d->kind, GQL_DEF_INTERFACE);
    assert_string_equal(d->interfaces->name, "B");
    d = d->next;
    assert_int_equal(d->kind, GQL_DEF_UNION);
    assert_string_equal(d->members->next->name, "V");
    d = d->next;
    assert_int_equal(d->kind, GQL_DEF_ENUM);
    assert_string_equal(d->values->description, "v");
    assert_string_equal(d->values->next->name, "Y");
    d = d->next;
    assert_int_equal(d->kind, GQL_DEF_INPUT_OBJECT);
    assert_string_equal(d->input_fields->name, "a");
    d = d->next;
    assert_int_equal(d->kind, GQL_DEF_DIRECTIVE);
    assert_int_equal(d->repeatable, 1);
    assert_string_equal(d->locations->name, "OBJECT");
    assert_string_equal(d->args->name, "a");
    d = d->next;
    assert_int_equal(d->kind, GQL_DEF_OBJECT);
    assert_int_equal(d->is_extension, 1);
    gql_doc_free(doc);
}

static void test_syntax_errors(void **state)
{
    (void)state;
    syntax("", "1:1 Syntax Error: Unexpected <EOF>.");
    syntax("{", "1:2 Syntax Error: Expected Name, found <EOF>.");
    syntax("{ a } }", "1:7 Syntax Error: Unexpected \"}\".");
    syntax("query Q($a) { a }", "1:11 Syntax Error: Expected \":\", found \")\".");
    syntax("{ f(a: $b", "1:10 Syntax Error: Expected Name, found <EOF>.");
    syntax("query Q($a: Int = $b) { a }", "1:19 Syntax Error: Unexpected variable \"$b\" in constant value.");
    syntax("fragment on on T { a }", "1:10 Syntax Error: Unexpected Name \"on\".");
    syntax("fragment F { a }", "1:12 Syntax Error: Expected \"on\", found \"{\".");
    syntax("\"d\" { a }", "1:1 Syntax Error: Unexpected description, descriptions are not "
                          "supported on shorthand queries.");
    syntax("\"d\" extend type T @a", "1:1 Syntax Error: Unexpected description, only GraphQL "
                                     "definitions support descriptions.");
    syntax("enum E { true }",
           "1:10 Syntax Error: Name \"true\" is reserved and cannot be used for an enum value.");
    syntax("directive @a on NOWHERE", "1:17 Syntax Error: Unexpected Name \"NOWHERE\".");
    syntax("extend type T", "1:14 Syntax Error: Unexpected <EOF>.");
    syntax("{ \"s\" }", "1:3 Syntax Error: Expected Name, found String \"s\".");
    syntax("{\n  a {\n    b(x: [1 2 }\n", "3:15 Syntax Error: Unexpected \"}\".");
    syntax("query Q { a }\r\n\r\nfoo", "3:1 Syntax Error: Unexpected Name \"foo\".");
    syntax("{ f(s: \"\xF0\x9F\x98\x80\") ? }", "1:14 Syntax Error: Unexpected character: \"?\".");
}

static void test_limit_bytes(void **state)
{
    (void)state;
    const char *src = "{ a }"; /* 5 bytes */
    gql_limits lim = {5, 0, 0};
    gql_error_list errs;
    gql_document *doc;
    gql_error_list_init(&errs);
    assert_int_equal(gql_doc_parse(src, 5, &lim, &doc, &errs), 0);
    gql_doc_free(doc);
    lim.max_bytes = 4;
    parse_err(src, 5, &lim, GQL_ELIMIT, "Syntax Error: Document is larger than 4 bytes. Parsing aborted.");
    gql_error_list_deinit(&errs);
}

static void test_limit_tokens(void **state)
{
    (void)state;
    const char *src = "{ a b }"; /* 4 tokens */
    gql_limits lim = {0, 4, 0};
    gql_error_list errs;
    gql_document *doc;
    gql_error_list_init(&errs);
    assert_int_equal(gql_doc_parse(src, strlen(src), &lim, &doc, &errs), 0);
    assert_int_equal(doc->token_count, 4);
    gql_doc_free(doc);
    lim.max_tokens = 3;
    parse_err(src, strlen(src), &lim, GQL_ELIMIT,
              "1:7 Syntax Error: Document contains more than 3 tokens. Parsing aborted.");
    gql_error_list_deinit(&errs);
}

static void test_limit_depth(void **state)
{
    (void)state;
    gql_limits lim = {0, 0, 3};
    gql_error_list errs;
    gql_document *doc;
    gql_error_list_init(&errs);
    const char *ok[] = {"{ a { b { c } } }", "{ f(x: [[1]]) }", "{ f(x: {a: [1]}) }",
                        "query ($a: [[Int]]) { a }"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(gql_doc_parse(ok[i], strlen(ok[i]), &lim, &doc, &errs), 0);
        gql_doc_free(doc);
    }
    parse_err("{ a { b { c { d } } } }", 23, &lim, GQL_ELIMIT,
              "1:13 Syntax Error: Document nesting is deeper than 3. Parsing aborted.");
    parse_err("{ f(x: [[[1]]]) }", 17, &lim, GQL_ELIMIT,
              "1:10 Syntax Error: Document nesting is deeper than 3. Parsing aborted.");
    parse_err("query ($a: [[[[Int]]]]) { a }", 29, &lim, GQL_ELIMIT,
              "1:15 Syntax Error: Document nesting is deeper than 3. Parsing aborted.");
    gql_error_list_deinit(&errs);
}

/* Hostile nesting far past the default depth: an error, no stack overflow. */
static void test_deep_input(void **state)
{
    (void)state;
    size_t n = 200000;
    char *src = malloc(n + 16);
    assert_non_null(src);
    memcpy(src, "{ f(x: ", 7);
    memset(src + 7, '[', n);
    gql_limits lim = {n + 16, n + 16, 0};
    gql_error_list errs;
    gql_document *doc;
    gql_error_list_init(&errs);
    assert_int_equal(gql_doc_parse(src, n + 7, &lim, &doc, &errs), GQL_ELIMIT);
    assert_int_equal(errs.count, 1);
    gql_error_list_deinit(&errs);
    for (size_t i = 0; i + 1 < n; i += 2)
        memcpy(src + i, "{a", 2);
    assert_int_equal(gql_doc_parse(src, n, &lim, &doc, &errs), GQL_ELIMIT);
    gql_error_list_deinit(&errs);
    free(src);
}

static void test_errors_to_json(void **state)
{
    (void)state;
    gql_error_list errs;
    gql_document *doc;
    gql_error_list_init(&errs);
    assert_int_equal(gql_doc_parse("{", 1, NULL, &doc, &errs), GQL_ESYNTAX);
    gql_path_seg path[] = {{"a", 0}, {NULL, 3}};
    gql_loc loc = {2, 5};
    assert_int_equal(gql_error_list_add(&errs, path, 2, &loc, 1, "x %d", 1), 0);
    json_object *j = gql_error_list_to_json(&errs);
    assert_non_null(j);
    assert_string_equal(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
                        "[{\"message\":\"Syntax Error: Expected Name, found <EOF>.\",\"locations\":"
                        "[{\"line\":1,\"column\":2}]},{\"message\":\"x 1\",\"locations\":[{\"line\":2,"
                        "\"column\":5}],\"path\":[\"a\",3]}]");
    json_object_put(j);
    gql_error_list_deinit(&errs);
    gql_error_list_deinit(NULL);
}

/* Fail the Nth allocation for N = 0, 1, ... until the parse succeeds: every
 * failure must be an error (ENOMEM), never a crash or a leak. */
static void test_alloc_failures(void **state)
{
    (void)state;
    const char *src = "query Q($a: [Int!] = [1] @d) { al: f(x: {y: \"\\u00e9\"}) { ...F ... on T { g } } }\n"
                      "fragment F on T { h }\n"
                      "\"\"\"desc\"\"\" type T implements I @k { f(a: Int = 1): [T!] }\n"
                      "union U = A | B\nenum E { A }\ninput I { a: Int }\n"
                      "directive @k on OBJECT\nschema { query: T }\nextend scalar S @k\n";
    int succeeded = 0;
    for (long n = 0; n < 10000 && !succeeded; n++) {
        gql_error_list errs;
        gql_document *doc = NULL;
        gql_error_list_init(&errs);
        gql_arena_fail_after(n);
        int rc = gql_doc_parse(src, strlen(src), NULL, &doc, &errs);
        gql_arena_fail_after(-1);
        if (rc == 0) {
            succeeded = 1;
            assert_int_equal(doc->count, 9);
        } else {
            assert_int_equal(rc, GQL_ENOMEM);
            assert_null(doc);
            assert_true(errs.count > 0 || errs.oom);
        }
        gql_doc_free(doc);
        gql_error_list_deinit(&errs);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operation_ast),  cmocka_unit_test(test_sdl_ast),
        cmocka_unit_test(test_syntax_errors),  cmocka_unit_test(test_limit_bytes),
        cmocka_unit_test(test_limit_tokens),   cmocka_unit_test(test_limit_depth),
        cmocka_unit_test(test_deep_input),     cmocka_unit_test(test_errors_to_json),
        cmocka_unit_test(test_alloc_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
