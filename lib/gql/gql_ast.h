/* gql_ast: the syntax tree of a GraphQL document, executable definitions and
 * type-system definitions alike. This header is the contract for the later
 * phases (schema build, validation, execution, introspection).
 *
 * Ownership: every node, name and string belongs to the gql_document's arena
 * and lives until gql_doc_free. Strings are NUL-terminated UTF-8 without
 * NUL inside. Lists are singly linked through `next`, in source order, with
 * their length kept beside the head. Every node has `loc`, the line:column of
 * its first token (graphql-js style: 1-based, columns in UTF-16 units). */
#ifndef GQL_AST_H
#define GQL_AST_H

#include <stddef.h>

#include "gql/gql_arena.h"
#include "gql/gql_error.h"

typedef enum gql_operation { GQL_OP_QUERY, GQL_OP_MUTATION, GQL_OP_SUBSCRIPTION } gql_operation;

/* ---- values ---- */

typedef enum gql_value_kind {
    GQL_VALUE_VARIABLE, /* $name: str = "name" (without the $) */
    GQL_VALUE_INT,      /* str = source text, e.g. "-12" */
    GQL_VALUE_FLOAT,    /* str = source text, e.g. "1.5e3" */
    GQL_VALUE_STRING,   /* str = decoded value; block says which syntax */
    GQL_VALUE_BOOLEAN,  /* boolean = 0 or 1 */
    GQL_VALUE_NULL,     /* no payload */
    GQL_VALUE_ENUM,     /* str = enum value name */
    GQL_VALUE_LIST,     /* items, count */
    GQL_VALUE_OBJECT    /* fields, count */
} gql_value_kind;

struct gql_value;

/* One `name: value` of an object literal. */
typedef struct gql_object_field {
    gql_loc loc;                   /* location of the name */
    const char *name;              /* field name */
    struct gql_value *value;       /* never NULL */
    struct gql_object_field *next; /* next field, NULL at end */
} gql_object_field;

/* A value literal (argument, default value, list item, object field). */
typedef struct gql_value {
    gql_value_kind kind;      /* which of the forms below */
    gql_loc loc;              /* first token ($ for variables, [ or {) */
    const char *str;          /* VARIABLE, INT, FLOAT, STRING, ENUM: see kind */
    size_t len;               /* strlen(str) for those kinds, else 0 */
    int boolean;              /* BOOLEAN: 1 for true, 0 for false */
    int block;                /* STRING: 1 if written as a """block string""" */
    struct gql_value *items;  /* LIST: first item */
    gql_object_field *fields; /* OBJECT: first field */
    size_t count;             /* LIST: items; OBJECT: fields */
    struct gql_value *next;   /* next item when inside a LIST */
} gql_value;

/* ---- type references ---- */

typedef enum gql_type_ref_kind {
    GQL_TYPE_NAMED,   /* name */
    GQL_TYPE_LIST,    /* [of_type] */
    GQL_TYPE_NON_NULL /* of_type! (of_type is NAMED or LIST) */
} gql_type_ref_kind;

typedef struct gql_type_ref {
    gql_type_ref_kind kind;       /* wrapper or named */
    gql_loc loc;                  /* first token */
    const char *name;             /* NAMED: type name; else NULL */
    struct gql_type_ref *of_type; /* LIST, NON_NULL: wrapped type; else NULL */
} gql_type_ref;

/* ---- directives and arguments ---- */

typedef struct gql_argument {
    gql_loc loc;               /* location of the name */
    const char *name;          /* argument name */
    gql_value *value;          /* never NULL */
    struct gql_argument *next; /* next argument, NULL at end */
} gql_argument;

typedef struct gql_directive {
    gql_loc loc;                /* location of the @ */
    const char *name;           /* directive name, without @ */
    gql_argument *args;         /* arguments, NULL if none */
    size_t nargs;               /* number of arguments */
    struct gql_directive *next; /* next directive, NULL at end */
} gql_directive;

