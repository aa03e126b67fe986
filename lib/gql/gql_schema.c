/* Schema builder: parses the built-in prelude and the SDL, makes one
 * gql_type per definition, sorts them by name for lookups, then resolves
 * every reference and checks what a broken schema would get wrong. All
 * errors are collected (not just the first) so a schema author sees them at
 * once. */
#include "config.h"

#include "gql/gql_schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_parser.h"

/* SDL bounds: the schema is our own file, so they are generous. */
#define GQL_SCHEMA_MAX_BYTES ((size_t)16 << 20)
#define GQL_SCHEMA_MAX_TOKENS ((size_t)4000000)

#define GQL_DEFAULT_DEPRECATION "No longer supported"

/* Built-in scalars and directives, parsed like any SDL. */
static const char gql_prelude[] =
    "\"The `Int` scalar type represents non-fractional signed whole numeric values. "
    "Int can represent values between -(2^31) and 2^31 - 1.\"\n"
    "scalar Int\n"
    "\"The `Float` scalar type represents signed double-precision fractional values "
    "as specified by [IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point).\"\n"
    "scalar Float\n"
    "\"The `String` scalar type represents textual data, represented as UTF-8 "
    "character sequences. The String type is most often used by GraphQL to represent "
    "free-form human-readable text.\"\n"
    "scalar String\n"
    "\"The `Boolean` scalar type represents `true` or `false`.\"\n"
    "scalar Boolean\n"
    "\"The `ID` scalar type represents a unique identifier, often used to refetch an "
    "object or as key for a cache. The ID type appears in a JSON response as a String; "
    "however, it is not intended to be human-readable. When expected as an input type, "
    "any string (such as `\\\"4\\\"`) or integer (such as `4`) input value will be "
    "accepted as an ID.\"\n"
    "scalar ID\n"
    "\"Directs the executor to include this field or fragment only when the `if` "
    "argument is true.\"\n"
    "directive @include(\"Included when true.\" if: Boolean!) "
    "on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "\"Directs the executor to skip this field or fragment when the `if` argument is "
    "true.\"\n"
    "directive @skip(\"Skipped when true.\" if: Boolean!) "
    "on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "\"Marks an element of a GraphQL schema as no longer supported.\"\n"
    "directive @deprecated(\"Explains why this element was deprecated, usually also "
    "including a suggestion for how to access supported similar data. Formatted using "
    "the Markdown syntax, as specified by [CommonMark](https://commonmark.org/).\" "
    "reason: String = \"No longer supported\") "
    "on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE\n"
    "\"Exposes a URL that specifies the behavior of this scalar.\"\n"
    "directive @specifiedBy(\"The URL that specifies the behavior of this scalar.\" "
    "url: String!) on SCALAR\n";

struct gql_schema {
    gql_arena *arena;      /* owns the schema's own structures */
    gql_document *prelude; /* parsed built-ins (names, defaults live here) */
    gql_document *doc;     /* parsed SDL (names, defaults live here) */
    gql_type **types;      /* ntypes types sorted by name */
    size_t ntypes;
    gql_directive_def *directives; /* ndirectives definitions, built-ins first */
    size_t ndirectives;
    const gql_type *roots[3]; /* query, mutation, subscription (or NULL) */
    const char *description;  /* schema description or NULL */
};

/* One type while building: the type and the definition it came from. */
typedef struct gql_entry {
    gql_type *type;
    const gql_definition *def;
} gql_entry;

typedef struct gql_builder {
    gql_schema *s;          /* schema being built */
    gql_error_list *errors; /* collected errors */
    int failed;             /* 1 once a schema error was reported */
    int oom;                /* 1 once an allocation failed */
    gql_entry *entries;     /* types sorted by name */
    size_t nentries;
} gql_builder;

