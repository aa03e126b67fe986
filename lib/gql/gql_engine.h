/* gql_engine: the GraphQL engine as crm-api and crm-pushd use it: a schema,
 * resolvers bound to "Type.field", a bounded cache of prepared (parsed and
 * validated) documents, and execution to a response's JSON text.
 *
 * Responses follow graphql-js's ExecutionResult key order: {"errors":[...],
 * "data":...}, "errors" only when there are errors, "data" absent when the
 * request failed before execution (unknown operation, bad variables).
 * One engine per thread: nothing here locks. */
#ifndef GQL_ENGINE_H
#define GQL_ENGINE_H

#include <stddef.h>

#include <json-c/json.h>

#include "gql/gql_ast.h"
#include "gql/gql_error.h"
#include "gql/gql_exec.h"
#include "gql/gql_parser.h"
#include "gql/gql_schema.h"
#include "gql/gql_validate.h"

#define GQL_ENGINE_CACHE_ENTRIES 256 /* default prepared documents kept */

/* Engine options; a zeroed struct gives every default. */
typedef struct gql_engine_options {
    gql_limits parse;             /* parse limits (0 fields: parser defaults) */
    gql_validate_limits validate; /* validation limits (0 fields: defaults) */
    int disable_introspection;    /* 1: __schema/__type fail validation */
    size_t cache_entries;         /* prepared documents cached (0: 256) */
    size_t max_input_list;        /* items of one input list (0: GQL_MAX_INPUT_LIST) */
    int variables_owned;          /* 1: the variables given to gql_engine_execute belong to
                                     that call; coercion may add input defaults to them in
                                     place (gql_coerce_variables_extend) instead of copying */
} gql_engine_options;

typedef struct gql_engine gql_engine;

/* A parsed and validated document. Reference counted: gql_engine_prepare
 * hands the caller one reference, released with gql_prepared_release; the
 * cache holds its own, so a prepared document stays valid after eviction
 * or gql_engine_free until the caller releases it. */
typedef struct gql_prepared gql_prepared;

/* Creates an engine over schema s (borrowed: it must outlive the engine).
 * opts may be NULL. Returns NULL when memory runs out. */
gql_engine *gql_engine_new(const gql_schema *s, const gql_engine_options *opts);

/* Frees the engine and its cache. NULL is a no-op. */
void gql_engine_free(gql_engine *e);

/* Binds fn to "Type.field". 0, GQL_EINVAL (no such field) or GQL_ENOMEM. */
int gql_engine_register(gql_engine *e, const char *type_dot_field, gql_resolver_fn fn);

/* Sets the hook naming the object type of an abstract value (default: the
 * value's "__typename"). */
void gql_engine_set_type_resolver(gql_engine *e, gql_type_resolver_fn fn);

/* Parses and validates text[0..len) (borrowed), or finds it in the cache.
 * Returns 0 with *out (a reference: gql_prepared_release it); or, with errs
 * filled, GQL_ESYNTAX when the document does not parse (or exceeds a parse
 * limit: HTTP 400, GRAPHQL_PARSE_FAILED), GQL_EVALID when it fails
 * validation (or a validation limit: 422, GRAPHQL_VALIDATION_FAILED), or
 * GQL_ENOMEM. Failed documents are not cached. */
int gql_engine_prepare(gql_engine *e, const char *text, size_t len, gql_prepared **out, gql_error_list *errs);

/* Drops one reference. NULL is a no-op. */
void gql_prepared_release(gql_prepared *p);

/* The parsed document (valid while the reference is held). */
const gql_document *gql_prepared_document(const gql_prepared *p);

/* The type of operation op_name (NULL: the only one): 0 and *op, or
 * GQL_EINVAL when there is no such operation (execute reports why). */
int gql_engine_operation_type(const gql_prepared *p, const char *op_name, gql_operation *op);

