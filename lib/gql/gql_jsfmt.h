/* gql_jsfmt: private helpers of execution and coercion that reproduce how
 * graphql-js words its messages: a growable string buffer, JavaScript's
 * Number#toString, graphql-js's inspect(), GraphQL literal printing and the
 * "Did you mean" suggestions. Not part of the engine's public API. */
#ifndef GQL_JSFMT_H
#define GQL_JSFMT_H

#include <stddef.h>

#include <json-c/json.h>

#include "gql/gql_ast.h"
#include "gql/gql_schema.h"

/* A malloc'd string under construction. Zero-initialise; on allocation
 * failure `oom` is set and later appends are ignored. */
typedef struct gql_sbuf {
    char *p;    /* NUL-terminated text (NULL while empty) */
    size_t len; /* bytes used, without the NUL */
    size_t cap; /* bytes allocated */
    int oom;    /* 1 once an allocation failed */
} gql_sbuf;

void gql_sbuf_putn(gql_sbuf *b, const char *s, size_t n);
void gql_sbuf_puts(gql_sbuf *b, const char *s);
void gql_sbuf_printf(gql_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text so far ("" when empty); valid until the next append. */
const char *gql_sbuf_str(const gql_sbuf *b);
void gql_sbuf_free(gql_sbuf *b);

/* Appends d as JavaScript's String(d) would print it (shortest round trip). */
void gql_js_number(gql_sbuf *b, double d);
/* Appends s as JSON.stringify(s) would (JavaScript's escaping). */
void gql_js_quote(gql_sbuf *b, const char *s, size_t len);
/* Appends graphql-js's inspect(v) of a JSON value (NULL is null). */
void gql_js_inspect(gql_sbuf *b, json_object *v);
/* Appends a type reference as GraphQL prints it, e.g. [Int!]! */
void gql_print_typeref(gql_sbuf *b, const gql_typeref *t);
void gql_print_type_ast(gql_sbuf *b, const gql_type_ref *t);
/* Appends a GraphQL string literal "..." with graphql-js's escapes. */
void gql_print_string(gql_sbuf *b, const char *s);
/* Appends graphql-js's print() of a value literal. */
void gql_print_value(gql_sbuf *b, const gql_value *v);
/* Appends graphql-js's didYouMean(sub, suggestionList(input, options)):
 * "" when nothing is close; sub may be NULL. */
void gql_did_you_mean(gql_sbuf *b, const char *sub, const char *input, const char *const *options, size_t n);

/* 1 if d is finite and has no fraction (JavaScript's Number.isInteger). */
int gql_is_integral(double d);

/* 1 if v is a JSON number that JavaScript would call an integer; *out gets it. */
int gql_json_integer(json_object *v, double *out);

#endif
