/* gql_validate_meta: graphql-js's introspection types and meta fields, as
 * constant tables for validation (see gql_validate_meta.c). */
#ifndef GQL_VALIDATE_META_H
#define GQL_VALIDATE_META_H

#include <stddef.h>

#include "gql/gql_schema.h"

extern const gql_field gql_v_typename_field; /* __typename: String! */
extern const gql_field gql_v_schema_field;   /* __schema: __Schema! */
extern const gql_field gql_v_type_field;     /* __type(name: String!): __Type */

/* __Schema, __Type, __TypeKind, __Field, __InputValue, __EnumValue,
 * __Directive, __DirectiveLocation */
extern const gql_type *const gql_v_introspection_types[];
extern const size_t gql_v_nintrospection_types;
extern const char *const gql_v_introspection_names[];
extern const size_t gql_v_nintrospection_names;

#endif