/* ---- selections ---- */

typedef enum gql_selection_kind {
    GQL_SEL_FIELD,           /* alias: name(args) @dirs { ... } */
    GQL_SEL_FRAGMENT_SPREAD, /* ...Name @dirs */
    GQL_SEL_INLINE_FRAGMENT  /* ... on Type @dirs { ... } */
} gql_selection_kind;

struct gql_selection;

typedef struct gql_selection_set {
    gql_loc loc;                      /* location of the { */
    struct gql_selection *selections; /* first selection (never NULL: sets are non-empty) */
    size_t count;                     /* number of selections */
} gql_selection_set;

typedef struct gql_selection {
    gql_selection_kind kind;          /* which form */
    gql_loc loc;                      /* first token (alias/name, or ...) */
    const char *alias;                /* FIELD: alias or NULL */
    const char *name;                 /* FIELD: field name; FRAGMENT_SPREAD: fragment name; else NULL */
    gql_loc name_loc;                 /* location of name */
    const char *type_condition;       /* INLINE_FRAGMENT: type after `on`, or NULL */
    gql_loc type_condition_loc;       /* INLINE_FRAGMENT: location of that type name, 0:0 if none */
    gql_argument *args;               /* FIELD: arguments, NULL if none */
    size_t nargs;                     /* FIELD: number of arguments */
    gql_directive *directives;        /* directives, NULL if none */
    gql_selection_set *selection_set; /* FIELD: sub-selection or NULL; INLINE_FRAGMENT: never NULL */
    struct gql_selection *next;       /* next selection in the set */
} gql_selection;

/* `$name: Type = default @dirs` of an operation. */
typedef struct gql_variable_def {
    gql_loc loc;                   /* location of the $ (or its description) */
    const char *description;       /* description string or NULL */
    const char *name;              /* variable name without $ */
    gql_loc variable_loc;          /* location of the $ */
    gql_loc name_loc;              /* location of the name after the $ */
    gql_type_ref *type;            /* declared type, never NULL */
    gql_value *default_value;      /* constant default or NULL */
    gql_directive *directives;     /* directives, NULL if none */
    struct gql_variable_def *next; /* next variable, NULL at end */
} gql_variable_def;

/* ---- type-system pieces ---- */

/* A name in a list: implemented interfaces, union members, directive
 * locations. */
typedef struct gql_name_list {
    gql_loc loc;                /* location of the name */
    const char *name;           /* the name */
    struct gql_name_list *next; /* next name, NULL at end */
} gql_name_list;

/* An argument definition or input object field: `"desc" name: Type = v @d`. */
typedef struct gql_input_value_def {
    gql_loc loc;                      /* first token */
    const char *description;          /* description or NULL */
    const char *name;                 /* name */
    gql_type_ref *type;               /* type, never NULL */
    gql_value *default_value;         /* constant default or NULL */
    gql_directive *directives;        /* directives, NULL if none */
    struct gql_input_value_def *next; /* next, NULL at end */
} gql_input_value_def;

/* A field of an object or interface type. */
typedef struct gql_field_def {
    gql_loc loc;                /* first token */
    const char *description;    /* description or NULL */
    const char *name;           /* field name */
    gql_input_value_def *args;  /* argument definitions, NULL if none */
    gql_type_ref *type;         /* result type, never NULL */
    gql_directive *directives;  /* directives, NULL if none */
    struct gql_field_def *next; /* next field, NULL at end */
} gql_field_def;

typedef struct gql_enum_value_def {
    gql_loc loc;                     /* first token */
    const char *description;         /* description or NULL */
    const char *name;                /* value name (never true/false/null) */
    gql_directive *directives;       /* directives, NULL if none */
    struct gql_enum_value_def *next; /* next value, NULL at end */
} gql_enum_value_def;

