/* Helpers shared by the validation unit tests: the test schema
 * (tests/gql/test-schema.graphql, path from GQL_TEST_SCHEMA) loaded once per
 * program, and a check that validates a document and compares every error
 * as "line:col[,line:col...] message" lines with the expected text. */
#ifndef GQL_VALIDATE_TESTLIB_H
#define GQL_VALIDATE_TESTLIB_H

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
#include "gql/gql_parser.h"
#include "gql/gql_schema.h"
#include "gql/gql_validate.h"

#ifndef GQL_TEST_SCHEMA
#define GQL_TEST_SCHEMA "tests/gql/test-schema.graphql"
#endif

static gql_schema *test_schema;

static int schema_setup(void **state)
{
    (void)state;
    gql_error_list errs;
    gql_error_list_init(&errs);
    int rc = gql_schema_load_file(GQL_TEST_SCHEMA, &test_schema, &errs);
    if (rc != 0)
        fprintf(stderr, "cannot load %s: %s\n", GQL_TEST_SCHEMA,
                errs.head != NULL ? errs.head->message : "?");
    gql_error_list_deinit(&errs);
    return rc;
}

static int schema_teardown(void **state)
{
    (void)state;
    gql_schema_free(test_schema);
    test_schema = NULL;
    return 0;
}

/* Renders errors as lines "l:c[,l:c] message". */
static void render_errors(const gql_error_list *errs, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (const gql_error *e = errs->head; e != NULL && n < cap; e = e->next) {
        for (size_t i = 0; i < e->nlocations && n < cap; i++)
            n += (size_t)snprintf(out + n, cap - n, "%s%u:%u", i > 0 ? "," : "", e->locations[i].line,
                                  e->locations[i].column);
        if (e->nlocations == 0 && n < cap)
            n += (size_t)snprintf(out + n, cap - n, "0:0");
        if (n < cap)
            n += (size_t)snprintf(out + n, cap - n, " %s\n", e->message);
    }
}

/* Validates src with lim (NULL: defaults); expects rc and exactly `want`. */
static void check_limits(const char *src, const gql_validate_limits *lim, int want_rc, const char *want)
{
    gql_error_list errs;
    gql_document *doc = NULL;
    gql_error_list_init(&errs);
    int rc = gql_doc_parse(src, strlen(src), NULL, &doc, &errs);
    if (rc != 0)
        fail_msg("parse of [%s] failed: %s", src, errs.head ? errs.head->message : "?");
    rc = gql_validate(test_schema, doc, lim, &errs);
    static char got[65536];
    render_errors(&errs, got, sizeof(got));
    if (strcmp(got, want) != 0)
        fail_msg("src [%.200s]\n got:\n%s want:\n%s", src, got, want);
    assert_int_equal(rc, want_rc);
    gql_error_list_deinit(&errs);
    gql_doc_free(doc);
}

static void check(const char *src, const char *want)
{
    check_limits(src, NULL, want[0] == '\0' ? GQL_OK : GQL_EVALID, want);
}

static void check_ok(const char *src)
{
    check(src, "");
}

#endif
