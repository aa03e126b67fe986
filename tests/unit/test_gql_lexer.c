/* Unit tests of the GraphQL lexer: every token kind, exact locations,
 * escapes, block-string dedent, errors, and allocation failures. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gql/gql_arena.h"
#include "gql/gql_error.h"
#include "gql/gql_lexer.h"

/* Lexes src fully into "KIND@line:col[=value] ..." or "ERR line:col msg". */
static void lex(const char *src, size_t len, char *out, size_t cap)
{
    gql_arena *a = gql_arena_new();
    gql_error_list errs;
    gql_lexer lx;
    gql_token t;
    size_t o = 0;
    gql_error_list_init(&errs);
    out[0] = '\0';
    assert_non_null(a);
    int rc = gql_lexer_init(&lx, src, len, a, &errs);
    while (rc == 0) {
        rc = gql_lexer_next(&lx, &t);
        if (rc != 0)
            break;
        o += (size_t)snprintf(out + o, cap - o, "%s%s@%u:%u", o ? " " : "", gql_token_kind_desc(t.kind),
                              t.loc.line, t.loc.column);
        if (t.value != NULL)
            o += (size_t)snprintf(out + o, cap - o, "=%.*s", (int)t.len, t.value);
        if (t.kind == GQL_TOKEN_EOF)
            break;
    }
    if (rc != 0) {
        assert_int_equal(errs.count, 1);
        snprintf(out, cap, "ERR %u:%u %s", errs.head->locations[0].line, errs.head->locations[0].column,
                 errs.head->message);
    }
    gql_error_list_deinit(&errs);
    gql_arena_free(a);
}

