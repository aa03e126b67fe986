/* gql_validate_private: what the validation files share: the walk context
 * (graphql-js's ValidationContext and TypeInfo), small arena containers, the
 * helpers that reproduce graphql-js's wording (type printing, value
 * printing, suggestions), and the hooks of each rule. Included by
 * lib/gql/gql_validate*.c only. */
#ifndef GQL_VALIDATE_PRIVATE_H
#define GQL_VALIDATE_PRIVATE_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "gql/gql_arena.h"
#include "gql/gql_ast.h"
#include "gql/gql_error.h"
#include "gql/gql_schema.h"
#include "gql/gql_validate.h"
#include "gql/gql_validate_meta.h"

typedef struct gql_vctx gql_vctx;

/* ---- containers (memory from the context's scratch arena) ---- */

/* A growable array of pointers. Zero it to start empty. */
typedef struct gql_vvec {
    void **items; /* n items */
    size_t n;     /* used */
    size_t cap;   /* allocated */
} gql_vvec;

void gql_vvec_push(gql_vctx *c, gql_vvec *v, const void *item);
void *gql_vvec_top(const gql_vvec *v); /* last item, NULL when empty */
void *gql_vvec_pop(gql_vvec *v);       /* removes the last item (NULL when empty) */

/* A hash map keyed by (string, pointer, pointer, int); any part may be
 * NULL/0. Zero it to start empty. */
typedef struct gql_vmap_slot {
    const char *s;  /* string key part or NULL */
    const void *p1; /* pointer key parts */
    const void *p2;
    int i;     /* integer key part */
    int used;  /* 1 if the slot holds an entry */
    void *val; /* the value */
} gql_vmap_slot;

typedef struct gql_vmap {
    gql_vmap_slot *slots; /* cap slots, cap a power of two or 0 */
    size_t cap;
    size_t n; /* entries */
} gql_vmap;

/* The entry's slot, or NULL when absent. */
gql_vmap_slot *gql_vmap_find(const gql_vmap *m, const char *s, const void *p1, const void *p2, int i);
/* The entry's slot, created with val NULL when absent (*created says which). */
gql_vmap_slot *gql_vmap_put(gql_vctx *c, gql_vmap *m, const char *s, const void *p1, const void *p2, int i,
                            int *created);
/* Shorthands for string keys. */
void *gql_vmap_sget(const gql_vmap *m, const char *s);
void gql_vmap_sset(gql_vctx *c, gql_vmap *m, const char *s, const void *val);

/* A growable string. */
typedef struct gql_vbuf {
    char *s;    /* NUL-terminated once anything was added; may be NULL */
    size_t n;   /* length */
    size_t cap; /* allocated */
} gql_vbuf;

