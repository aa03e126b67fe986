/* gqltool: command-line driver of the GraphQL engine, for debugging and the
 * differential tests against graphql-js.
 *   gqltool parse FILE    prints OK, or one "ERROR line:col message" per error
 *   gqltool schema FILE   prints "OK <n> types", or the errors like parse
 *   gqltool validate SCHEMA DOC   see gqltool_validate.c
 *   gqltool execute SCHEMA DOC VARS ROOT [OP] | introspect SCHEMA   see gqltool_exec.c
 * FILE "-" reads standard input. Exit status: 0 OK, 1 error, 2 usage/IO. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_error.h"
#include "gql/gql_parser.h"
#include "gql/gql_schema.h"

/* Reads the whole file (or stdin for "-") into a malloc'd buffer. */
static int read_all(const char *path, char **out, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = buf == NULL || ferror(f);
    if (f != stdin)
        fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static void print_errors(const gql_error_list *errs)
{
    for (const gql_error *e = errs->head; e != NULL; e = e->next) {
        unsigned line = 0, col = 0;
        if (e->nlocations > 0) {
            line = e->locations[0].line;
            col = e->locations[0].column;
        }
        /* One line per error: newlines inside a message are escaped. */
        printf("ERROR %u:%u ", line, col);
        for (const char *c = e->message; *c != '\0'; c++) {
            if (*c == '\n')
                fputs("\\n", stdout);
            else if (*c == '\r')
                fputs("\\r", stdout);
            else
                putchar(*c);
        }
        putchar('\n');
    }
    if (errs->oom)
        printf("ERROR 0:0 Internal error: out of memory.\n");
}

int gqltool_validate(int argc, char **argv);   /* gqltool_validate.c */
int gqltool_execute(int argc, char **argv);    /* gqltool_exec.c */
int gqltool_introspect(int argc, char **argv); /* gqltool_exec.c */

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "validate") == 0)
        return gqltool_validate(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "execute") == 0)
        return gqltool_execute(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "introspect") == 0)
        return gqltool_introspect(argc, argv);
    if (argc != 3 || (strcmp(argv[1], "parse") != 0 && strcmp(argv[1], "schema") != 0)) {
        fprintf(stderr, "usage: gqltool parse|schema FILE\n");
        return 2;
    }
    char *src;
    size_t len;
    if (read_all(argv[2], &src, &len) != 0) {
        fprintf(stderr, "gqltool: cannot read %s\n", argv[2]);
        return 2;
    }
    gql_error_list errs;
    gql_error_list_init(&errs);
    int rc;
    if (strcmp(argv[1], "parse") == 0) {
        gql_document *doc = NULL;
        rc = gql_doc_parse(src, len, NULL, &doc, &errs);
        if (rc == 0)
            printf("OK\n");
        gql_doc_free(doc);
    } else {
        gql_schema *schema = NULL;
        rc = gql_schema_build(src, len, &schema, &errs);
        if (rc == 0)
            printf("OK %zu types\n", gql_schema_type_count(schema));
        gql_schema_free(schema);
    }
    if (rc != 0)
        print_errors(&errs);
    gql_error_list_deinit(&errs);
    free(src);
    return rc == 0 ? 0 : 1;
}
