/* gql_parser: recursive-descent parser for GraphQL documents, both the
 * executable language and the type-system language (SDL). Follows
 * graphql-js 16: same grammar (including descriptions on operations,
 * fragments and variables), same first error, same message and location. */
#ifndef GQL_PARSER_H
#define GQL_PARSER_H

#include <stddef.h>

#include "gql/gql_ast.h"
#include "gql/gql_error.h"

/* Defaults used where a gql_limits field is 0. */
#define GQL_MAX_BYTES ((size_t)1 << 20) /* document size in bytes */
#define GQL_MAX_TOKENS ((size_t)100000) /* lexical tokens, as graphql-js counts */
#define GQL_MAX_DEPTH 64u               /* nesting of selection sets, list/object values, list types */

/* Bounds on one parse; each 0 means the default above. */
typedef struct gql_limits {
    size_t max_bytes;   /* longer documents are refused before lexing */
    size_t max_tokens;  /* more tokens abort the parse */
    unsigned max_depth; /* deeper nesting aborts the parse (no recursion past it) */
} gql_limits;

/* Parses src[0..len) (borrowed; need not be NUL-terminated). limits may be
 * NULL for all defaults. On success returns 0 and *out owns a new document
 * (free with gql_doc_free). On failure *out is NULL, exactly one error is
 * appended to errors, and the result is GQL_ESYNTAX, GQL_ELIMIT or
 * GQL_ENOMEM. */
int gql_doc_parse(const char *src, size_t len, const gql_limits *limits, gql_document **out,
                  gql_error_list *errors);

#endif
