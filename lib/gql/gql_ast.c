/* Small helpers over the syntax tree; the tree itself is built by the parser. */
#include "config.h"

#include "gql/gql_ast.h"

#include <string.h>

void gql_doc_free(gql_document *doc)
{
    if (doc == NULL)
        return;
    /* The document struct itself lives in its arena. */
    gql_arena_free(doc->arena);
}

const char *gql_operation_name(gql_operation op)
{
    switch (op) {
    case GQL_OP_QUERY:
        return "query";
    case GQL_OP_MUTATION:
        return "mutation";
    case GQL_OP_SUBSCRIPTION:
        return "subscription";
    }
    return "query";
}

const char *const gql_directive_locations[GQL_NDIRECTIVE_LOCATIONS] = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
    "SCHEMA",
    "SCALAR",
    "OBJECT",
    "FIELD_DEFINITION",
    "ARGUMENT_DEFINITION",
    "INTERFACE",
    "UNION",
    "ENUM",
    "ENUM_VALUE",
    "INPUT_OBJECT",
    "INPUT_FIELD_DEFINITION",
    "DIRECTIVE_DEFINITION",
};

int gql_directive_location_index(const char *s, size_t n)
{
    for (int i = 0; i < GQL_NDIRECTIVE_LOCATIONS; i++)
        if (strlen(gql_directive_locations[i]) == n && memcmp(gql_directive_locations[i], s, n) == 0)
            return i;
    return -1;
}