static void check(const char *src, const char *want)
{
    char got[4096];
    lex(src, strlen(src), got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("src [%s]\n got  [%s]\n want [%s]", src, got, want);
}

/* First token's decoded value. */
static void check_value(const char *src, const char *want)
{
    char got[4096], exp[4096];
    lex(src, strlen(src), got, sizeof(got));
    snprintf(exp, sizeof(exp), "%s", want);
    const char *eq = strchr(got, '=');
    const char *end = strstr(got, " <EOF>");
    if (eq == NULL || end == NULL)
        fail_msg("src [%s] got [%s]", src, got);
    if ((size_t)(end - eq - 1) != strlen(exp) || memcmp(eq + 1, exp, strlen(exp)) != 0)
        fail_msg("src [%s]\n got  [%.*s]\n want [%s]", src, (int)(end - eq - 1), eq + 1, exp);
}

static void test_punctuators(void **state)
{
    (void)state;
    check("! $ & ( ) ... : = @ [ ] { | }",
          "\"!\"@1:1 \"$\"@1:3 \"&\"@1:5 \"(\"@1:7 \")\"@1:9 \"...\"@1:11 \":\"@1:15 "
          "\"=\"@1:17 \"@\"@1:19 \"[\"@1:21 \"]\"@1:23 \"{\"@1:25 \"|\"@1:27 \"}\"@1:29 "
          "<EOF>@1:30");
}

static void test_names_numbers_strings(void **state)
{
    (void)state;
    check("_a9 Zz on", "Name@1:1=_a9 Name@1:5=Zz Name@1:8=on <EOF>@1:10");
    check("0 -0 12 -34", "Int@1:1=0 Int@1:3=-0 Int@1:6=12 Int@1:9=-34 <EOF>@1:12");
    check("1.5 -0.0 1e3 2E-4 3.25e+10",
          "Float@1:1=1.5 Float@1:5=-0.0 Float@1:10=1e3 Float@1:14=2E-4 Float@1:19=3.25e+10 "
          "<EOF>@1:27");
    check("\"s\" \"\"\"b\"\"\"", "String@1:1=s BlockString@1:5=b <EOF>@1:12");
    check("\"\"", "String@1:1= <EOF>@1:3");
    check("", "<EOF>@1:1");
}

static void test_ignored(void **state)
{
    (void)state;
    check("\xEF\xBB\xBF a", "Name@1:3=a <EOF>@1:4");
    check(",,a,,b", "Name@1:3=a Name@1:6=b <EOF>@1:7");
    check("# c\na # d\n\tb", "Name@2:1=a Name@3:2=b <EOF>@3:3");
    check("a\r\nb\rc\nd", "Name@1:1=a Name@2:1=b Name@3:1=c Name@4:1=d <EOF>@4:2");
    /* Columns count UTF-16 units: an emoji is two, é is one. */
    check("\"\xF0\x9F\x98\x80\" a", "String@1:1=\xF0\x9F\x98\x80 Name@1:6=a <EOF>@1:7");
    check("\"\xC3\xA9\" a", "String@1:1=\xC3\xA9 Name@1:5=a <EOF>@1:6");
    /* A block string moves the line count on. */
    check("\"\"\"a\n b\r\n\"\"\" x", "BlockString@1:1=a\nb Name@3:5=x <EOF>@3:6");
}

static void test_string_escapes(void **state)
{
    (void)state;
    check_value("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\" \\ / \b \f \n \r \t");
    check_value("\"\\u0041\\u00e9\\u4E2D\"", "A\xC3\xA9\xE4\xB8\xAD");
    check_value("\"\\uD83D\\uDE00\"", "\xF0\x9F\x98\x80");
    check_value("\"\\u{1F600}\\u{41}\\u{10FFFF}\"", "\xF0\x9F\x98\x80"
                                                    "A\xF4\x8F\xBF\xBF");
    check_value("\"\\u{0000041}\"", "A");
    check_value("\"a\x01"
                "b\"",
                "a\x01"
                "b");
}

static void test_block_strings(void **state)
{
    (void)state;
    check_value("\"\"\"\n    hello\n      world\n    \"\"\"", "hello\n  world");
    check_value("\"\"\"  first\n    second\n  third\"\"\"", "  first\n  second\nthird");
    check_value("\"\"\"\n\n  a\n\n  b\n\n\"\"\"", "a\n\nb");
    check_value("\"\"\"   \n  \t\n\"\"\"", "");
    check_value("\"\"\"\"\"\"", "");
    check_value("\"\"\"a \\\"\"\" b\"\"\"", "a \"\"\" b");
    check_value("\"\"\"\\n \\u0041\"\"\"", "\\n \\u0041");
    check_value("\"\"\"\r\n  x\r\n  y\r\n\"\"\"", "x\ny");
    check_value("\"\"\"\t\ta\n\t\tb\"\"\"", "\t\ta\nb");
    check_value("\"\"\"  \\\"\"\"\n  x\"\"\"", "  \"\"\"\nx");
}

static void test_errors(void **state)
{
    (void)state;
    check("?", "ERR 1:1 Syntax Error: Unexpected character: \"?\".");
    check("a\n  \xC3\xA9", "ERR 2:3 Syntax Error: Unexpected character: U+00E9.");
    check("\xF0\x9F\x98\x80", "ERR 1:1 Syntax Error: Unexpected character: U+1F600.");
    check("\"x\" \x01", "ERR 1:5 Syntax Error: Unexpected character: U+0001.");
    check("'a'", "ERR 1:1 Syntax Error: Unexpected single quote character ('), did you mean "
                 "to use a double quote (\")?");
    check(".", "ERR 1:1 Syntax Error: Unexpected character: \".\".");
    check("..", "ERR 1:1 Syntax Error: Unexpected character: \".\".");
    check("\"abc", "ERR 1:5 Syntax Error: Unterminated string.");
    check("\"a\nb\"", "ERR 1:3 Syntax Error: Unterminated string.");
    check("\"\"\"abc", "ERR 1:7 Syntax Error: Unterminated string.");
    check("\"\\x\"", "ERR 1:2 Syntax Error: Invalid character escape sequence: \"\\x\".");
    check("\"\\u12\"", "ERR 1:2 Syntax Error: Invalid Unicode escape sequence: \"\\u12\"\".");
    check("\"\\uD83D\"", "ERR 1:2 Syntax Error: Invalid Unicode escape sequence: \"\\uD83D\".");
    check("\"\\uDE00\"", "ERR 1:2 Syntax Error: Invalid Unicode escape sequence: \"\\uDE00\".");
    check("\"\\u{}\"", "ERR 1:2 Syntax Error: Invalid Unicode escape sequence: \"\\u{}\".");
    check("\"\\u{110000}\"", "ERR 1:2 Syntax Error: Invalid Unicode escape sequence: \"\\u{110000}\".");
    check("00", "ERR 1:2 Syntax Error: Invalid number, unexpected digit after 0: \"0\".");
    check("-", "ERR 1:2 Syntax Error: Invalid number, expected digit but got: <EOF>.");
    check("1.", "ERR 1:3 Syntax Error: Invalid number, expected digit but got: <EOF>.");
    check("1e+x", "ERR 1:4 Syntax Error: Invalid number, expected digit but got: \"x\".");
    check("12a", "ERR 1:3 Syntax Error: Invalid number, expected digit but got: \"a\".");
    check("1.2.3", "ERR 1:4 Syntax Error: Invalid number, expected digit but got: \".\".");
    check("\"\\\"", "ERR 1:4 Syntax Error: Unterminated string.");
    check("a\r\n\r\n ?", "ERR 3:2 Syntax Error: Unexpected character: \"?\".");
}

static void test_nul_and_utf8(void **state)
{
    (void)state;
    char got[512];
    lex("a \0", 3, got, sizeof(got));
    assert_string_equal(got, "ERR 1:3 Syntax Error: Unexpected character: U+0000.");
    lex("\"a\0\"", 4, got, sizeof(got));
    assert_string_equal(got, "ERR 1:3 Syntax Error: Invalid character within String: U+0000.");
    check("\"\\u0000\"", "ERR 1:2 Syntax Error: Invalid character within String: U+0000.");
    check("\"\\u{0}\"", "ERR 1:2 Syntax Error: Invalid character within String: U+0000.");
    check("a \xFF", "ERR 1:3 Syntax Error: Invalid character: invalid UTF-8 byte 0xFF.");
    check("\xC0\xAF", "ERR 1:1 Syntax Error: Invalid character: invalid UTF-8 byte 0xC0.");
    check("\xED\xA0\x80", "ERR 1:1 Syntax Error: Invalid character: invalid UTF-8 byte 0xED.");
    check("x\n\xC3", "ERR 2:1 Syntax Error: Invalid character: invalid UTF-8 byte 0xC3.");
    check("\xF4\x90\x80\x80", "ERR 1:1 Syntax Error: Invalid character: invalid UTF-8 byte 0xF4.");
}

static void test_source_locate(void **state)
{
    (void)state;
    const char *s = "ab\r\ncd\re\nf";
    gql_loc l = gql_source_locate(s, strlen(s), 0);
    assert_int_equal(l.line, 1);
    assert_int_equal(l.column, 1);
    l = gql_source_locate(s, strlen(s), 5);
    assert_int_equal(l.line, 2);
    assert_int_equal(l.column, 2);
    l = gql_source_locate(s, strlen(s), 7);
    assert_int_equal(l.line, 3);
    assert_int_equal(l.column, 1);
    l = gql_source_locate(s, strlen(s), strlen(s));
    assert_int_equal(l.line, 4);
    assert_int_equal(l.column, 2);
}

/* Every allocation of a lex that allocates must be able to fail cleanly. */
static void test_alloc_failures(void **state)
{
    (void)state;
    const char *src = "\"a\\u00e9\" \"\"\"\n  b\n\"\"\" ?";
    for (long n = 0;; n++) {
        gql_arena_fail_after(n);
        gql_arena *a = gql_arena_new();
        gql_error_list errs;
        gql_error_list_init(&errs);
        int rc = -1, lexed = 0;
        if (a != NULL) {
            gql_lexer lx;
            gql_token t;
            rc = gql_lexer_init(&lx, src, strlen(src), a, &errs);
            while (rc == 0 && (rc = gql_lexer_next(&lx, &t)) == 0)
                lexed++;
        }
        gql_arena_fail_after(-1);
        int done = rc == GQL_ESYNTAX && errs.count == 1 && lexed == 2;
        if (!done)
            assert_true(a == NULL || rc == GQL_ENOMEM);
        gql_error_list_deinit(&errs);
        gql_arena_free(a);
        if (done)
            break;
        assert_true(n < 100);
    }
}

static void test_arena(void **state)
{
    (void)state;
    gql_arena_free(NULL);
    gql_arena *a = gql_arena_new();
    assert_non_null(a);
    char *big = gql_arena_alloc(a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    for (int i = 0; i < 10000; i++) {
        long *p = gql_arena_alloc(a, sizeof(long));
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        *p = i;
    }
    char *s = gql_arena_strndup(a, "hello", 3);
    assert_string_equal(s, "hel");
    assert_true(gql_arena_used(a) >= 100000);
    assert_null(gql_arena_alloc(a, SIZE_MAX));
    gql_arena_fail_after(0);
    assert_null(gql_arena_new());
    assert_null(gql_arena_alloc(a, 8));
    gql_arena_fail_after(-1);
    gql_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_punctuators),    cmocka_unit_test(test_names_numbers_strings),
        cmocka_unit_test(test_ignored),        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_block_strings),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nul_and_utf8),   cmocka_unit_test(test_source_locate),
        cmocka_unit_test(test_alloc_failures), cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
