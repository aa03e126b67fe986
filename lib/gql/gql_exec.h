/* gql_exec: execution of a validated GraphQL operation (section 6 of the
 * spec), as graphql-js 16's execute() does it for synchronous resolvers:
 * same field order, same error messages, paths and locations, same null
 * propagation. Values are json-c objects; a JSON null is NULL.
 *
 * Resolvers are registered per "Type.field". A field without one reads the
 * parent object's property of the field's name (so a resolver may return a
 * whole object and its children resolve from it). A resolver error never
 * aborts the operation: it becomes a field error with extensions.code. */
#ifndef GQL_EXEC_H
#define GQL_EXEC_H

#include <stddef.h>

#include <json-c/json.h>

#include "gql/gql_arena.h"
#include "gql/gql_ast.h"
#include "gql/gql_error.h"
#include "gql/gql_schema.h"

/* One step of the response path, innermost first (linked to the parent). */
typedef struct gql_exec_path {
    const struct gql_exec_path *prev; /* enclosing step, NULL at the root */
    const char *key;                  /* response key, or NULL for a list index */
    size_t index;                     /* list index when key is NULL */
} gql_exec_path;

struct gql_exec_state;

/* What a resolver learns about the field it resolves. Everything is borrowed
 * and valid only during the call. */
typedef struct gql_resolve_info {
    json_object *parent;            /* parent value (root value at the top) */
    json_object *args;              /* coerced arguments, an object in definition order;
					 * read-only; emptied and reused after the call unless
					 * returned as the value: keep references to members */
    json_object *variables;         /* coerced variables of the operation */
    const char *field_name;         /* the field's name in the schema */
    const char *response_key;       /* alias, or the field name */
    const gql_type *parent_type;    /* object type the field belongs to */
    const gql_field *field;         /* the field's definition */
    const gql_typeref *return_type; /* the field's type */
    const gql_schema *schema;       /* the schema */
    const gql_exec_path *path;      /* path of this field in the response */
    gql_arena *arena;               /* scratch memory freed after the operation */
    struct gql_exec_state *state;   /* private to the executor */
} gql_resolve_info;

/* A resolver: sets *out to a new reference (ownership passes to the
 * executor; NULL is null) and returns 0; or returns what gql_resolve_error
 * returned. Returning nonzero without gql_resolve_error gives an
 * INTERNAL_SERVER_ERROR field error. */
typedef int (*gql_resolver_fn)(gql_resolve_info *info, void *ctx, json_object **out);

/* Raises the field error `message` (printf format) with extensions.code
 * `code` (NULL for none) for the field being resolved. Returns GQL_EINVAL,
 * for `return gql_resolve_error(info, "FORBIDDEN", "...")`. */
int gql_resolve_error(gql_resolve_info *info, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Names the object type of value v for abstract type t (interface or union),
 * or NULL when unknown. Without a hook, the value's "__typename" is used. */
typedef const char *(*gql_type_resolver_fn)(const gql_type *t, json_object *v, void *ctx);

/* A table of resolvers keyed by field definition: built once, read by every
 * execution. */
typedef struct gql_resolvers gql_resolvers;

/* New empty table for schema s (borrowed, must outlive the table); NULL
 * when memory runs out. */
gql_resolvers *gql_resolvers_new(const gql_schema *s);
void gql_resolvers_free(gql_resolvers *r);
/* Binds fn to "Type.field". GQL_EINVAL if the schema has no such field,
 * GQL_ENOMEM. A second call for the same field replaces the first. */
int gql_resolvers_add(gql_resolvers *r, const char *type_dot_field, gql_resolver_fn fn);
/* Binds fn to a field definition directly (used for meta fields). */
int gql_resolvers_add_field(gql_resolvers *r, const gql_field *f, gql_resolver_fn fn);
/* The resolver of field f, or NULL. */
gql_resolver_fn gql_resolvers_get(const gql_resolvers *r, const gql_field *f);
/* Sets the abstract-type hook (NULL: "__typename" of the value). */
void gql_resolvers_set_type_resolver(gql_resolvers *r, gql_type_resolver_fn fn);

/* What CollectFields found for the operations of one document, kept across
 * executions so that a cached document is collected (and its fields looked
 * up in the schema) once. Only for documents whose @skip/@include do not
 * depend on variables: then collection depends on nothing else. */
typedef struct gql_exec_plan gql_exec_plan;

/* A plan for validated document doc (borrowed: it must outlive the plan),
 * empty until executions fill it. NULL when the document's conditions
 * depend on variables or memory runs out: execute without a plan. */
gql_exec_plan *gql_exec_plan_new(const gql_document *doc);
/* Frees the plan. NULL is a no-op. */
void gql_exec_plan_free(gql_exec_plan *pl);

/* Scratch that executions keep between them (the engine owns one): the
 * resolvers' arena, reset instead of freed; an arguments object, emptied
 * after each resolver instead of freed; the shared {} of fields without
 * arguments. An execution takes what it uses and puts it back at its end,
 * so an execution nested in a resolver simply finds the slots empty.
 * Zero-initialised; release with gql_exec_reuse_deinit. */
typedef struct gql_exec_reuse {
    gql_arena *arena;        /* a reset arena, or NULL */
    json_object *args;       /* an empty object, or NULL */
    json_object *empty_args; /* {} handed to resolvers (read-only), or NULL */
} gql_exec_reuse;

/* Frees what r holds. */
void gql_exec_reuse_deinit(gql_exec_reuse *r);

/* Everything one execution needs. All borrowed. */
typedef struct gql_exec_params {
    const gql_schema *schema;        /* the schema */
    const gql_document *doc;         /* validated document (fragments come from it) */
    const gql_definition *operation; /* the operation to run */
    json_object *variables;          /* coerced variables (gql_coerce_variables) */
    json_object *root;               /* root value */
    void *ctx;                       /* passed to every resolver */
    const gql_resolvers *resolvers;  /* resolvers, may be NULL */
    int introspection;               /* 1: __schema and __type resolve; 0: they are absent */
    int event;                       /* 1: root fields take `root` itself as value
					  * (a subscription event: MapSourceToResponseEvent) */
    size_t max_list;                 /* bound on input lists (0: GQL_MAX_INPUT_LIST) */
    gql_exec_plan *plan;             /* plan of doc, or NULL; executions with one
					  * plan must share schema, introspection */
    gql_exec_reuse *reuse;           /* scratch to reuse, or NULL: allocate afresh */
} gql_exec_params;

/* gql_exec_operation (gql_exec_private.h) runs the operation, writing the
 * response's "data" as JSON text. */

/* GetOperation: the operation named `name` (NULL: the only one). NULL on
 * error, with *message set to graphql-js's message (static string; for an
 * unknown name, written into buf of size cap). */
const gql_definition *gql_exec_find_operation(const gql_document *doc, const char *name, char *buf,
                                              size_t cap, const char **message);

/* The fields of the top selection set of `operation` as CollectFields sees
 * them (skip/include applied): *field gets the first root field's node and
 * *type the root type. Used for subscriptions (CreateSourceEventStream).
 * Returns 0, GQL_EINVAL (no root type or no field; errs gets a message) or
 * GQL_ENOMEM. */
int gql_exec_first_root_field(const gql_exec_params *p, const gql_selection **field, const gql_type **type,
                              gql_error_list *errs);

#endif
