/* gql_introspect: the meta fields __schema and __type and the resolvers of
 * the introspection types (__Schema, __Type, __Field, ...), built on the
 * schema at run time, so that getIntrospectionQuery() answers as graphql-js
 * 16 answers for the same SDL (buildClientSchema + printSchema round-trips).
 * __typename is handled by the executor itself. */
#ifndef GQL_INTROSPECT_H
#define GQL_INTROSPECT_H

#include "gql/gql_ast.h"
#include "gql/gql_error.h"
#include "gql/gql_exec.h"
#include "gql/gql_schema.h"

/* graphql-js's getIntrospectionQuery({descriptions, specifiedByUrl,
 * directiveIsRepeatable, schemaDescription, inputValueDeprecation}). */
extern const char gql_introspection_query[];

/* Adds the introspection resolvers to r. Returns 0 or GQL_ENOMEM. */
int gql_introspect_register(gql_resolvers *r);

/* For engines with introspection off: appends graphql-js's
 * NoSchemaIntrospectionCustomRule error for every __schema or __type field
 * of doc. Returns the number of errors added, or GQL_ENOMEM. */
int gql_introspect_forbid(const gql_schema *s, const gql_document *doc, gql_error_list *errs);

#endif
