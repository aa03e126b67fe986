/* gql_schema: an in-memory GraphQL schema built from SDL text at run time,
 * with the built-in scalars (Int, Float, String, Boolean, ID) and directives
 * (@skip, @include, @deprecated, @specifiedBy). Read-only once built: share
 * it freely between requests. Meta fields (__typename, __schema, __type) and
 * the introspection types are the callers' business. */
#ifndef GQL_SCHEMA_H
#define GQL_SCHEMA_H

#include <stddef.h>
#include <string.h>

#include "gql/gql_ast.h"
#include "gql/gql_error.h"

typedef enum gql_type_kind {
    GQL_KIND_SCALAR,
    GQL_KIND_OBJECT,
    GQL_KIND_INTERFACE,
    GQL_KIND_UNION,
    GQL_KIND_ENUM,
    GQL_KIND_INPUT_OBJECT
} gql_type_kind;

typedef struct gql_type gql_type;

/* A type as used by a field or argument: named, [list] or non-null! */
typedef struct gql_typeref {
    gql_type_ref_kind kind;            /* GQL_TYPE_NAMED, _LIST or _NON_NULL */
    const gql_type *named;             /* NAMED: the resolved type; else NULL */
    const struct gql_typeref *of_type; /* LIST, NON_NULL: wrapped type */
} gql_typeref;

/* An argument definition or an input object field. */
typedef struct gql_input_value {
    const char *name;               /* name */
    const char *description;        /* description or NULL */
    const gql_typeref *type;        /* an input type */
    const gql_value *default_value; /* constant literal from the SDL, or NULL */
    int deprecated;                 /* 1 if @deprecated */
    const char *deprecation_reason; /* reason when deprecated, else NULL */
} gql_input_value;

/* A field of an object or interface type. */
typedef struct gql_field {
    const char *name;        /* field name */
    const char *description; /* description or NULL */
    gql_input_value *args;   /* nargs argument definitions, in SDL order */
    size_t nargs;
    const gql_typeref *type;        /* an output type */
    int deprecated;                 /* 1 if @deprecated */
    const char *deprecation_reason; /* reason when deprecated, else NULL */
} gql_field;

typedef struct gql_enum_value {
    const char *name;               /* value name */
    const char *description;        /* description or NULL */
    int deprecated;                 /* 1 if @deprecated */
    const char *deprecation_reason; /* reason when deprecated, else NULL */
} gql_enum_value;

/* A named type. Arrays keep SDL order (introspection shows it). */
struct gql_type {
    gql_type_kind kind;           /* what kind of type */
    const char *name;             /* type name */
    const char *description;      /* description or NULL */
    int builtin;                  /* a GQL_SCALAR_ code for Int, Float, String,
					 * Boolean, ID (nonzero); 0 otherwise */
    const char *specified_by_url; /* SCALAR: @specifiedBy(url:) or NULL */
    gql_field *fields;            /* OBJECT, INTERFACE: nfields fields */
    size_t nfields;
    const gql_type **interfaces; /* OBJECT, INTERFACE: implemented interfaces */
    size_t ninterfaces;
    const gql_type **possible_types; /* UNION: members; INTERFACE: implementing objects */
    size_t npossible_types;
    gql_enum_value *values; /* ENUM: nvalues values */
    size_t nvalues;
    gql_input_value *input_fields; /* INPUT_OBJECT: ninput_fields fields */
    size_t ninput_fields;
};

/* Directive locations as a bit set. */
enum gql_directive_location {
    GQL_DLOC_QUERY = 1u << 0,
    GQL_DLOC_MUTATION = 1u << 1,
    GQL_DLOC_SUBSCRIPTION = 1u << 2,
    GQL_DLOC_FIELD = 1u << 3,
    GQL_DLOC_FRAGMENT_DEFINITION = 1u << 4,
    GQL_DLOC_FRAGMENT_SPREAD = 1u << 5,
    GQL_DLOC_INLINE_FRAGMENT = 1u << 6,
    GQL_DLOC_VARIABLE_DEFINITION = 1u << 7,
    GQL_DLOC_SCHEMA = 1u << 8,
    GQL_DLOC_SCALAR = 1u << 9,
    GQL_DLOC_OBJECT = 1u << 10,
    GQL_DLOC_FIELD_DEFINITION = 1u << 11,
    GQL_DLOC_ARGUMENT_DEFINITION = 1u << 12,
    GQL_DLOC_INTERFACE = 1u << 13,
    GQL_DLOC_UNION = 1u << 14,
    GQL_DLOC_ENUM = 1u << 15,
    GQL_DLOC_ENUM_VALUE = 1u << 16,
    GQL_DLOC_INPUT_OBJECT = 1u << 17,
    GQL_DLOC_INPUT_FIELD_DEFINITION = 1u << 18,
    GQL_DLOC_DIRECTIVE_DEFINITION = 1u << 19
};

