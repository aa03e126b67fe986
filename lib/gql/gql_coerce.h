/* gql_coerce: input coercion of the GraphQL spec (section 6.1.2 and 6.4.1),
 * following graphql-js 16 (values.js, coerceInputValue.js, valueFromAST.js)
 * down to the error messages. Values are json-c objects: a JSON null is the
 * NULL pointer, an absent value is a missing key. Coerced values are shared
 * by reference count: treat them as read-only. */
#ifndef GQL_COERCE_H
#define GQL_COERCE_H

#include <stddef.h>

#include <json-c/json.h>

#include "gql/gql_ast.h"
#include "gql/gql_error.h"
#include "gql/gql_schema.h"

/* Default bound on the items of one input list (variables and literals). */
#define GQL_MAX_INPUT_LIST ((size_t)10000)
/* graphql-js stops reporting variable errors past this many. */
#define GQL_MAX_VARIABLE_ERRORS 50
/* Deepest wrapper nesting of a variable's type ([[[Int]]]...). */
#define GQL_MAX_TYPE_DEPTH 32

/* valueFromAST's "undefined": the literal is invalid for the type. */
#define GQL_COERCE_INVALID 1

/* CoerceVariableValues: coerces the JSON object `inputs` (NULL = no
 * variables) against the variable definitions of operation `op`. On success
 * returns 0 and *out owns a new object holding the coerced values of the
 * variables that were given or have defaults (json_object_put it). On
 * invalid input returns GQL_EINVAL, *out is NULL and errs gets the
 * graphql-js errors (located at the variable definition). GQL_ENOMEM on
 * allocation failure. max_list 0 means GQL_MAX_INPUT_LIST. */
int gql_coerce_variables(const gql_schema *s, const gql_definition *op, json_object *inputs, size_t max_list,
                         json_object **out, gql_error_list *errs);

/* The schema types of op's variables, resolved once for a document that is
 * executed many times. */
typedef struct gql_var_types gql_var_types;

/* Resolves the variable types of op against s (both borrowed: they must
 * outlive the result). NULL when memory runs out. */
gql_var_types *gql_var_types_new(const gql_schema *s, const gql_definition *op);
void gql_var_types_free(gql_var_types *vt);

/* gql_coerce_variables with the types resolved by gql_var_types_new(s, op)
 * (vt may be NULL: resolved here). */
int gql_coerce_variables_typed(const gql_schema *s, const gql_definition *op, const gql_var_types *vt,
                               json_object *inputs, size_t max_list, json_object **out, gql_error_list *errs);

/* gql_coerce_variables_typed for inputs the caller owns and does not reuse
 * (a request's parsed body): a default of an input object field that comes
 * after every given field is added to the given object itself, so that the
 * object (and the variables around it) are shared rather than copied. The
 * keys added are the schema's strings: inputs must not outlive s. */
int gql_coerce_variables_extend(const gql_schema *s, const gql_definition *op, const gql_var_types *vt,
                                json_object *inputs, size_t max_list, json_object **out,
                                gql_error_list *errs);

/* CoerceArgumentValues: the arguments `args` of a field or directive
 * (node_loc: the field or directive) against definitions defs[0..ndefs),
 * with coerced `variables` (may be NULL). On success returns 0 and *out owns
 * a new object with the arguments in definition order. On a bad value
 * returns GQL_EINVAL and appends exactly one error to errs; GQL_ENOMEM on
 * allocation failure. */
int gql_coerce_arguments(const gql_input_value *defs, size_t ndefs, const gql_argument *args,
                         gql_loc node_loc, json_object *variables, size_t max_list, json_object **out,
                         gql_error_list *errs);

/* The same, adding the arguments to `into` (an empty object the caller
 * owns; left empty on an error). Keys are the definitions' names, not
 * copied: `into` must be emptied while the schema lives. */
int gql_coerce_arguments_into(const gql_input_value *defs, size_t ndefs, const gql_argument *args,
                              gql_loc node_loc, json_object *variables, size_t max_list, json_object *into,
                              gql_error_list *errs);

/* valueFromAST: the literal v coerced to type t. Returns 0 with *out owning
 * the value (NULL for null), GQL_COERCE_INVALID when v is not valid for t,
 * or GQL_ENOMEM. */
int gql_coerce_literal(const gql_value *v, const gql_typeref *t, json_object *variables, size_t max_list,
                       json_object **out);

/* Prints the coerced value v of type t as a GraphQL literal, the way
 * graphql-js prints astFromValue(v, t) (introspection's defaultValue).
 * Returns a malloc'd string, or NULL when v has no literal form (or on
 * allocation failure, with *oom set). */
char *gql_coerce_print_value(json_object *v, const gql_typeref *t, int *oom);

#endif