static void gql_b_error(gql_builder *b, gql_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a schema error (building goes on to find more). */
static void gql_b_error(gql_builder *b, gql_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (gql_error_list_vadd(b->errors, NULL, 0, &loc, loc.line != 0 ? 1 : 0, fmt, ap) != 0)
        b->oom = 1;
    va_end(ap);
    b->failed = 1;
}

static void *gql_b_alloc(gql_builder *b, size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    if (size != 0 && n > SIZE_MAX / size) {
        b->oom = 1;
        return NULL;
    }
    void *p = gql_arena_calloc(b->s->arena, n * size);
    if (p == NULL)
        b->oom = 1;
    return p;
}

static int gql_entry_cmp(const void *a, const void *b)
{
    return strcmp(((const gql_entry *)a)->type->name, ((const gql_entry *)b)->type->name);
}

static int gql_type_cmp_key(const void *key, const void *elem)
{
    return strcmp((const char *)key, (*(gql_type *const *)elem)->name);
}

const gql_type *gql_schema_type(const gql_schema *s, const char *name)
{
    if (s == NULL || s->types == NULL || name == NULL)
        return NULL;
    gql_type **hit = bsearch(name, s->types, s->ntypes, sizeof(*s->types), gql_type_cmp_key);
    return hit != NULL ? *hit : NULL;
}

static const gql_directive *gql_find_directive(const gql_directive *d, const char *name)
{
    for (; d != NULL; d = d->next)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

static const gql_argument *gql_find_argument(const gql_argument *a, const char *name)
{
    for (; a != NULL; a = a->next)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

/* @deprecated(reason:) on an element: sets *dep and *reason. */
static void gql_deprecation(const gql_directive *dirs, int *dep, const char **reason)
{
    const gql_directive *d = gql_find_directive(dirs, "deprecated");
    if (d == NULL)
        return;
    *dep = 1;
    *reason = GQL_DEFAULT_DEPRECATION;
    const gql_argument *a = gql_find_argument(d->args, "reason");
    if (a != NULL && a->value->kind == GQL_VALUE_STRING)
        *reason = a->value->str;
}

/* Converts an AST type reference, resolving names; want_input says which
 * kind of position it is in. `what` names the position for messages. */
static const gql_typeref *gql_resolve(gql_builder *b, const gql_type_ref *r, int want_input, const char *what)
{
    gql_typeref *t = gql_b_alloc(b, 1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->kind = r->kind;
    if (r->kind != GQL_TYPE_NAMED) {
        t->of_type = gql_resolve(b, r->of_type, want_input, what);
        return t->of_type != NULL ? t : NULL;
    }
    t->named = gql_schema_type(b->s, r->name);
    if (t->named == NULL) {
        gql_b_error(b, r->loc, "Unknown type \"%s\".", r->name);
        return NULL;
    }
    if (want_input && !gql_type_is_input(t->named)) {
        gql_b_error(b, r->loc, "The type of %s must be Input Type but got: %s.", what, r->name);
        return NULL;
    }
    if (!want_input && !gql_type_is_output(t->named)) {
        gql_b_error(b, r->loc, "The type of %s must be Output Type but got: %s.", what, r->name);
        return NULL;
    }
    return t;
}

/* Argument definitions or input fields. `owner` names them in messages. */
static void gql_build_input_values(gql_builder *b, const gql_input_value_def *defs, gql_input_value **out,
                                   size_t *n, const char *owner, int is_arg)
{
    size_t count = 0;
    for (const gql_input_value_def *d = defs; d != NULL; d = d->next)
        count++;
    *n = 0;
    *out = gql_b_alloc(b, count, sizeof(gql_input_value));
    if (count > 0 && *out == NULL)
        return;
    for (const gql_input_value_def *d = defs; d != NULL; d = d->next) {
        char what[512];
        if (is_arg)
            snprintf(what, sizeof(what), "\"%s(%s:)\"", owner, d->name);
        else
            snprintf(what, sizeof(what), "\"%s.%s\"", owner, d->name);
        for (size_t i = 0; i < *n; i++)
            if (strcmp((*out)[i].name, d->name) == 0)
                gql_b_error(b, d->loc, "%s %s can only be defined once.", is_arg ? "Argument" : "Input field",
                            what);
        gql_input_value *v = &(*out)[(*n)++];
        v->name = d->name;
        v->description = d->description;
        v->default_value = d->default_value;
        v->type = gql_resolve(b, d->type, 1, what);
        gql_deprecation(d->directives, &v->deprecated, &v->deprecation_reason);
    }
}

static void gql_build_fields(gql_builder *b, gql_type *t, const gql_definition *def)
{
    size_t count = 0;
    for (const gql_field_def *f = def->fields; f != NULL; f = f->next)
        count++;
    if (count == 0) {
        gql_b_error(b, def->loc, "Type %s must define one or more fields.", t->name);
        return;
    }
    t->fields = gql_b_alloc(b, count, sizeof(gql_field));
    if (t->fields == NULL)
        return;
    for (const gql_field_def *f = def->fields; f != NULL; f = f->next) {
        char owner[512];
        snprintf(owner, sizeof(owner), "%s.%s", t->name, f->name);
        for (size_t i = 0; i < t->nfields; i++)
            if (strcmp(t->fields[i].name, f->name) == 0)
                gql_b_error(b, f->loc, "Field \"%s\" can only be defined once.", owner);
        gql_field *out = &t->fields[t->nfields++];
        out->name = f->name;
        out->description = f->description;
        char what[520];
        snprintf(what, sizeof(what), "\"%s\"", owner);
        out->type = gql_resolve(b, f->type, 0, what);
        gql_build_input_values(b, f->args, &out->args, &out->nargs, owner, 1);
        gql_deprecation(f->directives, &out->deprecated, &out->deprecation_reason);
    }
}

/* Resolves a list of names to types of the wanted kind. */
static void gql_build_type_list(gql_builder *b, const gql_type *owner, const gql_name_list *names,
                                gql_type_kind want, const gql_type ***out, size_t *n)
{
    size_t count = 0;
    for (const gql_name_list *l = names; l != NULL; l = l->next)
        count++;
    *out = gql_b_alloc(b, count, sizeof(gql_type *));
    if (count > 0 && *out == NULL)
        return;
    for (const gql_name_list *l = names; l != NULL; l = l->next) {
        const gql_type *t = gql_schema_type(b->s, l->name);
        if (t == NULL) {
            gql_b_error(b, l->loc, "Unknown type \"%s\".", l->name);
            continue;
        }
        if (t->kind != want) {
            if (want == GQL_KIND_INTERFACE)
                gql_b_error(b, l->loc,
                            "Type %s must only implement Interface types, it cannot "
                            "implement %s.",
                            owner->name, t->name);
            else
                gql_b_error(b, l->loc,
                            "Union type %s can only include Object types, it cannot "
                            "include %s.",
                            owner->name, t->name);
            continue;
        }
        for (size_t i = 0; i < *n; i++)
            if ((*out)[i] == t)
                gql_b_error(b, l->loc, "Type %s can only include %s once.", owner->name, t->name);
        (*out)[(*n)++] = t;
    }
}

static void gql_build_enum(gql_builder *b, gql_type *t, const gql_definition *def)
{
    size_t count = 0;
    for (const gql_enum_value_def *v = def->values; v != NULL; v = v->next)
        count++;
    if (count == 0) {
        gql_b_error(b, def->loc, "Enum type %s must define one or more values.", t->name);
        return;
    }
    t->values = gql_b_alloc(b, count, sizeof(gql_enum_value));
    if (t->values == NULL)
        return;
    for (const gql_enum_value_def *v = def->values; v != NULL; v = v->next) {
        for (size_t i = 0; i < t->nvalues; i++)
            if (strcmp(t->values[i].name, v->name) == 0)
                gql_b_error(b, v->loc, "Enum value \"%s.%s\" can only be defined once.", t->name, v->name);
        gql_enum_value *out = &t->values[t->nvalues++];
        out->name = v->name;
        out->description = v->description;
        gql_deprecation(v->directives, &out->deprecated, &out->deprecation_reason);
    }
}

static void gql_build_type(gql_builder *b, gql_entry *e)
{
    gql_type *t = e->type;
    const gql_definition *def = e->def;
    switch (t->kind) {
    case GQL_KIND_OBJECT:
    case GQL_KIND_INTERFACE:
        gql_build_type_list(b, t, def->interfaces, GQL_KIND_INTERFACE, &t->interfaces, &t->ninterfaces);
        gql_build_fields(b, t, def);
        break;
    case GQL_KIND_UNION:
        gql_build_type_list(b, t, def->members, GQL_KIND_OBJECT, &t->possible_types, &t->npossible_types);
        if (def->members == NULL)
            gql_b_error(b, def->loc, "Union type %s must define one or more member types.", t->name);
        break;
    case GQL_KIND_ENUM:
        gql_build_enum(b, t, def);
        break;
    case GQL_KIND_INPUT_OBJECT:
        if (def->input_fields == NULL)
            gql_b_error(b, def->loc, "Input Object type %s must define one or more fields.", t->name);
        gql_build_input_values(b, def->input_fields, &t->input_fields, &t->ninput_fields, t->name, 0);
        break;
    case GQL_KIND_SCALAR: {
        const gql_directive *d = gql_find_directive(def->directives, "specifiedBy");
        const gql_argument *a = d != NULL ? gql_find_argument(d->args, "url") : NULL;
        if (a != NULL && a->value->kind == GQL_VALUE_STRING)
            t->specified_by_url = a->value->str;
        break;
    }
    }
}

/* Each object implementing an interface becomes one of its possible types;
 * and it must provide every field of that interface. */
static void gql_link_interfaces(gql_builder *b)
{
    for (size_t i = 0; i < b->nentries; i++) {
        gql_type *t = b->entries[i].type;
        for (size_t k = 0; k < t->ninterfaces; k++) {
            gql_type *iface = (gql_type *)t->interfaces[k];
            for (size_t f = 0; f < iface->nfields; f++)
                if (gql_type_field(t, iface->fields[f].name) == NULL)
                    gql_b_error(b, b->entries[i].def->loc,
                                "Interface field %s.%s expected but %s does not "
                                "provide it.",
                                iface->name, iface->fields[f].name, t->name);
            if (t->kind == GQL_KIND_OBJECT)
                iface->npossible_types++;
        }
    }
    for (size_t i = 0; i < b->nentries; i++) {
        gql_type *t = b->entries[i].type;
        if (t->kind != GQL_KIND_INTERFACE || t->npossible_types == 0)
            continue;
        t->possible_types = gql_b_alloc(b, t->npossible_types, sizeof(gql_type *));
        t->npossible_types = 0;
    }
    for (size_t i = 0; i < b->nentries; i++) {
        gql_type *t = b->entries[i].type;
        if (t->kind != GQL_KIND_OBJECT)
            continue;
        for (size_t k = 0; k < t->ninterfaces; k++) {
            gql_type *iface = (gql_type *)t->interfaces[k];
            if (iface->possible_types != NULL)
                iface->possible_types[iface->npossible_types++] = t;
        }
    }
}

static unsigned gql_location_bit(const char *name)
{
    int i = gql_directive_location_index(name, strlen(name));
    return i < 0 ? 0 : 1u << i;
}

/* Checks directives applied in the SDL: known, allowed here, not repeated. */
static void gql_check_directives(gql_builder *b, const gql_directive *dirs, unsigned where,
                                 const char *where_name)
{
    for (const gql_directive *d = dirs; d != NULL; d = d->next) {
        const gql_directive_def *def = gql_schema_directive(b->s, d->name);
        if (def == NULL) {
            gql_b_error(b, d->loc, "Unknown directive \"@%s\".", d->name);
            continue;
        }
        if ((def->locations & where) == 0)
            gql_b_error(b, d->loc, "Directive \"@%s\" may not be used on %s.", d->name, where_name);
        if (!def->repeatable)
            for (const gql_directive *e = dirs; e != d; e = e->next)
                if (strcmp(e->name, d->name) == 0) {
                    gql_b_error(b, d->loc,
                                "The directive \"@%s\" can only be used once at "
                                "this location.",
                                d->name);
                    break;
                }
    }
}

static void gql_check_input_value_directives(gql_builder *b, const gql_input_value_def *v, int is_arg)
{
    for (; v != NULL; v = v->next)
        gql_check_directives(b, v->directives,
                             is_arg ? GQL_DLOC_ARGUMENT_DEFINITION : GQL_DLOC_INPUT_FIELD_DEFINITION,
                             is_arg ? "ARGUMENT_DEFINITION" : "INPUT_FIELD_DEFINITION");
}

static void gql_check_definition_directives(gql_builder *b, const gql_definition *d)
{
    static const struct {
        unsigned bit;
        const char *name;
    } where[] = {
        [GQL_DEF_SCHEMA] = {GQL_DLOC_SCHEMA, "SCHEMA"},
        [GQL_DEF_SCALAR] = {GQL_DLOC_SCALAR, "SCALAR"},
        [GQL_DEF_OBJECT] = {GQL_DLOC_OBJECT, "OBJECT"},
        [GQL_DEF_INTERFACE] = {GQL_DLOC_INTERFACE, "INTERFACE"},
        [GQL_DEF_UNION] = {GQL_DLOC_UNION, "UNION"},
        [GQL_DEF_ENUM] = {GQL_DLOC_ENUM, "ENUM"},
        [GQL_DEF_INPUT_OBJECT] = {GQL_DLOC_INPUT_OBJECT, "INPUT_OBJECT"},
        [GQL_DEF_DIRECTIVE] = {GQL_DLOC_DIRECTIVE_DEFINITION, "DIRECTIVE_DEFINITION"},
    };
    gql_check_directives(b, d->directives, where[d->kind].bit, where[d->kind].name);
    for (const gql_field_def *f = d->fields; f != NULL; f = f->next) {
        gql_check_directives(b, f->directives, GQL_DLOC_FIELD_DEFINITION, "FIELD_DEFINITION");
        gql_check_input_value_directives(b, f->args, 1);
    }
    for (const gql_enum_value_def *v = d->values; v != NULL; v = v->next)
        gql_check_directives(b, v->directives, GQL_DLOC_ENUM_VALUE, "ENUM_VALUE");
    gql_check_input_value_directives(b, d->input_fields, 0);
    gql_check_input_value_directives(b, d->args, 1);
}

/* Collects type entries and directive definitions from one document. */
static void gql_collect(gql_builder *b, const gql_document *doc, int builtin,
                        const gql_definition **schema_def)
{
    gql_schema *s = b->s;
    for (const gql_definition *d = doc->definitions; d != NULL && !b->oom; d = d->next) {
        if (d->kind == GQL_DEF_OPERATION || d->kind == GQL_DEF_FRAGMENT) {
            gql_b_error(b, d->loc, "The schema may only contain type-system definitions.");
            continue;
        }
        if (d->is_extension) {
            gql_b_error(b, d->loc, "Type system extensions are not supported.");
            continue;
        }
        if (d->kind == GQL_DEF_SCHEMA) {
            if (*schema_def != NULL)
                gql_b_error(b, d->loc, "Must provide only one schema definition.");
            else
                *schema_def = d;
            continue;
        }
        if (d->kind == GQL_DEF_DIRECTIVE) {
            if (gql_schema_directive(s, d->name) != NULL) {
                gql_b_error(b, d->name_loc, "There can be only one directive named \"@%s\".", d->name);
                continue;
            }
            gql_directive_def *dd = &s->directives[s->ndirectives++];
            dd->name = d->name;
            dd->description = d->description;
            dd->repeatable = d->repeatable;
            dd->builtin = builtin;
            for (const gql_name_list *l = d->locations; l != NULL; l = l->next)
                dd->locations |= gql_location_bit(l->name);
            continue;
        }
        if (!builtin && d->kind == GQL_DEF_SCALAR) {
            /* Restating a built-in scalar is harmless: keep the built-in. */
            int known = 0;
            for (size_t i = 0; i < b->nentries; i++)
                if (b->entries[i].type->builtin && strcmp(b->entries[i].type->name, d->name) == 0)
                    known = 1;
            if (known)
                continue;
        }
        if (strncmp(d->name, "__", 2) == 0)
            gql_b_error(b, d->name_loc,
                        "Name \"%s\" must not begin with \"__\", which is reserved by "
                        "GraphQL introspection.",
                        d->name);
        gql_type *t = gql_b_alloc(b, 1, sizeof(*t));
        if (t == NULL)
            return;
        static const gql_type_kind kinds[] = {
            [GQL_DEF_SCALAR] = GQL_KIND_SCALAR,       [GQL_DEF_OBJECT] = GQL_KIND_OBJECT,
            [GQL_DEF_INTERFACE] = GQL_KIND_INTERFACE, [GQL_DEF_UNION] = GQL_KIND_UNION,
            [GQL_DEF_ENUM] = GQL_KIND_ENUM,           [GQL_DEF_INPUT_OBJECT] = GQL_KIND_INPUT_OBJECT,
        };
        t->kind = kinds[d->kind];
        t->name = d->name;
        t->description = d->description;
        t->builtin = 0;
        if (builtin) {
            static const char *const codes[] = {
                [GQL_SCALAR_INT] = "Int",       [GQL_SCALAR_FLOAT] = "Float",
                [GQL_SCALAR_STRING] = "String", [GQL_SCALAR_BOOLEAN] = "Boolean",
                [GQL_SCALAR_ID] = "ID",
            };
            t->builtin = GQL_SCALAR_OTHER;
            for (int c = GQL_SCALAR_INT; c <= GQL_SCALAR_ID; c++)
                if (strcmp(d->name, codes[c]) == 0)
                    t->builtin = c;
        }
        b->entries[b->nentries].type = t;
        b->entries[b->nentries].def = d;
        b->nentries++;
    }
}

static void gql_build_roots(gql_builder *b, const gql_definition *schema_def)
{
    gql_schema *s = b->s;
    static const char *const defaults[] = {"Query", "Mutation", "Subscription"};
    if (schema_def != NULL) {
        s->description = schema_def->description;
        for (const gql_operation_type_def *o = schema_def->roots; o != NULL; o = o->next) {
            const gql_type *t = gql_schema_type(s, o->type_name);
            if (s->roots[o->operation] != NULL)
                gql_b_error(b, o->loc, "There can be only one %s type in schema.",
                            gql_operation_name(o->operation));
            else if (t == NULL)
                gql_b_error(b, o->loc, "Unknown type \"%s\".", o->type_name);
            else if (t->kind != GQL_KIND_OBJECT)
                gql_b_error(b, o->loc, "%s root type must be Object type, it cannot be %s.",
                            defaults[o->operation], o->type_name);
            else
                s->roots[o->operation] = t;
        }
    } else {
        for (int op = 0; op < 3; op++) {
            const gql_type *t = gql_schema_type(s, defaults[op]);
            if (t != NULL && t->kind == GQL_KIND_OBJECT)
                s->roots[op] = t;
        }
    }
    if (s->roots[GQL_OP_QUERY] == NULL && !b->failed)
        gql_b_error(b, (gql_loc){0, 0}, "Query root type must be provided.");
}

static int gql_schema_build_from(gql_builder *b, const char *src, size_t len)
{
    gql_schema *s = b->s;
    gql_limits lim = {GQL_SCHEMA_MAX_BYTES, GQL_SCHEMA_MAX_TOKENS, 0};
    int rc = gql_doc_parse(gql_prelude, sizeof(gql_prelude) - 1, NULL, &s->prelude, b->errors);
    if (rc != 0)
        return rc;
    rc = gql_doc_parse(src, len, &lim, &s->doc, b->errors);
    if (rc != 0)
        return rc;
    size_t ndefs = s->prelude->count + s->doc->count;
    b->entries = calloc(ndefs, sizeof(*b->entries));
    s->directives = gql_b_alloc(b, ndefs, sizeof(gql_directive_def));
    if (b->entries == NULL || s->directives == NULL) {
        b->oom = 1;
        return GQL_ENOMEM;
    }

    const gql_definition *schema_def = NULL;
    gql_collect(b, s->prelude, 1, &schema_def);
    gql_collect(b, s->doc, 0, &schema_def);
    if (b->oom)
        return GQL_ENOMEM;

    qsort(b->entries, b->nentries, sizeof(*b->entries), gql_entry_cmp);
    s->types = gql_b_alloc(b, b->nentries, sizeof(gql_type *));
    if (s->types == NULL)
        return GQL_ENOMEM;
    for (size_t i = 0; i < b->nentries; i++) {
        if (i > 0 && strcmp(b->entries[i - 1].type->name, b->entries[i].type->name) == 0)
            gql_b_error(b, b->entries[i].def->name_loc, "There can be only one type named \"%s\".",
                        b->entries[i].type->name);
        s->types[i] = b->entries[i].type;
    }
    s->ntypes = b->nentries;

    /* Directive arguments need the types, so they come after sorting. */
    size_t di = 0;
    for (int pass = 0; pass < 2; pass++) {
        const gql_document *doc = pass == 0 ? s->prelude : s->doc;
        for (const gql_definition *d = doc->definitions; d != NULL; d = d->next) {
            if (d->kind != GQL_DEF_DIRECTIVE || d->is_extension)
                continue;
            if (di < s->ndirectives && strcmp(s->directives[di].name, d->name) == 0) {
                char owner[300];
                snprintf(owner, sizeof(owner), "@%s", d->name);
                gql_build_input_values(b, d->args, &s->directives[di].args, &s->directives[di].nargs, owner,
                                       1);
                di++;
            }
        }
    }
    for (size_t i = 0; i < b->nentries && !b->oom; i++)
        gql_build_type(b, &b->entries[i]);
    if (b->oom)
        return GQL_ENOMEM;
    gql_link_interfaces(b);
    for (const gql_definition *d = s->doc->definitions; d != NULL; d = d->next)
        if (d->kind != GQL_DEF_OPERATION && d->kind != GQL_DEF_FRAGMENT)
            gql_check_definition_directives(b, d);
    gql_build_roots(b, schema_def);
    if (b->oom)
        return GQL_ENOMEM;
    return b->failed ? GQL_ESCHEMA : GQL_OK;
}

int gql_schema_build(const char *src, size_t len, gql_schema **out, gql_error_list *errors)
{
    gql_builder b;
    int rc;
    memset(&b, 0, sizeof(b));
    *out = NULL;
    b.errors = errors;
    gql_arena *arena = gql_arena_new();
    if (arena == NULL) {
        rc = GQL_ENOMEM;
        goto fail;
    }
    b.s = gql_arena_calloc(arena, sizeof(gql_schema));
    if (b.s == NULL) {
        gql_arena_free(arena);
        rc = GQL_ENOMEM;
        goto fail;
    }
    b.s->arena = arena;
    rc = gql_schema_build_from(&b, src, len);
    free(b.entries);
    if (rc != 0)
        goto fail;
    *out = b.s;
    return GQL_OK;
fail:
    if (rc == GQL_ENOMEM && (b.s == NULL || b.oom))
        gql_error_list_add(errors, NULL, 0, NULL, 0, "Out of memory while building the schema.");
    gql_schema_free(b.s);
    return rc;
}

int gql_schema_load_file(const char *path, gql_schema **out, gql_error_list *errors)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0;
    int rc = GQL_EIO;
    if (f == NULL)
        goto fail;
    if (fseek(f, 0, SEEK_END) != 0)
        goto fail;
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    if ((size_t)size > GQL_SCHEMA_MAX_BYTES) {
        rc = GQL_ELIMIT;
        goto fail;
    }
    buf = malloc((size_t)size + 1);
    if (buf == NULL) {
        rc = GQL_ENOMEM;
        goto fail;
    }
    len = fread(buf, 1, (size_t)size, f);
    if (len != (size_t)size || ferror(f))
        goto fail;
    fclose(f);
    f = NULL;
    rc = gql_schema_build(buf, len, out, errors);
    free(buf);
    return rc;
fail:
    if (f != NULL)
        fclose(f);
    free(buf);
    gql_error_list_add(errors, NULL, 0, NULL, 0, "Cannot read schema file \"%s\".", path);
    return rc;
}

void gql_schema_free(gql_schema *s)
{
    if (s == NULL)
        return;
    gql_doc_free(s->prelude);
    gql_doc_free(s->doc);
    gql_arena_free(s->arena); /* s itself lives in its arena */
}

size_t gql_schema_type_count(const gql_schema *s)
{
    return s == NULL ? 0 : s->ntypes;
}

const gql_type *gql_schema_type_at(const gql_schema *s, size_t i)
{
    return s != NULL && i < s->ntypes ? s->types[i] : NULL;
}

const gql_type *gql_schema_root(const gql_schema *s, gql_operation op)
{
    if (s == NULL || (unsigned)op > GQL_OP_SUBSCRIPTION)
        return NULL;
    return s->roots[op];
}

const gql_document *gql_schema_document(const gql_schema *s)
{
    return s->doc;
}

const char *gql_schema_description(const gql_schema *s)
{
    return s == NULL ? NULL : s->description;
}

const gql_directive_def *gql_schema_directive(const gql_schema *s, const char *name)
{
    if (s == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < s->ndirectives; i++)
        if (strcmp(s->directives[i].name, name) == 0)
            return &s->directives[i];
    return NULL;
}

const gql_directive_def *gql_schema_directives(const gql_schema *s, size_t *n)
{
    *n = s == NULL ? 0 : s->ndirectives;
    return s == NULL ? NULL : s->directives;
}

const gql_field *gql_type_field(const gql_type *t, const char *name)
{
    if (t == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < t->nfields; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    return NULL;
}

static const gql_input_value *gql_find_input_value(const gql_input_value *v, size_t n, const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

const gql_input_value *gql_field_arg(const gql_field *f, const char *name)
{
    return f == NULL ? NULL : gql_find_input_value(f->args, f->nargs, name);
}

const gql_input_value *gql_directive_arg(const gql_directive_def *d, const char *name)
{
    return d == NULL ? NULL : gql_find_input_value(d->args, d->nargs, name);
}

const gql_input_value *gql_type_input_field(const gql_type *t, const char *name)
{
    return t == NULL ? NULL : gql_find_input_value(t->input_fields, t->ninput_fields, name);
}

const gql_enum_value *gql_type_enum_value(const gql_type *t, const char *name)
{
    if (t == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < t->nvalues; i++)
        if (strcmp(t->values[i].name, name) == 0)
            return &t->values[i];
    return NULL;
}

int gql_schema_is_possible_type(const gql_type *t, const gql_type *obj)
{
    if (t == NULL || obj == NULL)
        return 0;
    if (t == obj)
        return 1;
    for (size_t i = 0; i < t->npossible_types; i++)
        if (t->possible_types[i] == obj)
            return 1;
    return 0;
}

int gql_type_is_input(const gql_type *t)
{
    return t != NULL &&
           (t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM || t->kind == GQL_KIND_INPUT_OBJECT);
}

int gql_type_is_output(const gql_type *t)
{
    return t != NULL && t->kind != GQL_KIND_INPUT_OBJECT;
}

int gql_type_is_leaf(const gql_type *t)
{
    return t != NULL && (t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM);
}

int gql_type_is_composite(const gql_type *t)
{
    return t != NULL &&
           (t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION);
}

int gql_type_is_abstract(const gql_type *t)
{
    return t != NULL && (t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION);
}

const gql_type *gql_typeref_named(const gql_typeref *r)
{
    while (r != NULL && r->kind != GQL_TYPE_NAMED)
        r = r->of_type;
    return r == NULL ? NULL : r->named;
}
