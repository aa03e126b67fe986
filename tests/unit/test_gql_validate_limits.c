/* Unit tests of the validation limits (aliases, fields, depth, list length,
 * spread nesting: at and just past each bound, and with fragments expanding
 * exponentially), the 100-error cap, argument checks, large documents that
 * must stay fast, and allocation failure at every step. */
#include "config.h"

#include "gql_validate_testlib.h"

/* A growable string for building big documents. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s == NULL ? NULL : b->s + b->n, b->s == NULL ? 0 : b->cap - b->n, fmt, ap);
        va_end(ap);
        assert_true(n >= 0);
        if (b->s != NULL && b->n + (size_t)n < b->cap) {
            b->n += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
}

static void test_aliases(void **state)
{
    (void)state;
    sbuf b = {0};
    sb_add(&b, "{");
    for (int i = 0; i < 30; i++)
        sb_add(&b, " a%d: dog { name }", i);
    sb_add(&b, " }");
    check_ok(b.s);
    b.n--;
    sb_add(&b, " z: cat { name } }");
    check_limits(b.s, NULL, GQL_ELIMIT, "1:1 Query has too many aliases (31 > 30).\n");
    gql_validate_limits lim = {.max_aliases = 31};
    check_limits(b.s, &lim, GQL_OK, "");
    /* Aliases inside fragments count each time the fragment is spread. */
    check_limits("{ dog { ...F } cat { ...G } }\n"
                 "fragment F on Dog { a: name b: name }\n"
                 "fragment G on Cat { a: name ...H }\n"
                 "fragment H on Cat { a: name }",
                 &(gql_validate_limits){.max_aliases = 3}, GQL_ELIMIT,
                 "1:1 Query has too many aliases (4 > 3).\n");
    free(b.s);
}

static void test_fields(void **state)
{
    (void)state;
    sbuf b = {0};
    sb_add(&b, "{ dog {");
    for (int i = 0; i < 499; i++)
        sb_add(&b, " name");
    sb_add(&b, " } }");
    check_ok(b.s); /* dog + 499 = 500 */
    b.n -= 4;
    sb_add(&b, " name } }");
    check_limits(b.s, NULL, GQL_ELIMIT, "1:1 Query has too many fields (501 > 500).\n");
    free(b.s);
    /* Unused fragments count on their own; the second definition crosses. */
    check_limits("{ dog { name } }\nfragment F on Dog { name nickname }",
                 &(gql_validate_limits){.max_fields = 3}, GQL_ELIMIT,
                 "2:1 Query has too many fields (4 > 3).\n");
}

/* fragment Fi spreads F(i-1) twice: 2^n fields from a few hundred bytes. */
static void test_fragment_bomb(void **state)
{
    (void)state;
    sbuf b = {0};
    sb_add(&b, "{ dog { ...F40 } }\nfragment F0 on Dog { name }\n");
    for (int i = 1; i <= 40; i++)
        sb_add(&b, "fragment F%d on Dog { ...F%d ... on Dog { ...F%d } }\n", i, i - 1, i - 1);
    check_limits(b.s, NULL, GQL_ELIMIT, "1:1 Query has too many fields (1099511627777 > 500).\n");
    free(b.s);
}

static void test_depth(void **state)
{
    (void)state;
    sbuf b = {0};
    sb_add(&b, "{ dog {");
    for (int i = 0; i < 13; i++)
        sb_add(&b, " mother {");
    sb_add(&b, " name");
    for (int i = 0; i < 14; i++)
        sb_add(&b, " }");
    sb_add(&b, " }");
    check_ok(b.s); /* dog + 13 mothers + name = 15 */
    check_limits(b.s, &(gql_validate_limits){.max_depth = 14}, GQL_ELIMIT,
                 "1:1 Query is too deep (15 > 14).\n");
    free(b.s);
    /* Depth goes through fragments. */
    check_limits("query Q { dog { ...F } }\nfragment F on Dog { mother { mother { name } } }",
                 &(gql_validate_limits){.max_depth = 3}, GQL_ELIMIT, "1:1 Query is too deep (4 > 3).\n");
}

static void test_list_length(void **state)
{
    (void)state;
    sbuf b = {0};
    sb_add(&b, "{ complicatedArgs { stringListArgField(stringListArg: [\"x\"");
    for (int i = 1; i < 1000; i++)
        sb_add(&b, ", \"x\"");
    sb_add(&b, "]) } }");
    check_ok(b.s);
    b.n -= 6;
    sb_add(&b, ", \"y\"]) } }");
    check_limits(b.s, NULL, GQL_ELIMIT, "1:55 List literal is too long (1001 > 1000).\n");
    /* Nested lists and variable defaults are checked too. */
    check_limits("query($m: [[Int]] = [[1, 2, 3]]) { echo(int: 1) }",
                 &(gql_validate_limits){.max_list_length = 2}, GQL_ELIMIT,
                 "1:22 List literal is too long (3 > 2).\n");
    free(b.s);
}

static void test_spread_depth(void **state)
{
    (void)state;
    for (int n = 64; n <= 65; n++) {
        sbuf b = {0};
        sb_add(&b, "{ dog { ...F1 } }\n");
        for (int i = 1; i < n; i++)
            sb_add(&b, "fragment F%d on Dog { ...F%d }\n", i, i + 1);
        sb_add(&b, "fragment F%d on Dog { name }\n", n);
        if (n == 64)
            check_ok(b.s);
        else
            check_limits(b.s, NULL, GQL_ELIMIT, "65:23 Fragment spreads are nested too deeply (65 > 64).\n");
        free(b.s);
    }
}

