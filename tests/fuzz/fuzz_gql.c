/* libFuzzer target: parse + validate untrusted documents against the CRM
 * schema (CRM_SCHEMA_PATH, else schema.graphql in the working directory,
 * else tests/gql/test-schema.graphql), with the default limits. Any crash, sanitizer report or leak is a bug; so is a result the
 * API does not allow. Built by tests/fuzz/run.sh. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gql/gql_error.h"
#include "gql/gql_parser.h"
#include "gql/gql_schema.h"
#include "gql/gql_validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gql_schema *schema;

static gql_schema *load(const char *path)
{
    gql_error_list errs;
    gql_schema *s = NULL;
    gql_error_list_init(&errs);
    if (path != NULL && gql_schema_load_file(path, &s, &errs) != 0)
        s = NULL;
    gql_error_list_deinit(&errs);
    return s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    schema = load(getenv("CRM_SCHEMA_PATH"));
    if (schema == NULL)
        schema = load("schema.graphql");
    if (schema == NULL)
        schema = load("tests/gql/test-schema.graphql");
    if (schema == NULL) {
        fprintf(stderr, "fuzz_gql: no schema (set CRM_SCHEMA_PATH)\n");
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gql_error_list errs;
    gql_document *doc = NULL;
    gql_error_list_init(&errs);
    if (gql_doc_parse((const char *)data, size, NULL, &doc, &errs) == 0) {
        size_t before = errs.count;
        int rc = gql_validate(schema, doc, NULL, &errs);
        if ((rc == GQL_OK) != (errs.count == before))
            abort();
        if (rc != GQL_OK && rc != GQL_EVALID && rc != GQL_ELIMIT && rc != GQL_ENOMEM)
            abort();
        if (errs.count - before > GQL_VALIDATE_MAX_ERRORS + 4)
            abort();
    }
    gql_doc_free(doc);
    gql_error_list_deinit(&errs);
    return 0;
}
