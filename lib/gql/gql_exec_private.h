/* gql_exec_private: state shared by the files of the executor
 * (gql_exec.c: fields and collection; gql_exec_complete.c: values). */
#ifndef GQL_EXEC_PRIVATE_H
#define GQL_EXEC_PRIVATE_H

#include "gql/gql_exec.h"
#include "gql/gql_jsfmt.h"

/* Internal result of completing a value: the value (possibly null) was
 * produced, or null must propagate to the nearest nullable parent (the
 * error is already recorded). Negative codes are gql_status errors. */
#define GQL_X_OK 0
#define GQL_X_NULLED 1
#define GQL_X_ABSENT 2 /* the field does not exist: leave the key out */

/* One field node merged under a response key. */
typedef struct gql_nref {
    const gql_selection *sel; /* the field selection */
    struct gql_nref *next;    /* next node with the same response key */
} gql_nref;

/* One response key of a collected selection set (CollectFields). */
typedef struct gql_group {
    const char *key;                      /* response key (alias or name) */
    const char *key_json;                 /* ,"key": as it appears in the response */
    size_t key_json_len;                  /* its length */
    int typename_field;                   /* 1: the field is __typename */
    const gql_type *field_type;           /* memo: parent type `field` was looked up in */
    const gql_field *field;               /* memo: the field's definition (NULL: none) */
    const struct gql_resolvers *fn_table; /* memo: table fn was looked up in */
    unsigned long fn_version;             /* memo: its version then (0: none) */
    gql_resolver_fn fn;                   /* memo: field's resolver (NULL: none) */
    const gql_type *text_type;            /* memo: parent type text_field was decided for */
    unsigned long text_version;           /* memo: resolver table version then */
    const gql_field *text_field;          /* memo: the field, if a plain String/ID (else NULL) */
    gql_nref *nodes;                      /* field nodes, in document order */
    gql_nref *last;                       /* last of nodes */
    struct gql_submemo *subs;             /* memo: sub-fields collected per runtime type */
    struct gql_group *next;               /* next key, in first-seen order */
} gql_group;

/* The sub-fields of a group collected for one runtime type. */
typedef struct gql_submemo {
    const gql_type *type;     /* runtime object type */
    gql_group *groups;        /* its collected sub-fields */
    struct gql_submemo *next; /* memo for another type */
} gql_submemo;

/* The field being completed, for messages and paths. */
typedef struct gql_fctx {
    const gql_type *ptype; /* parent object type */
    const char *fname;     /* field name */
    gql_group *g;          /* the merged field nodes */
} gql_fctx;

struct gql_exec_state {
    const gql_exec_params *p; /* the request */
    gql_arena *arena;         /* resolvers' scratch memory, taken on first use */
    gql_arena *carena;        /* groups and node lists: the plan's, or per execution */
    gql_exec_plan *plan;      /* usable plan, or NULL */
    gql_sbuf *out;            /* the response's "data" JSON being written */
    json_object *errors;      /* recorded errors, NULL while none */
    gql_exec_reuse own;       /* scratch when the request brings none */
    gql_exec_reuse *reuse;    /* the request's scratch, or &own */
    char *err_msg;            /* message raised by gql_resolve_error */
    char *err_code;           /* its extensions.code, or NULL */
};

/* Appends an error: locations of g's nodes (or the single loc when g is
 * NULL and loc->line > 0), the path, and extensions.code when code != NULL.
 * Returns 0 or GQL_ENOMEM. */
int gql_x_record(struct gql_exec_state *st, const char *msg, const char *code, const gql_group *g,
                 const gql_loc *loc, const gql_exec_path *path);

/* CompleteValue of v (borrowed) for type t: appends its JSON to st->out.
 * On GQL_X_NULLED the caller cuts st->out back to where the value began. */
int gql_x_complete(struct gql_exec_state *st, const gql_typeref *t, const gql_fctx *fc,
                   const gql_exec_path *path, json_object *v);

/* CompleteObjectValue: collects g's sub-fields for type t and executes them. */
int gql_x_complete_object(struct gql_exec_state *st, const gql_type *t, const gql_fctx *fc,
                          const gql_exec_path *path, json_object *v);

/* Runs the operation: appends the JSON of the response's "data" to *data
 * (null when null propagated to the top, or when the root fields could not
 * be collected), and sets *errors (new array, or NULL when there were no
 * errors). Returns 0, or GQL_ENOMEM (nothing in *errors). */
int gql_exec_operation(const gql_exec_params *p, gql_sbuf *data, json_object **errors);

/* A named type of the schema or of introspection, or NULL. */
const gql_type *gql_x_type(const struct gql_exec_state *st, const char *name);

#endif