/* `query: TypeName` inside schema { } */
typedef struct gql_operation_type_def {
    gql_loc loc;                         /* location of the operation keyword */
    gql_operation operation;             /* which root */
    const char *type_name;               /* the named type */
    gql_loc type_loc;                    /* location of that type name */
    struct gql_operation_type_def *next; /* next, NULL at end */
} gql_operation_type_def;

/* ---- definitions ---- */

typedef enum gql_definition_kind {
    GQL_DEF_OPERATION,    /* query/mutation/subscription or shorthand { } */
    GQL_DEF_FRAGMENT,     /* fragment Name on Type { } */
    GQL_DEF_SCHEMA,       /* schema { query: Q } (or extend schema) */
    GQL_DEF_SCALAR,       /* scalar Name */
    GQL_DEF_OBJECT,       /* type Name implements A & B { fields } */
    GQL_DEF_INTERFACE,    /* interface Name implements A { fields } */
    GQL_DEF_UNION,        /* union Name = A | B */
    GQL_DEF_ENUM,         /* enum Name { VALUES } */
    GQL_DEF_INPUT_OBJECT, /* input Name { fields } */
    GQL_DEF_DIRECTIVE     /* directive @name(args) repeatable on LOCATIONS */
} gql_definition_kind;

/* One top-level definition. Fields not listed for a kind are NULL/0. */
typedef struct gql_definition {
    gql_definition_kind kind;          /* which definition */
    gql_loc loc;                       /* first token (description, keyword or {) */
    int is_extension;                  /* 1 for `extend ...` forms (type-system kinds) */
    const char *description;           /* description or NULL (all but shorthand ops) */
    const char *name;                  /* name; NULL for anonymous operations and schema */
    gql_loc name_loc;                  /* location of name, 0:0 if none */
    gql_operation operation;           /* OPERATION: its type (QUERY for shorthand) */
    gql_variable_def *variables;       /* OPERATION: variable definitions or NULL */
    size_t nvariables;                 /* OPERATION: number of variables */
    const char *type_condition;        /* FRAGMENT: type after `on` */
    gql_loc type_condition_loc;        /* FRAGMENT: location of that type name */
    gql_directive *directives;         /* directives on the definition, NULL if none */
    gql_selection_set *selection_set;  /* OPERATION, FRAGMENT: never NULL there */
    gql_name_list *interfaces;         /* OBJECT, INTERFACE: implemented interfaces */
    gql_field_def *fields;             /* OBJECT, INTERFACE: fields */
    gql_input_value_def *input_fields; /* INPUT_OBJECT: fields */
    gql_name_list *members;            /* UNION: member types */
    gql_enum_value_def *values;        /* ENUM: values */
    gql_operation_type_def *roots;     /* SCHEMA: root operation types */
    gql_input_value_def *args;         /* DIRECTIVE: argument definitions */
    int repeatable;                    /* DIRECTIVE: 1 if `repeatable` */
    gql_name_list *locations;          /* DIRECTIVE: locations (valid names only) */
    struct gql_definition *next;       /* next definition, NULL at end */
} gql_definition;

/* A parsed document. Created by gql_doc_parse, freed by gql_doc_free. */
typedef struct gql_document {
    gql_arena *arena;            /* owns the document and all its nodes */
    gql_definition *definitions; /* first definition (a document has >= 1) */
    size_t count;                /* number of definitions */
    size_t token_count;          /* lexical tokens read (as graphql-js counts) */
} gql_document;

/* Frees the document and all its nodes. NULL is a no-op. */
void gql_doc_free(gql_document *doc);

/* "query", "mutation" or "subscription". */
const char *gql_operation_name(gql_operation op);

/* The directive locations of the spec, in its grammar's order: bit i of a
 * location set (gql_directive_def.locations) is gql_directive_locations[i]. */
#define GQL_NDIRECTIVE_LOCATIONS 20
extern const char *const gql_directive_locations[GQL_NDIRECTIVE_LOCATIONS];

/* The index of location name s[0..n) in gql_directive_locations, or -1. */
int gql_directive_location_index(const char *s, size_t n);

#endif
