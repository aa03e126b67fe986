/* gql_validate: validation of an executable GraphQL document against a
 * schema: every rule of section 5 of the spec (October 2021), run as
 * graphql-js 16 runs its specifiedRules (including its recommended
 * MaxIntrospectionDepth rule): same errors, same messages (with the same
 * "Did you mean ...?" suggestions), same locations, same order, and the same
 * cut-off after 100 errors. Before the rules, the document is checked against
 * size limits that graphql-js does not have (aliases, fields, depth, list
 * literal length), so that hostile documents are refused in linear time.
 *
 * Known differences from graphql-js, all on documents it does not validate
 * normally: where graphql-js throws from validate() (a subscription whose
 * @skip/@include has a variable or an invalid `if`), we treat the directive
 * as absent; graphql-js's internal work budgets ("Validation aborted.") are
 * replaced by the limits below. */
#ifndef GQL_VALIDATE_H
#define GQL_VALIDATE_H

#include <stddef.h>

#include "gql/gql_ast.h"
#include "gql/gql_error.h"
#include "gql/gql_schema.h"

/* Defaults used where a gql_validate_limits field is 0. */
#define GQL_VALIDATE_MAX_ALIASES 30u       /* aliased fields, fragments expanded */
#define GQL_VALIDATE_MAX_FIELDS 500u       /* field selections, fragments expanded */
#define GQL_VALIDATE_MAX_DEPTH 15u         /* nesting of fields, fragments expanded */
#define GQL_VALIDATE_MAX_LIST_LENGTH 1000u /* items of one list literal */
#define GQL_VALIDATE_MAX_ERRORS 100u       /* errors before validation stops (graphql-js) */

/* Bounds checked before the rules; each 0 means the default above. Counts are
 * taken per operation with every fragment spread expanded where it is used
 * (fragments that no operation uses are counted on their own), and summed
 * over the document; depth is the deepest field, `{ a }` being 1. */
typedef struct gql_validate_limits {
    size_t max_aliases;     /* more aliased fields: "Query has too many aliases (31 > 30)." */
    size_t max_fields;      /* more field selections: "Query has too many fields (501 > 500)." */
    size_t max_depth;       /* deeper fields: "Query is too deep (16 > 15)." */
    size_t max_list_length; /* longer list literal: "List literal is too long (1001 > 1000)." */
} gql_validate_limits;

/* Validates doc (both borrowed; doc as made by gql_doc_parse) against schema.
 * limits may be NULL for all defaults. Returns GQL_OK when the document is
 * valid and appends nothing. Otherwise appends errors to `errors` and
 * returns GQL_EVALID (rule violations, in graphql-js order), GQL_ELIMIT (a
 * limit was exceeded: only the limit errors are appended, the rules are not
 * run) or GQL_ENOMEM (memory ran out; errors found until then are kept and
 * errors->oom may be set). Never logs, never aborts; uses no global state,
 * so concurrent calls on one schema are safe. Time and memory are linear in
 * the document for the defaults, apart from OverlappingFieldsCanBeMerged,
 * which is bounded by max_fields. */
int gql_validate(const gql_schema *schema, const gql_document *doc, const gql_validate_limits *limits,
                 gql_error_list *errors);

#endif
