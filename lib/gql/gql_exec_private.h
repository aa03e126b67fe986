/* gql_exec_private: state shared by the files of the executor
 * (gql_exec.c: fields and collection; gql_exec_complete.c: values). */
#ifndef GQL_EXEC_PRIVATE_H
#define GQL_EXEC_PRIVATE_H

#include "gql/gql_exec.h"

/* Internal result of completing a value: the value (possibly null) was
 * produced, or null must propagate to the nearest nullable parent (the
 * error is already recorded). Negative codes are gql_status errors. */
#define GQL_X_OK 0
#define GQL_X_NULLED 1
#define GQL_X_ABSENT 2 /* the field does not exist: leave the key out */

/* One field node merged under a response key. */
typedef struct gql_nref {
	const gql_selection *sel;   /* the field selection */
	struct gql_nref *next;      /* next node with the same response key */
} gql_nref;

/* One response key of a collected selection set (CollectFields). */
typedef struct gql_group {
	const char *key;               /* response key (alias or name) */
	gql_nref *nodes;               /* field nodes, in document order */
	gql_nref *last;                /* last of nodes */
	const gql_type *sub_type;      /* memo: runtime type sub was collected for */
	struct gql_group *sub;         /* memo: collected sub-fields for sub_type */
	struct gql_group *next;        /* next key, in first-seen order */
} gql_group;

/* The field being completed, for messages and paths. */
typedef struct gql_fctx {
	const gql_type *ptype;   /* parent object type */
	const char *fname;       /* field name */
	gql_group *g;            /* the merged field nodes */
} gql_fctx;

struct gql_exec_state {
	const gql_exec_params *p; /* the request */
	gql_arena *arena;         /* groups and node lists */
	json_object *errors;      /* recorded errors, NULL while none */
	json_object *empty_args;  /* shared {} for fields without arguments */
	char *err_msg;            /* message raised by gql_resolve_error */
	char *err_code;           /* its extensions.code, or NULL */
};

/* Appends an error: locations of g's nodes (or the single loc when g is
 * NULL and loc->line > 0), the path, and extensions.code when code != NULL.
 * Returns 0 or GQL_ENOMEM. */
int gql_x_record(struct gql_exec_state *st, const char *msg, const char *code,
		 const gql_group *g, const gql_loc *loc, const gql_exec_path *path);

/* CompleteValue of v (borrowed) for type t; *out gets a new reference. */
int gql_x_complete(struct gql_exec_state *st, const gql_typeref *t, const gql_fctx *fc,
		   const gql_exec_path *path, json_object *v, json_object **out);

/* CompleteObjectValue: collects g's sub-fields for type t and executes them. */
int gql_x_complete_object(struct gql_exec_state *st, const gql_type *t, const gql_fctx *fc,
			  const gql_exec_path *path, json_object *v, json_object **out);

/* A named type of the schema or of introspection, or NULL. */
const gql_type *gql_x_type(const struct gql_exec_state *st, const char *name);

#endif