void gql_vbuf_add(gql_vctx *c, gql_vbuf *b, const char *s, size_t n);
void gql_vbuf_puts(gql_vctx *c, gql_vbuf *b, const char *s);
void gql_vbuf_printf(gql_vctx *c, gql_vbuf *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *gql_vbuf_str(gql_vctx *c, gql_vbuf *b); /* never NULL */

void *gql_valloc(gql_vctx *c, size_t n); /* zeroed; escapes with ENOMEM on failure */

/* ---- type information (graphql-js TypeInfo) ---- */

typedef struct gql_vtypeinfo {
    gql_vvec types;    /* const gql_typeref *: output type of the current field or fragment */
    gql_vvec parents;  /* const gql_type *: composite type of each selection set, or NULL */
    gql_vvec inputs;   /* const gql_typeref *: expected type of the current input value */
    gql_vvec fields;   /* const gql_field *: definition of the current field, or NULL */
    gql_vvec defaults; /* const gql_value *: default value of the current input position */
    const gql_directive_def *directive; /* the directive being visited, or NULL */
    const gql_input_value *argument;    /* the argument being visited, or NULL */
} gql_vtypeinfo;

/* One use of a variable inside an operation or fragment. */
typedef struct gql_vusage {
    const gql_value *node;          /* the $variable */
    const gql_typeref *type;        /* expected input type there, or NULL */
    const gql_value *default_value; /* default of that position, or NULL */
} gql_vusage;

/* Where a directive appears, for KnownDirectives. */
typedef struct gql_vdloc {
    unsigned bit;     /* GQL_DLOC_* */
    const char *name; /* "FIELD", ... */
} gql_vdloc;

/* ---- the context ---- */

struct gql_vctx {
    const gql_schema *schema; /* borrowed */
    const gql_document *doc;  /* borrowed */
    gql_error_list *errors;   /* where errors go */
    gql_arena *arena;         /* scratch memory, freed at the end */
    jmp_buf escape;           /* longjmp target: ENOMEM or too many errors */
    size_t nreported;         /* errors reported by the rules so far */
    gql_vtypeinfo main_ti;    /* type info of the main walk */
    gql_vtypeinfo *ti;        /* type info of the walk under way */
    gql_vvec *collect;        /* non-NULL while collecting variable usages: rules off */
    int in_sdl;               /* the current top-level definition is type-system */

    /* schema view */
    gql_vmap named_refs;        /* gql_type * -> gql_typeref * naming it */
    int scalars_checked;        /* reachable_scalars computed */
    unsigned reachable_scalars; /* bit 0 Int, 1 Float, 2 ID: referenced by the schema */
    gql_vvec type_names;        /* const char *: schema type map and document types (lazy) */
    int type_names_done;        /* type_names filled */

    /* document view */
    gql_vmap fragments;      /* name -> const gql_definition * (last one wins) */
    gql_vmap doc_types;      /* names of type definitions in the document */
    gql_vmap doc_directives; /* name -> const gql_definition * of directive definitions */
    gql_vmap spreads;        /* selection set -> gql_vvec * of its spreads (DFS order) */
    gql_vmap usages;         /* definition -> gql_vvec * of gql_vusage * */
    size_t noperations;      /* operation definitions in the document */

    /* rule state */
    gql_vmap op_names;            /* UniqueOperationNames: name -> const gql_loc * */
    gql_vmap frag_names;          /* UniqueFragmentNames: name -> const gql_loc * */
    gql_vvec all_ops;             /* NoUnusedFragments: operations */
    gql_vvec all_frags;           /* NoUnusedFragments: fragments */
    gql_vmap cycle_visited;       /* NoFragmentCycles: names visited */
    gql_vmap cycle_index;         /* NoFragmentCycles: name -> index+1 in spread path */
    gql_vvec cycle_path;          /* NoFragmentCycles: spread path */
    gql_vmap var_defined;         /* NoUndefinedVariables: names defined by the operation */
    gql_vvec var_defs;            /* NoUnusedVariables: definitions of the operation */
    gql_vmap var_def_by_name;     /* VariablesInAllowedPosition: name -> last definition */
    gql_vmap schema_dirs_seen;    /* UniqueDirectivesPerLocation: schema definitions */
    gql_vmap type_dirs_seen;      /* UniqueDirectivesPerLocation: type name -> gql_vmap * */
    int values_skip;              /* ValuesOfCorrectType: >0 inside a literal it skipped */
    int introspection_skip;       /* MaxIntrospectionDepth: >0 under a field it reported */
    gql_vmap mid_checked;         /* MaxIntrospectionDepth: fragment -> entry depth + 1 */
    gql_vmap mid_exceeded;        /* MaxIntrospectionDepth: fragment -> entry depth + 1 */
    struct gql_voverlap *overlap; /* OverlappingFieldsCanBeMerged caches */
};

/* Escape codes for longjmp. */
#define GQL_V_JMP_NOMEM 1
#define GQL_V_JMP_ABORT 2

/* Reports a rule error: message and nlocs locations. After 100 errors it
 * adds graphql-js's "Too many validation errors" and stops the walk. */
void gql_v_report(gql_vctx *c, const gql_loc *locs, size_t nlocs, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void gql_v_nomem(gql_vctx *c) __attribute__((noreturn));

/* ---- schema helpers ---- */

/* Named type by name, as graphql-js's schema type map has it: the
 * introspection types included, Int/Float/ID only if the schema uses them. */
const gql_type *gql_v_type(gql_vctx *c, const char *name);
/* The named type a type reference in the document denotes, or NULL. */
const gql_typeref *gql_v_type_from_ast(gql_vctx *c, const gql_type_ref *t);
/* A typeref naming t (cached). NULL for NULL. */
const gql_typeref *gql_v_named_ref(gql_vctx *c, const gql_type *t);
const gql_type *gql_v_named(const gql_typeref *r);         /* NULL-safe gql_typeref_named */
const gql_typeref *gql_v_nullable(const gql_typeref *r);   /* strips one ! */
int gql_v_same_type(const gql_type *a, const gql_type *b); /* by identity or name */
int gql_v_typeref_equal(const gql_typeref *a, const gql_typeref *b);
int gql_v_is_sub_type(const gql_type *abstract, const gql_type *maybe_sub);
int gql_v_types_overlap(const gql_type *a, const gql_type *b);
/* Field of an object/interface, meta fields included as TypeInfo finds them. */
const gql_field *gql_v_field_def(gql_vctx *c, const gql_type *parent, const char *name);
/* Field of an object/interface, without meta fields. */
const gql_field *gql_v_plain_field(const gql_type *parent, const char *name);
const gql_directive_def *gql_v_directive(gql_vctx *c, const char *name);
/* Schema type names for suggestions (type map order), document types after. */
const gql_vvec *gql_v_type_names(gql_vctx *c);

/* ---- printing, as graphql-js prints ---- */

const char *gql_v_typeref_str(gql_vctx *c, const gql_typeref *r); /* "[Int!]!" */
const char *gql_v_type_ast_str(gql_vctx *c, const gql_type_ref *t);
const char *gql_v_value_str(gql_vctx *c, const gql_value *v); /* print(valueNode) */

/* ---- uniqueness rules ---- */

/* Reports name when *seen already holds it, at the first location and at
 * loc: "There can be only one <what> named "<name>"."; else remembers loc
 * (UniqueOperationNames, UniqueFragmentNames). */
void gql_v_unique_name(gql_vctx *c, gql_vmap *seen, const char *what, const char *name, const gql_loc *loc);
/* Reports each name repeated in names (locs: a const gql_loc * per name),
 * in order of first appearance, at all its locations: "There can be only
 * one <what> named "<sigil><name>"." (UniqueArgumentNames,
 * UniqueVariableNames). */
void gql_v_unique_names(gql_vctx *c, const gql_vvec *names, const gql_vvec *locs, const char *what,
                        const char *sigil);

/* ---- suggestions (gql_suggest.h on the validation arena) ---- */

/* graphql-js suggestionList: options close to input, best first. */
void gql_v_suggest(gql_vctx *c, const char *input, const char *const *options, size_t n, gql_vvec *out);
/* graphql-js didYouMean: "" or " Did you mean [sub ]"a", "b", or "c"?" */
const char *gql_v_did_you_mean(gql_vctx *c, const char *sub, const gql_vvec *names);

/* ---- the walk ---- */

/* Variable usages of an operation or fragment (lazily computed). */
const gql_vvec *gql_v_usages(gql_vctx *c, const gql_definition *def);
/* Fragment spreads below a selection set, in graphql-js order (cached). */
const gql_vvec *gql_v_spreads(gql_vctx *c, const gql_selection_set *ss);
/* graphql-js getFragment: the last fragment definition with that name. */
const gql_definition *gql_v_fragment(gql_vctx *c, const char *name);
/* Fragments reachable from the operations, in graphql-js order. */
void gql_v_referenced_fragments(gql_vctx *c, const gql_definition *const *ops, size_t nops, gql_vvec *out);

/* ---- rule hooks, by file; called by the walk in specifiedRules order ---- */

/* gql_validate_operations.c */
void gql_v_executable_definitions(gql_vctx *c);
void gql_v_unique_operation_names(gql_vctx *c, const gql_definition *op);
void gql_v_lone_anonymous_operation(gql_vctx *c, const gql_definition *op);
void gql_v_single_field_subscriptions(gql_vctx *c, const gql_definition *op);

/* gql_validate_fields.c */
void gql_v_known_type_names(gql_vctx *c, const char *name, gql_loc loc);
void gql_v_scalar_leafs(gql_vctx *c, const gql_selection *field);
void gql_v_fields_on_correct_type(gql_vctx *c, const gql_selection *field);
void gql_v_max_introspection_depth(gql_vctx *c, const gql_selection *field, int *skip);

/* gql_validate_fragments.c */
void gql_v_fragments_on_composite_inline(gql_vctx *c, const gql_selection *frag);
void gql_v_fragments_on_composite_def(gql_vctx *c, const gql_definition *frag);
void gql_v_unique_fragment_names(gql_vctx *c, const gql_definition *frag);
void gql_v_known_fragment_names(gql_vctx *c, const gql_selection *spread);
void gql_v_no_unused_fragments(gql_vctx *c);
void gql_v_possible_inline_fragment(gql_vctx *c, const gql_selection *frag);
void gql_v_possible_fragment_spread(gql_vctx *c, const gql_selection *spread);
void gql_v_no_fragment_cycles(gql_vctx *c, const gql_definition *frag);

/* gql_validate_variables.c */
void gql_v_variables_are_input_types(gql_vctx *c, const gql_variable_def *vd);
void gql_v_unique_variable_names(gql_vctx *c, const gql_definition *op);
void gql_v_variables_enter_operation(gql_vctx *c);
void gql_v_variables_definition(gql_vctx *c, const gql_variable_def *vd);
void gql_v_no_undefined_variables(gql_vctx *c, const gql_definition *op);
void gql_v_no_unused_variables(gql_vctx *c, const gql_definition *op);
void gql_v_variables_in_allowed_position(gql_vctx *c, const gql_definition *op);

/* gql_validate_directives.c */
void gql_v_known_directive(gql_vctx *c, const gql_directive *d, gql_vdloc where);
/* scope: NULL for a fresh one (most nodes), else the map of the schema or type. */
void gql_v_unique_directives(gql_vctx *c, const gql_directive *dirs, gql_vmap *scope);
gql_vmap *gql_v_type_directive_scope(gql_vctx *c, const char *type_name);
void gql_v_known_directive_arguments(gql_vctx *c, const gql_directive *d);
void gql_v_required_directive_arguments(gql_vctx *c, const gql_directive *d);

/* gql_validate_values.c */
void gql_v_known_argument(gql_vctx *c, const gql_argument *arg);
void gql_v_unique_arguments(gql_vctx *c, const gql_argument *args);
/* ValuesOfCorrectType on entering a value; returns 1 to skip its children. */
int gql_v_values_enter(gql_vctx *c, const gql_value *v);
void gql_v_values_object_field(gql_vctx *c, const gql_object_field *f);
void gql_v_required_field_arguments(gql_vctx *c, const gql_selection *field);
void gql_v_unique_input_field(gql_vctx *c, gql_vmap *seen, const gql_object_field *f);

/* gql_validate_overlap.c */
void gql_v_overlapping_fields(gql_vctx *c, const gql_selection_set *ss);

/* gql_validate_limits.c: 0, or GQL_ELIMIT after appending the errors. */
int gql_v_check_limits(gql_vctx *c, const gql_validate_limits *limits);

#endif