/* The outcome of one execution: the response as compact JSON text, in
 * graphql-js's ExecutionResult key order ({"errors"?:[...],"data":...}),
 * byte for byte what json-c prints with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE. Execution writes the text directly: no
 * json-c tree is built for the data, which is what keeps a request cheap.
 * One allocation; free it with gql_response_free. */
typedef struct gql_response gql_response;

/* Executes operation op_name (NULL: the only one) with the JSON object
 * `variables` (NULL: none), root value `root` (may be NULL) and ctx for the
 * resolvers. Returns 0 with *response (gql_response_free it):
 * {"errors":[...]} without "data" for a bad operation name or bad variables,
 * else {"errors"?:[...],"data":...} ("data" is null when null propagated to
 * the top). GQL_ENOMEM when memory runs out. The prepared document
 * remembers how its fields were collected, for the next execution. */
int gql_engine_execute(gql_engine *e, const gql_prepared *p, const char *op_name, json_object *variables,
                       json_object *root, void *ctx, gql_response **response);

/* MapSourceToResponseEvent for a subscription: executes the selection set
 * against one event; the root field's value is `event` itself (no resolver
 * runs for it). Same results as gql_engine_execute. */
int gql_engine_execute_event(gql_engine *e, const gql_prepared *p, const char *op_name,
                             json_object *variables, json_object *event, void *ctx, gql_response **response);

/* The response's JSON text (NUL-terminated, owned by r); *len gets its
 * length (len may be NULL). */
const char *gql_response_text(const gql_response *r, size_t *len);

/* 1 if the response has "data" (execution started), 0 when the request
 * failed before it: per GraphQL over HTTP, a 4xx for
 * application/graphql-response+json clients. */
int gql_response_has_data(const gql_response *r);

/* Frees r. NULL is a no-op. */
void gql_response_free(gql_response *r);

/* CreateSourceEventStream's first half for crm-pushd: the subscription's root
 * field name (*field, owned by the prepared document) and its coerced
 * arguments (*args, a new object). Returns 0; or GQL_EINVAL with *errors a
 * new {"errors":[...]} response (bad name, variables or arguments; not a
 * subscription); or GQL_ENOMEM. */
int gql_engine_subscription_field(gql_engine *e, const gql_prepared *p, const char *op_name,
                                  json_object *variables, const char **field, json_object **args,
                                  json_object **errors);

/* A stable key of (document, operation, coerced variables): two
 * subscriptions with equal keys get byte-identical payloads, so crm-pushd
 * serialises once per key. *out is malloc'd (free it). 0, GQL_EINVAL (bad
 * operation or variables) or GQL_ENOMEM. */
int gql_prepared_key(gql_engine *e, const gql_prepared *p, const char *op_name, json_object *variables,
                     char **out);

/* Renders a json-c response (gql_engine_error_response's) as compact JSON
 * (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE). The string belongs to `response` and
 * lives until it is freed or rendered again; *len gets its length (len may
 * be NULL). NULL when memory runs out. */
const char *gql_engine_render(json_object *response, size_t *len);

/* {"errors":[...]} from errs, each error with extensions.code `code`
 * (e.g. GRAPHQL_PARSE_FAILED); NULL when memory runs out. */
json_object *gql_engine_error_response(const gql_error_list *errs, const char *code);

/* "GRAPHQL_PARSE_FAILED" for GQL_ESYNTAX, "GRAPHQL_VALIDATION_FAILED" for
 * GQL_EVALID, "INTERNAL_SERVER_ERROR" otherwise. */
const char *gql_engine_error_code(int rc);

/* Cache statistics (for tests and metrics). */
typedef struct gql_engine_stats {
    size_t hits;      /* prepares answered from the cache */
    size_t misses;    /* prepares that parsed and validated */
    size_t evictions; /* documents dropped to stay within cache_entries */
    size_t entries;   /* documents cached now */
} gql_engine_stats;
void gql_engine_get_stats(const gql_engine *e, gql_engine_stats *out);

#endif
