/* gql_error: return codes of the GraphQL engine and the list of GraphQL
 * errors (message, locations, optional path) shared by every phase: parse,
 * schema build, validation, execution. */
#ifndef GQL_ERROR_H
#define GQL_ERROR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "gql/gql_arena.h"

/* Return codes: 0 on success, one of these (negative) on failure. */
enum gql_status {
    GQL_OK = 0,
    GQL_ENOMEM = -1,  /* an allocation failed */
    GQL_ESYNTAX = -2, /* the document or SDL text is not valid GraphQL */
    GQL_ELIMIT = -3,  /* a gql_limits bound was exceeded */
    GQL_EINVAL = -4,  /* bad argument from the caller */
    GQL_ESCHEMA = -5, /* the SDL is well-formed but not a valid schema */
    GQL_EIO = -6,     /* a file could not be read */
    GQL_EVALID = -7   /* the document breaks a validation rule (gql_validate) */
};

/* A position in the source: 1-based line and column, the column counted in
 * UTF-16 code units as graphql-js counts it. 0:0 means "no location". */
typedef struct gql_loc {
    uint32_t line;   /* 1-based line; \n, \r\n and \r each end a line */
    uint32_t column; /* 1-based column in UTF-16 code units */
} gql_loc;

/* One step of a response path: a field name or a list index. */
typedef struct gql_path_seg {
    const char *key; /* response key, or NULL when this step is an index */
    long index;      /* list index, meaningful only when key is NULL */
} gql_path_seg;

/* One GraphQL error. All memory belongs to the list's arena. */
typedef struct gql_error {
    const char *message;    /* full message, e.g. "Syntax Error: ..." */
    gql_loc *locations;     /* nlocations entries, may be NULL */
    size_t nlocations;      /* number of locations */
    gql_path_seg *path;     /* npath steps (keys copied), may be NULL */
    size_t npath;           /* number of path steps */
    struct gql_error *next; /* next error in report order, NULL at end */
} gql_error;

/* A list of errors in the order they were added. Initialise with
 * gql_error_list_init (or zero it); release with gql_error_list_deinit. */
typedef struct gql_error_list {
    gql_arena *arena; /* owns every error; created on first add */
    gql_error *head;  /* first error, NULL when empty */
    gql_error *tail;  /* last error */
    size_t count;     /* number of errors in the list */
    int oom;          /* 1 if an error could not be recorded (out of memory) */
} gql_error_list;

/* Makes l an empty list. Never fails. */
void gql_error_list_init(gql_error_list *l);

/* Frees every error and makes l empty again. NULL is a no-op. */
void gql_error_list_deinit(gql_error_list *l);

/* Appends an error with a printf-formatted message, copying locs (nlocs may
 * be 0) and path (npath may be 0; keys are copied). Returns 0, or GQL_ENOMEM
 * after setting l->oom so the caller can still report "out of memory". */
int gql_error_list_add(gql_error_list *l, const gql_path_seg *path, size_t npath, const gql_loc *locs,
                       size_t nlocs, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* gql_error_list_add with a va_list. */
int gql_error_list_vadd(gql_error_list *l, const gql_path_seg *path, size_t npath, const gql_loc *locs,
                        size_t nlocs, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

struct json_object;

/* Renders the list as a new json-c array of GraphQL response errors:
 * [{"message":..,"locations":[{"line":..,"column":..}],"path":[..]}]
 * (locations and path only when present; an out-of-memory marker becomes
 * one more error). The caller owns the result (json_object_put); NULL when
 * json-c runs out of memory. */
struct json_object *gql_error_list_to_json(const gql_error_list *l);

#endif