static void test_error_cap(void **state)
{
    (void)state;
    sbuf b = {0};
    sb_add(&b, "{");
    for (int i = 0; i < 101; i++)
        sb_add(&b, " f%d", i);
    sb_add(&b, " }");
    gql_error_list errs;
    gql_document *doc = NULL;
    gql_error_list_init(&errs);
    assert_int_equal(gql_doc_parse(b.s, b.n, NULL, &doc, &errs), 0);
    assert_int_equal(gql_validate(test_schema, doc, NULL, &errs), GQL_EVALID);
    assert_int_equal(errs.count, 101);
    assert_string_equal(errs.tail->message,
                        "Too many validation errors, error limit reached. Validation aborted.");
    assert_int_equal(errs.tail->nlocations, 0);
    gql_error_list_deinit(&errs);
    gql_doc_free(doc);
    free(b.s);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    gql_error_list errs;
    gql_document *doc = NULL;
    gql_error_list_init(&errs);
    assert_int_equal(gql_doc_parse("{ dog { name } }", 16, NULL, &doc, &errs), 0);
    assert_int_equal(gql_validate(NULL, doc, NULL, &errs), GQL_EINVAL);
    assert_int_equal(gql_validate(test_schema, NULL, NULL, &errs), GQL_EINVAL);
    assert_int_equal(gql_validate(test_schema, doc, NULL, NULL), GQL_EINVAL);
    assert_int_equal(errs.count, 0);
    gql_doc_free(doc);
}

/* Many fragments spread everywhere, with the limits raised: the fragment
 * pair cache keeps OverlappingFieldsCanBeMerged from exploding. */
static void test_big_document(void **state)
{
    (void)state;
    sbuf b = {0};
    sb_add(&b, "{");
    for (int k = 0; k < 20; k++) {
        sb_add(&b, " d%d: dog {", k);
        for (int i = 0; i < 150; i++)
            sb_add(&b, " ...F%d", i);
        sb_add(&b, " }");
    }
    sb_add(&b, " }\n");
    for (int i = 0; i < 150; i++)
        sb_add(&b, "fragment F%d on Dog { name owner { name } ...F%d }\n", i, i / 10 * 10 + (i + 1) % 10);
    gql_validate_limits lim = {.max_fields = (size_t)1 << 40, .max_aliases = 100};
    gql_error_list errs;
    gql_document *doc = NULL;
    gql_error_list_init(&errs);
    gql_limits plim = {.max_tokens = 1000000};
    assert_int_equal(gql_doc_parse(b.s, b.n, &plim, &doc, &errs), 0);
    int rc = gql_validate(test_schema, doc, &lim, &errs);
    /* Every fragment is in a cycle of ten: 15 errors. */
    assert_int_equal(rc, GQL_EVALID);
    assert_int_equal(errs.count, 15);
    assert_string_equal(errs.head->message,
                        "Cannot spread fragment \"F0\" within itself via \"F1\", \"F2\", \"F3\", "
                        "\"F4\", \"F5\", \"F6\", \"F7\", \"F8\", \"F9\".");
    gql_error_list_deinit(&errs);
    gql_doc_free(doc);
    free(b.s);
}

/* Every allocation fails in turn: GQL_ENOMEM, never a crash or a leak, and
 * once enough succeed, the normal result. */
static void test_allocation_failures(void **state)
{
    (void)state;
    const char *src =
        "query Q($a: Int, $a: String, $u: ID, $p: Point = {x: 1}) @onQuery {\n"
        "  dog @tag(name: \"x\") { name(surname: $a) nme ...F ... on Cat { meows } owner { name: iq } }\n"
        "  dog { owner { name } } echo(int: \"x\", color: GREN, point: {x: 1, x: 2})\n"
        "  catOrDog { name } __schema { types { fields { type { fields { type { fields { name } } } } } } }\n"
        "  complicatedArgs { multipleReqs(req1: $u) }\n"
        "}\nfragment F on Dog { barkVolume ...G } fragment G on Dog { ...F }\n"
        "subscription { ticks dogAdded { name } }\n"
        "type T { a: Strin }\n";
    gql_error_list errs;
    gql_document *doc = NULL;
    gql_error_list_init(&errs);
    assert_int_equal(gql_doc_parse(src, strlen(src), NULL, &doc, &errs), 0);
    assert_int_equal(gql_validate(test_schema, doc, NULL, &errs), GQL_EVALID);
    size_t want = errs.count;
    assert_true(want > 15);
    gql_error_list_deinit(&errs);
    int done = 0;
    for (long n = 0; n < 100000 && !done; n++) {
        gql_error_list_init(&errs);
        gql_arena_fail_after(n);
        int rc = gql_validate(test_schema, doc, NULL, &errs);
        gql_arena_fail_after(-1);
        if (rc == GQL_ENOMEM) {
            assert_true(errs.count <= want);
        } else {
            assert_int_equal(rc, GQL_EVALID);
            assert_int_equal(errs.count, want);
            done = 1;
        }
        gql_error_list_deinit(&errs);
    }
    assert_true(done);
    gql_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aliases),       cmocka_unit_test(test_fields),
        cmocka_unit_test(test_fragment_bomb), cmocka_unit_test(test_depth),
        cmocka_unit_test(test_list_length),   cmocka_unit_test(test_spread_depth),
        cmocka_unit_test(test_error_cap),     cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_big_document),  cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, schema_setup, schema_teardown);
}