typedef struct gql_directive_def {
    const char *name;        /* without @ */
    const char *description; /* description or NULL */
    gql_input_value *args;   /* nargs argument definitions */
    size_t nargs;
    int repeatable;     /* 1 if `repeatable` */
    unsigned locations; /* bit set of gql_directive_location */
    int builtin;        /* 1 for skip, include, deprecated, specifiedBy */
} gql_directive_def;

typedef struct gql_schema gql_schema;

/* Builds a schema from SDL text src[0..len) (borrowed). On success returns 0
 * and *out owns the schema (free with gql_schema_free). On failure *out is
 * NULL, errors get one or more entries (with locations in the SDL), and the
 * result is GQL_ESYNTAX, GQL_ESCHEMA, GQL_ELIMIT or GQL_ENOMEM. Type-system
 * extensions (`extend ...`) and executable definitions are refused. */
int gql_schema_build(const char *src, size_t len, gql_schema **out, gql_error_list *errors);

/* Reads the SDL file at path and builds it as gql_schema_build does;
 * GQL_EIO (with an error) if the file cannot be read. */
int gql_schema_load_file(const char *path, gql_schema **out, gql_error_list *errors);

/* Frees the schema. NULL is a no-op. */
void gql_schema_free(gql_schema *s);

/* Number of named types, built-in scalars included. */
size_t gql_schema_type_count(const gql_schema *s);

/* The i-th type in name order (i < gql_schema_type_count), for iteration. */
const gql_type *gql_schema_type_at(const gql_schema *s, size_t i);

/* The named type, or NULL. O(log n). */
const gql_type *gql_schema_type(const gql_schema *s, const char *name);

/* The root type of an operation, or NULL if the schema has none. */
const gql_type *gql_schema_root(const gql_schema *s, gql_operation op);

/* The parsed SDL the schema was built from, definitions in source order
 * (introspection lists types in that order, as graphql-js does). Owned by
 * the schema; lives until gql_schema_free. */
const gql_document *gql_schema_document(const gql_schema *s);

/* The schema's description (schema definition), or NULL. */
const char *gql_schema_description(const gql_schema *s);

/* The directive definition (name without @), or NULL. */
const gql_directive_def *gql_schema_directive(const gql_schema *s, const char *name);

/* All directive definitions, built-ins first; *n gets the count. */
const gql_directive_def *gql_schema_directives(const gql_schema *s, size_t *n);

/* The field of an object or interface type, or NULL (also for meta fields
 * such as __typename, which callers handle). */
const gql_field *gql_type_field(const gql_type *t, const char *name);

/* Codes of the built-in scalars in gql_type.builtin, so hot paths test an
 * integer instead of comparing names. */
enum gql_scalar_code {
    GQL_SCALAR_INT = 1,
    GQL_SCALAR_FLOAT,
    GQL_SCALAR_STRING,
    GQL_SCALAR_BOOLEAN,
    GQL_SCALAR_ID,
    GQL_SCALAR_OTHER /* a built-in type that is not one of those */
};

/* The argument of a field or directive, or NULL. */
const gql_input_value *gql_field_arg(const gql_field *f, const char *name);
const gql_input_value *gql_directive_arg(const gql_directive_def *d, const char *name);

/* The field of an input object type, or NULL. */
const gql_input_value *gql_type_input_field(const gql_type *t, const char *name);

/* The enum value of an enum type, or NULL. */
const gql_enum_value *gql_type_enum_value(const gql_type *t, const char *name);

/* 1 if object type obj is a possible type of abstract type t (union member
 * or implementation of interface t), or if t == obj; else 0. */
int gql_schema_is_possible_type(const gql_type *t, const gql_type *obj);

/* Classification of named types (NULL gives 0). */
int gql_type_is_input(const gql_type *t);     /* scalar, enum, input object */
int gql_type_is_output(const gql_type *t);    /* all but input object */
int gql_type_is_leaf(const gql_type *t);      /* scalar, enum */
int gql_type_is_composite(const gql_type *t); /* object, interface, union */
int gql_type_is_abstract(const gql_type *t);  /* interface, union */

/* The named type at the bottom of a wrapper chain. */
const gql_type *gql_typeref_named(const gql_typeref *r);

#endif
