/* gqltool validate SCHEMA_FILE DOC_FILE|-: validates a document against a
 * schema with the default limits and prints OK, or one line per error:
 *   ERROR line:col[,line:col...] message
 * (all locations of the error; 0:0 when it has none; newlines in messages
 * escaped as \n). A document that does not parse prints its syntax error
 * the same way. Exit status: 0 valid, 1 errors, 2 usage, I/O or schema. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_error.h"
#include "gql/gql_parser.h"
#include "gql/gql_schema.h"
#include "gql/gql_validate.h"

int gqltool_validate(int argc, char **argv);

static char *slurp(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
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
    if (buf != NULL && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

static void print_validation_errors(const gql_error_list *errs)
{
    for (const gql_error *e = errs->head; e != NULL; e = e->next) {
        fputs("ERROR ", stdout);
        if (e->nlocations == 0)
            fputs("0:0", stdout);
        for (size_t i = 0; i < e->nlocations; i++)
            printf("%s%u:%u", i > 0 ? "," : "", e->locations[i].line, e->locations[i].column);
        putchar(' ');
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

int gqltool_validate(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: gqltool validate SCHEMA_FILE DOC_FILE|-\n");
        return 2;
    }
    gql_error_list errs;
    gql_error_list_init(&errs);
    gql_schema *schema = NULL;
    if (gql_schema_load_file(argv[2], &schema, &errs) != 0) {
        fprintf(stderr, "gqltool: bad schema %s: %s\n", argv[2],
                errs.head != NULL ? errs.head->message : "?");
        gql_error_list_deinit(&errs);
        return 2;
    }
    size_t len;
    char *src = slurp(argv[3], &len);
    if (src == NULL) {
        fprintf(stderr, "gqltool: cannot read %s\n", argv[3]);
        gql_schema_free(schema);
        return 2;
    }
    gql_document *doc = NULL;
    int rc = gql_doc_parse(src, len, NULL, &doc, &errs);
    if (rc == 0)
        rc = gql_validate(schema, doc, NULL, &errs);
    if (rc == 0)
        printf("OK\n");
    else
        print_validation_errors(&errs);
    gql_doc_free(doc);
    gql_schema_free(schema);
    gql_error_list_deinit(&errs);
    free(src);
    return rc == 0 ? 0 : 1;
}
