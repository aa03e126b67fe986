/* Introspection resolvers. A __Type is a JSON object carrying its scalar
 * fields (kind, name, description, specifiedByURL, isOneOf, ofType); the
 * list fields (fields, interfaces, possibleTypes, enumValues, inputFields)
 * are resolved from the schema by the type's name when asked for, so a
 * query pays only for what it selects. Types are listed in the order
 * graphql-js's GraphQLSchema gives them (SDL order, built-in scalars where
 * first referenced, introspection types last). */
#include "config.h"

#include "gql/gql_introspect.h"

#include <stdlib.h>
#include <string.h>

#include "gql/gql_coerce.h"
#include "gql/gql_validate_meta.h"

/* `ofType { name kind INNER }` at indentation IND, as graphql-js prints it. */
#define GQL_OFTYPE(IND, INNER) IND "ofType {\n" IND "  name\n" IND "  kind\n" INNER IND "}\n"

const char gql_introspection_query[] = "query IntrospectionQuery {\n"
                                       "  __schema {\n"
                                       "    description\n"
                                       "    queryType { name kind }\n"
                                       "    mutationType { name kind }\n"
                                       "    subscriptionType { name kind }\n"
                                       "    types {\n"
                                       "      ...FullType\n"
                                       "    }\n"
                                       "    directives {\n"
                                       "      name\n"
                                       "      description\n"
                                       "      isRepeatable\n"
                                       "      locations\n"
                                       "      args(includeDeprecated: true) {\n"
                                       "        ...InputValue\n"
                                       "      }\n"
                                       "    }\n"
                                       "  }\n"
                                       "}\n"
                                       "fragment FullType on __Type {\n"
                                       "  kind\n"
                                       "  name\n"
                                       "  description\n"
                                       "  specifiedByURL\n"
                                       "  fields(includeDeprecated: true) {\n"
                                       "    name\n"
                                       "    description\n"
                                       "    args(includeDeprecated: true) {\n"
                                       "      ...InputValue\n"
                                       "    }\n"
                                       "    type {\n"
                                       "      ...TypeRef\n"
                                       "    }\n"
                                       "    isDeprecated\n"
                                       "    deprecationReason\n"
                                       "  }\n"
                                       "  inputFields(includeDeprecated: true) {\n"
                                       "    ...InputValue\n"
                                       "  }\n"
                                       "  interfaces {\n"
                                       "    ...TypeRef\n"
                                       "  }\n"
                                       "  enumValues(includeDeprecated: true) {\n"
                                       "    name\n"
                                       "    description\n"
                                       "    isDeprecated\n"
                                       "    deprecationReason\n"
                                       "  }\n"
                                       "  possibleTypes {\n"
                                       "    ...TypeRef\n"
                                       "  }\n"
                                       "}\n"
                                       "fragment InputValue on __InputValue {\n"
                                       "  name\n"
                                       "  description\n"
                                       "  type { ...TypeRef }\n"
                                       "  defaultValue\n"
                                       "  isDeprecated\n"
                                       "  deprecationReason\n"
                                       "}\n"
                                       "fragment TypeRef on __Type {\n"
                                       "  kind\n"
                                       "  name\n"
    /* nine levels of ofType, each indented two more */
    GQL_OFTYPE(
        "  ",
        GQL_OFTYPE(
            "    ",
            GQL_OFTYPE("      ",
                       GQL_OFTYPE("        ",
                                  GQL_OFTYPE("          ",
                                             GQL_OFTYPE("            ",
                                                        GQL_OFTYPE("              ",
                                                                   GQL_OFTYPE("                ",
                                                                              GQL_OFTYPE("                  ",
                                                                                         ""))))))))) "}\n";

/* Descriptions of the introspection types (graphql-js 16). */
static const struct {
    const char *type, *member, *text;
} gql_meta_desc[] = {
    {"__Schema", NULL,
     "A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types and "
     "directives on the server, as well as the entry points for query, mutation, and subscription "
     "operations."},
    {"__Schema", "types", "A list of all types supported by this server."},
    {"__Schema", "queryType", "The type that query operations will be rooted at."},
    {"__Schema", "mutationType",
     "If this server supports mutation, the type that mutation operations will be rooted at."},
    {"__Schema", "subscriptionType",
     "If this server support subscription, the type that subscription operations will be rooted at."},
    {"__Schema", "directives", "A list of all directives supported by this server."},
    {"__Type", NULL,
     "The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in GraphQL as "
     "represented by the `__TypeKind` enum.\n\nDepending on the kind of a type, certain fields describe "
     "information about that type. Scalar types provide no information beyond a name, description and "
     "optional `specifiedByURL`, while Enum types provide their values. Object and Interface types provide "
     "the fields they describe. Abstract types, Union and Interface, provide the Object types possible at "
     "runtime. List and NonNull types compose other types."},
    {"__TypeKind", NULL, "An enum describing what kind of type a given `__Type` is."},
    {"__TypeKind", "SCALAR", "Indicates this type is a scalar."},
    {"__TypeKind", "OBJECT", "Indicates this type is an object. `fields` and `interfaces` are valid fields."},
    {"__TypeKind", "INTERFACE",
     "Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields."},
    {"__TypeKind", "UNION", "Indicates this type is a union. `possibleTypes` is a valid field."},
    {"__TypeKind", "ENUM", "Indicates this type is an enum. `enumValues` is a valid field."},
    {"__TypeKind", "INPUT_OBJECT", "Indicates this type is an input object. `inputFields` is a valid field."},
    {"__TypeKind", "LIST", "Indicates this type is a list. `ofType` is a valid field."},
    {"__TypeKind", "NON_NULL", "Indicates this type is a non-null. `ofType` is a valid field."},
    {"__Field", NULL,
     "Object and Interface types are described by a list of Fields, each of which has a name, potentially a "
     "list of arguments, and a return type."},
    {"__InputValue", NULL,
     "Arguments provided to Fields or Directives and the input fields of an InputObject are represented as "
     "Input Values which describe their type and optionally a default value."},
    {"__InputValue", "defaultValue",
     "A GraphQL-formatted string representing the default value for this input value."},
    {"__EnumValue", NULL,
     "One possible value for a given Enum. Enum values are unique values, not a placeholder for a string or "
     "numeric value. However an Enum value is returned in a JSON response as a string."},
    {"__Directive", NULL,
     "A Directive provides a way to describe alternate runtime execution and type validation behavior in a "
     "GraphQL document.\n\nIn some cases, you need to provide options to alter GraphQL's execution behavior "
     "in ways field arguments will not suffice, such as conditionally including or skipping a field. "
     "Directives provide this by describing additional information to the executor."},
    {"__DirectiveLocation", NULL,
     "A Directive can be adjacent to many parts of the GraphQL language, a __DirectiveLocation describes one "
     "such possible adjacencies."},
    {"__DirectiveLocation", "QUERY", "Location adjacent to a query operation."},
    {"__DirectiveLocation", "MUTATION", "Location adjacent to a mutation operation."},
    {"__DirectiveLocation", "SUBSCRIPTION", "Location adjacent to a subscription operation."},
    {"__DirectiveLocation", "FIELD", "Location adjacent to a field."},
    {"__DirectiveLocation", "FRAGMENT_DEFINITION", "Location adjacent to a fragment definition."},
    {"__DirectiveLocation", "FRAGMENT_SPREAD", "Location adjacent to a fragment spread."},
    {"__DirectiveLocation", "INLINE_FRAGMENT", "Location adjacent to an inline fragment."},
    {"__DirectiveLocation", "VARIABLE_DEFINITION", "Location adjacent to a variable definition."},
    {"__DirectiveLocation", "SCHEMA", "Location adjacent to a schema definition."},
    {"__DirectiveLocation", "SCALAR", "Location adjacent to a scalar definition."},
    {"__DirectiveLocation", "OBJECT", "Location adjacent to an object type definition."},
    {"__DirectiveLocation", "FIELD_DEFINITION", "Location adjacent to a field definition."},
    {"__DirectiveLocation", "ARGUMENT_DEFINITION", "Location adjacent to an argument definition."},
    {"__DirectiveLocation", "INTERFACE", "Location adjacent to an interface definition."},
    {"__DirectiveLocation", "UNION", "Location adjacent to a union definition."},
    {"__DirectiveLocation", "ENUM", "Location adjacent to an enum definition."},
    {"__DirectiveLocation", "ENUM_VALUE", "Location adjacent to an enum value definition."},
    {"__DirectiveLocation", "INPUT_OBJECT", "Location adjacent to an input object type definition."},
    {"__DirectiveLocation", "INPUT_FIELD_DEFINITION",
     "Location adjacent to an input object field definition."},
    {"__DirectiveLocation", "DIRECTIVE_DEFINITION", "Location adjacent to a directive definition."},
};

/* graphql-js's built-in directives as it lists them (our SDL prelude has
 * the same arguments; locations are listed in graphql-js's order). */
static const struct {
    const char *name;         /* directive name */
    const char *locations[6]; /* NULL-terminated */
} gql_builtin_dirs[] = {
    {"include", {"FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT", NULL}},
    {"skip", {"FIELD", "FRAGMENT_SPREAD", "INLINE_FRAGMENT", NULL}},
    {"deprecated",
     {"FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INPUT_FIELD_DEFINITION", "ENUM_VALUE",
      "DIRECTIVE_DEFINITION", NULL}},
    {"specifiedBy", {"SCALAR", NULL}},
};

static const char *const gql_kind_names[] = {
    [GQL_KIND_SCALAR] = "SCALAR", [GQL_KIND_OBJECT] = "OBJECT", [GQL_KIND_INTERFACE] = "INTERFACE",
    [GQL_KIND_UNION] = "UNION",   [GQL_KIND_ENUM] = "ENUM",     [GQL_KIND_INPUT_OBJECT] = "INPUT_OBJECT",
};

static int gql_is_meta(const gql_type *t)
{
    for (size_t i = 0; i < gql_v_nintrospection_types; i++)
        if (gql_v_introspection_types[i] == t)
            return 1;
    return 0;
}

static const gql_type *gql_meta_type(const char *name)
{
    for (size_t i = 0; i < gql_v_nintrospection_types; i++)
        if (strcmp(gql_v_introspection_types[i]->name, name) == 0)
            return gql_v_introspection_types[i];
    return NULL;
}

static const char *gql_meta_text(const char *type, const char *member)
{
    for (size_t i = 0; i < sizeof(gql_meta_desc) / sizeof(gql_meta_desc[0]); i++)
        if (strcmp(gql_meta_desc[i].type, type) == 0 &&
            (member == NULL
                 ? gql_meta_desc[i].member == NULL
                 : gql_meta_desc[i].member != NULL && strcmp(gql_meta_desc[i].member, member) == 0))
            return gql_meta_desc[i].text;
    return NULL;
}

/* The schema's own type for built-in scalars the meta tables point at. */
static const gql_type *gql_canon(const gql_schema *s, const gql_type *t)
{
    if (t->builtin) {
        const gql_type *c = gql_schema_type(s, t->name);
        if (c != NULL)
            return c;
    }
    return t;
}

static const gql_type *gql_lookup(const gql_schema *s, const char *name)
{
    const gql_type *t = gql_schema_type(s, name);
    return t != NULL ? t : gql_meta_type(name);
}

/* ---- JSON helpers: each returns 0 or -1 (out of memory) ---- */

static int gql_jput(json_object *o, const char *k, json_object *v)
{
    if (json_object_object_add(o, k, v) != 0) {
        json_object_put(v);
        return -1;
    }
    return 0;
}

static int gql_jstr(json_object *o, const char *k, const char *s)
{
    if (s == NULL)
        return gql_jput(o, k, NULL);
    json_object *v = json_object_new_string(s);
    return v == NULL ? -1 : gql_jput(o, k, v);
}

static int gql_jbool(json_object *o, const char *k, int b)
{
    json_object *v = json_object_new_boolean(b);
    return v == NULL ? -1 : gql_jput(o, k, v);
}

static int gql_jpush(json_object *arr, json_object *v)
{
    if (v == NULL || json_object_array_add(arr, v) != 0) {
        json_object_put(v);
        return -1;
    }
    return 0;
}

/* ---- __Type, __Field, __InputValue values ---- */

static json_object *gql_named_json(const gql_schema *s, const gql_type *t)
{
    t = gql_canon(s, t);
    json_object *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    const char *desc = gql_is_meta(t) ? gql_meta_text(t->name, NULL) : t->description;
    if (gql_jstr(o, "kind", gql_kind_names[t->kind]) != 0 || gql_jstr(o, "name", t->name) != 0 ||
        gql_jstr(o, "description", desc) != 0 || gql_jstr(o, "specifiedByURL", t->specified_by_url) != 0 ||
        (t->kind == GQL_KIND_INPUT_OBJECT ? gql_jbool(o, "isOneOf", 0) : gql_jput(o, "isOneOf", NULL)) != 0 ||
        gql_jput(o, "ofType", NULL) != 0) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static json_object *gql_ref_json(const gql_schema *s, const gql_typeref *r)
{
    if (r->kind == GQL_TYPE_NAMED)
        return gql_named_json(s, r->named);
    json_object *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    json_object *of = gql_ref_json(s, r->of_type);
    if (of == NULL || gql_jput(o, "ofType", of) != 0 ||
        gql_jstr(o, "kind", r->kind == GQL_TYPE_LIST ? "LIST" : "NON_NULL") != 0 ||
        gql_jput(o, "name", NULL) != 0 || gql_jput(o, "description", NULL) != 0 ||
        gql_jput(o, "specifiedByURL", NULL) != 0 || gql_jput(o, "isOneOf", NULL) != 0) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

static json_object *gql_input_json(const gql_schema *s, const gql_input_value *iv)
{
    json_object *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    char *def = NULL;
    if (iv->default_value != NULL) {
        json_object *v = NULL;
        int oom = 0;
        int rc = gql_coerce_literal(iv->default_value, iv->type, NULL, 0, &v);
        if (rc < 0)
            goto fail;
        if (rc == 0)
            def = gql_coerce_print_value(v, iv->type, &oom);
        json_object_put(v);
        if (oom)
            goto fail;
    }
    json_object *type = gql_ref_json(s, iv->type);
    if (type == NULL || gql_jstr(o, "name", iv->name) != 0) {
        json_object_put(type);
        goto fail;
    }
    if (gql_jstr(o, "description", iv->description) != 0 || gql_jput(o, "type", type) != 0 ||
        gql_jstr(o, "defaultValue", def) != 0 || gql_jbool(o, "isDeprecated", iv->deprecated) != 0 ||
        gql_jstr(o, "deprecationReason", iv->deprecation_reason) != 0)
        goto fail;
    free(def);
    return o;
fail:
    free(def);
    json_object_put(o);
    return NULL;
}

static json_object *gql_inputs_json(const gql_schema *s, const gql_input_value *ivs, size_t n)
{
    json_object *arr = json_object_new_array();
    if (arr == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (gql_jpush(arr, gql_input_json(s, &ivs[i])) != 0) {
            json_object_put(arr);
            return NULL;
        }
    return arr;
}

static json_object *gql_field_json(const gql_schema *s, const gql_type *t, const gql_field *f)
{
    json_object *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    const char *desc = gql_is_meta(t) ? gql_meta_text(t->name, f->name) : f->description;
    json_object *args = gql_inputs_json(s, f->args, f->nargs);
    if (args == NULL || gql_jstr(o, "name", f->name) != 0) {
        json_object_put(args);
        goto fail;
    }
    if (gql_jstr(o, "description", desc) != 0 || gql_jput(o, "args", args) != 0 ||
        gql_jput(o, "type", gql_ref_json(s, f->type)) != 0 || json_object_object_get(o, "type") == NULL ||
        gql_jbool(o, "isDeprecated", f->deprecated) != 0 ||
        gql_jstr(o, "deprecationReason", f->deprecation_reason) != 0)
        goto fail;
    return o;
fail:
    json_object_put(o);
    return NULL;
}

/* ---- the type list, in graphql-js's order ---- */

typedef struct gql_tlist {
    const gql_type **v; /* types in order */
    size_t n, cap;      /* used, allocated */
    int oom;            /* 1 once an allocation failed */
} gql_tlist;

static int gql_tlist_has(const gql_tlist *l, const gql_type *t)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] == t)
            return 1;
    return 0;
}

static void gql_tlist_push(gql_tlist *l, const gql_type *t)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        const gql_type **v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL) {
            l->oom = 1;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = t;
}

static void gql_walk(const gql_schema *s, gql_tlist *out, const gql_tlist *config, const gql_type *t,
                     int force);

static void gql_walk_ref(const gql_schema *s, gql_tlist *out, const gql_tlist *config, const gql_typeref *r)
{
    gql_walk(s, out, config, gql_typeref_named(r), 0);
}

/* collectReferencedTypes: adds t (unless seen) and what it references. */
static void gql_walk(const gql_schema *s, gql_tlist *out, const gql_tlist *config, const gql_type *t,
                     int force)
{
    t = gql_canon(s, t);
    if (!force && (gql_tlist_has(config, t) || gql_tlist_has(out, t)))
        return;
    gql_tlist_push(out, t);
    if (t->kind == GQL_KIND_UNION) {
        for (size_t i = 0; i < t->npossible_types; i++)
            gql_walk(s, out, config, t->possible_types[i], 0);
    } else if (t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE) {
        for (size_t i = 0; i < t->ninterfaces; i++)
            gql_walk(s, out, config, t->interfaces[i], 0);
        for (size_t i = 0; i < t->nfields; i++) {
            gql_walk_ref(s, out, config, t->fields[i].type);
            for (size_t j = 0; j < t->fields[i].nargs; j++)
                gql_walk_ref(s, out, config, t->fields[i].args[j].type);
        }
    } else if (t->kind == GQL_KIND_INPUT_OBJECT) {
        for (size_t i = 0; i < t->ninput_fields; i++)
            gql_walk_ref(s, out, config, t->input_fields[i].type);
    }
}

/* Directives in graphql-js's order: the SDL's, then the built-ins. */
static size_t gql_directive_order(const gql_schema *s, const gql_directive_def **out, size_t cap)
{
    size_t n = 0;
    const gql_document *doc = gql_schema_document(s);
    for (const gql_definition *d = doc->definitions; d != NULL && n < cap; d = d->next)
        if (d->kind == GQL_DEF_DIRECTIVE) {
            const gql_directive_def *dd = gql_schema_directive(s, d->name);
            if (dd != NULL && !dd->builtin)
                out[n++] = dd;
        }
    for (size_t i = 0; i < sizeof(gql_builtin_dirs) / sizeof(gql_builtin_dirs[0]) && n < cap; i++) {
        const gql_directive_def *dd = gql_schema_directive(s, gql_builtin_dirs[i].name);
        if (dd != NULL)
            out[n++] = dd;
    }
    return n;
}

static int gql_type_order(const gql_schema *s, gql_tlist *out)
{
    gql_tlist config = {0};
    const gql_document *doc = gql_schema_document(s);
    for (const gql_definition *d = doc->definitions; d != NULL; d = d->next) {
        if (d->kind < GQL_DEF_SCALAR || d->kind > GQL_DEF_INPUT_OBJECT || d->is_extension)
            continue;
        const gql_type *t = gql_schema_type(s, d->name);
        if (t != NULL && !gql_tlist_has(&config, t))
            gql_tlist_push(&config, t);
    }
    for (size_t i = 0; i < config.n; i++)
        gql_walk(s, out, &config, config.v[i], 1);
    for (int op = GQL_OP_QUERY; op <= GQL_OP_SUBSCRIPTION; op++)
        if (gql_schema_root(s, (gql_operation)op) != NULL)
            gql_walk(s, out, &config, gql_schema_root(s, (gql_operation)op), 0);
    const gql_directive_def *dirs[256];
    size_t nd = gql_directive_order(s, dirs, 256);
    for (size_t i = 0; i < nd; i++)
        for (size_t j = 0; j < dirs[i]->nargs; j++)
            gql_walk_ref(s, out, &config, dirs[i]->args[j].type);
    gql_walk(s, out, &config, gql_meta_type("__Schema"), 0);
    int oom = config.oom || out->oom;
    free(config.v);
    return oom ? GQL_ENOMEM : 0;
}

/* ---- resolvers ---- */

/* The named type a __Type value stands for, or NULL for wrappers. */
static const gql_type *gql_parent_type(gql_resolve_info *info)
{
    json_object *name = NULL;
    if (!json_object_object_get_ex(info->parent, "name", &name) || name == NULL)
        return NULL;
    return gql_lookup(info->schema, json_object_get_string(name));
}

static int gql_include_deprecated(gql_resolve_info *info)
{
    json_object *v = NULL;
    return json_object_object_get_ex(info->args, "includeDeprecated", &v) && json_object_get_boolean(v);
}

static int gql_r_schema(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)info;
    (void)ctx;
    *out = json_object_new_object();
    return *out == NULL ? GQL_ENOMEM : 0;
}

static int gql_r_type(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    json_object *name = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(info->args, "name", &name) || name == NULL)
        return 0;
    const gql_type *t = gql_lookup(info->schema, json_object_get_string(name));
    if (t == NULL)
        return 0;
    *out = gql_named_json(info->schema, t);
    return *out == NULL ? GQL_ENOMEM : 0;
}

static int gql_r_schema_description(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    const char *d = gql_schema_description(info->schema);
    *out = d != NULL ? json_object_new_string(d) : NULL;
    return d != NULL && *out == NULL ? GQL_ENOMEM : 0;
}

static int gql_r_types(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    gql_tlist l = {0};
    *out = NULL;
    int rc = gql_type_order(info->schema, &l);
    json_object *arr = rc == 0 ? json_object_new_array_ext((int)l.n) : NULL;
    for (size_t i = 0; arr != NULL && i < l.n; i++)
        if (gql_jpush(arr, gql_named_json(info->schema, l.v[i])) != 0) {
            json_object_put(arr);
            arr = NULL;
        }
    free(l.v);
    *out = arr;
    return arr == NULL ? GQL_ENOMEM : 0;
}

static int gql_r_root(gql_resolve_info *info, gql_operation op, json_object **out)
{
    const gql_type *t = gql_schema_root(info->schema, op);
    *out = t != NULL ? gql_named_json(info->schema, t) : NULL;
    return t != NULL && *out == NULL ? GQL_ENOMEM : 0;
}

static int gql_r_query_type(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    return gql_r_root(info, GQL_OP_QUERY, out);
}

static int gql_r_mutation_type(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    return gql_r_root(info, GQL_OP_MUTATION, out);
}

static int gql_r_subscription_type(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    return gql_r_root(info, GQL_OP_SUBSCRIPTION, out);
}

static json_object *gql_directive_json(const gql_schema *s, const gql_directive_def *d)
{
    json_object *o = json_object_new_object();
    json_object *locs = json_object_new_array();
    json_object *args = gql_inputs_json(s, d->args, d->nargs);
    if (o == NULL || locs == NULL || args == NULL)
        goto fail;
    if (gql_jstr(o, "name", d->name) != 0 || gql_jstr(o, "description", d->description) != 0 ||
        gql_jbool(o, "isRepeatable", d->repeatable) != 0)
        goto fail;
    int done = 0;
    for (size_t i = 0; i < sizeof(gql_builtin_dirs) / sizeof(gql_builtin_dirs[0]); i++)
        if (d->builtin && strcmp(gql_builtin_dirs[i].name, d->name) == 0) {
            for (size_t j = 0; gql_builtin_dirs[i].locations[j] != NULL; j++)
                if (gql_jpush(locs, json_object_new_string(gql_builtin_dirs[i].locations[j])) != 0)
                    goto fail;
            done = 1;
        }
    const gql_document *doc = gql_schema_document(s);
    for (const gql_definition *def = doc->definitions; def != NULL && !done; def = def->next)
        if (def->kind == GQL_DEF_DIRECTIVE && strcmp(def->name, d->name) == 0) {
            for (const gql_name_list *l = def->locations; l != NULL; l = l->next)
                if (gql_jpush(locs, json_object_new_string(l->name)) != 0)
                    goto fail;
            done = 1;
        }
    if (json_object_object_add(o, "locations", locs) != 0)
        goto fail;
    locs = NULL;
    if (json_object_object_add(o, "args", args) != 0)
        goto fail;
    args = NULL;
    if (gql_jbool(o, "isDeprecated", 0) != 0 || gql_jput(o, "deprecationReason", NULL) != 0)
        goto fail;
    return o;
fail:
    json_object_put(o);
    json_object_put(locs);
    json_object_put(args);
    return NULL;
}

static int gql_r_directives(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    const gql_directive_def *dirs[256];
    size_t nd = gql_directive_order(info->schema, dirs, 256);
    json_object *arr = json_object_new_array();
    *out = NULL;
    if (arr == NULL)
        return GQL_ENOMEM;
    for (size_t i = 0; i < nd; i++)
        if (gql_jpush(arr, gql_directive_json(info->schema, dirs[i])) != 0)
            goto fail;
    /* graphql-js 16.15 also lists @oneOf, which our SDL prelude lacks. */
    static const gql_directive_def one_of = {
        "oneOf", "Indicates exactly one field must be supplied and this field must not be `null`.",
        NULL,    0,
        0,       GQL_DLOC_INPUT_OBJECT,
        0};
    json_object *o = gql_directive_json(info->schema, &one_of);
    if (o != NULL) {
        json_object *locs = json_object_new_array();
        if (gql_jpush(locs, json_object_new_string("INPUT_OBJECT")) != 0 ||
            gql_jput(o, "locations", locs) != 0) {
            json_object_put(o);
            o = NULL;
        }
    }
    if (gql_jpush(arr, o) != 0)
        goto fail;
    *out = arr;
    return 0;
fail:
    json_object_put(arr);
    return GQL_ENOMEM;
}

/* Entry i of a __Type list of t (`all`: includeDeprecated): 0 with *o (NULL
 * to leave a deprecated entry out), 1 past the last entry, GQL_ENOMEM. */
typedef int (*gql_entry_fn)(const gql_schema *s, const gql_type *t, size_t i, int all, json_object **o);

/* __Type.fields, .interfaces, .enumValues, .inputFields: null unless the
 * parent type's kind is in `kinds` (a mask of 1 << kind), else the array of
 * its entries. */
static int gql_type_list(gql_resolve_info *info, unsigned kinds, gql_entry_fn entry, json_object **out)
{
    const gql_type *t = gql_parent_type(info);
    *out = NULL;
    if (t == NULL || !(kinds & (1u << t->kind)))
        return 0;
    int all = gql_include_deprecated(info);
    json_object *arr = json_object_new_array();
    if (arr == NULL)
        return GQL_ENOMEM;
    int rc = 0;
    for (size_t i = 0; rc == 0; i++) {
        json_object *o = NULL;
        rc = entry(info->schema, t, i, all, &o);
        if (rc == 0 && o != NULL && gql_jpush(arr, o) != 0)
            rc = GQL_ENOMEM;
    }
    if (rc < 0) {
        json_object_put(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

static int gql_entry_done(json_object *o)
{
    return o == NULL ? GQL_ENOMEM : 0;
}

static int gql_field_entry(const gql_schema *s, const gql_type *t, size_t i, int all, json_object **o)
{
    if (i >= t->nfields)
        return 1;
    if (!all && t->fields[i].deprecated)
        return 0;
    return gql_entry_done(*o = gql_field_json(s, t, &t->fields[i]));
}

static int gql_interface_entry(const gql_schema *s, const gql_type *t, size_t i, int all, json_object **o)
{
    (void)all;
    if (i >= t->ninterfaces)
        return 1;
    return gql_entry_done(*o = gql_named_json(s, t->interfaces[i]));
}

static int gql_enum_value_entry(const gql_schema *s, const gql_type *t, size_t i, int all, json_object **o)
{
    (void)s;
    if (i >= t->nvalues)
        return 1;
    const gql_enum_value *v = &t->values[i];
    if (!all && v->deprecated)
        return 0;
    const char *desc = gql_is_meta(t) ? gql_meta_text(t->name, v->name) : v->description;
    if ((*o = json_object_new_object()) == NULL || gql_jstr(*o, "name", v->name) != 0 ||
        gql_jstr(*o, "description", desc) != 0 || gql_jbool(*o, "isDeprecated", v->deprecated) != 0 ||
        gql_jstr(*o, "deprecationReason", v->deprecation_reason) != 0) {
        json_object_put(*o);
        *o = NULL;
        return GQL_ENOMEM;
    }
    return 0;
}

static int gql_input_field_entry(const gql_schema *s, const gql_type *t, size_t i, int all, json_object **o)
{
    if (i >= t->ninput_fields)
        return 1;
    if (!all && t->input_fields[i].deprecated)
        return 0;
    return gql_entry_done(*o = gql_input_json(s, &t->input_fields[i]));
}

static int gql_r_fields(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    return gql_type_list(info, 1u << GQL_KIND_OBJECT | 1u << GQL_KIND_INTERFACE, gql_field_entry, out);
}

static int gql_r_interfaces(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    return gql_type_list(info, 1u << GQL_KIND_OBJECT | 1u << GQL_KIND_INTERFACE, gql_interface_entry, out);
}

static int gql_r_enum_values(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    return gql_type_list(info, 1u << GQL_KIND_ENUM, gql_enum_value_entry, out);
}

static int gql_r_input_fields(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    return gql_type_list(info, 1u << GQL_KIND_INPUT_OBJECT, gql_input_field_entry, out);
}

static int gql_r_possible_types(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    const gql_type *t = gql_parent_type(info);
    *out = NULL;
    if (t == NULL || !gql_type_is_abstract(t))
        return 0;
    json_object *arr = json_object_new_array();
    if (arr == NULL)
        return GQL_ENOMEM;
    if (t->kind == GQL_KIND_UNION) {
        for (size_t i = 0; i < t->npossible_types; i++)
            if (gql_jpush(arr, gql_named_json(info->schema, t->possible_types[i])) != 0)
                goto fail;
    } else { /* implementations, in the schema's type order */
        gql_tlist l = {0};
        if (gql_type_order(info->schema, &l) != 0) {
            free(l.v);
            goto fail;
        }
        for (size_t i = 0; i < l.n; i++)
            if (l.v[i]->kind == GQL_KIND_OBJECT && gql_schema_is_possible_type(t, l.v[i]) &&
                gql_jpush(arr, gql_named_json(info->schema, l.v[i])) != 0) {
                free(l.v);
                goto fail;
            }
        free(l.v);
    }
    *out = arr;
    return 0;
fail:
    json_object_put(arr);
    return GQL_ENOMEM;
}

/* __Field.args and __Directive.args: the values hold every argument. */
static int gql_r_args(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    json_object *all = NULL;
    *out = NULL;
    if (!json_object_object_get_ex(info->parent, "args", &all) || all == NULL)
        return 0;
    if (gql_include_deprecated(info)) {
        *out = json_object_get(all);
        return 0;
    }
    json_object *arr = json_object_new_array();
    if (arr == NULL)
        return GQL_ENOMEM;
    size_t n = json_object_array_length(all);
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_array_get_idx(all, i);
        json_object *dep = NULL;
        if (json_object_object_get_ex(a, "isDeprecated", &dep) && json_object_get_boolean(dep))
            continue;
        if (gql_jpush(arr, json_object_get(a)) != 0) {
            json_object_put(arr);
            return GQL_ENOMEM;
        }
    }
    *out = arr;
    return 0;
}

int gql_introspect_register(gql_resolvers *r)
{
    static const struct {
        const char *type, *field; /* meta type and field */
        gql_resolver_fn fn;       /* its resolver */
    } table[] = {
        {"__Schema", "description", gql_r_schema_description},
        {"__Schema", "types", gql_r_types},
        {"__Schema", "queryType", gql_r_query_type},
        {"__Schema", "mutationType", gql_r_mutation_type},
        {"__Schema", "subscriptionType", gql_r_subscription_type},
        {"__Schema", "directives", gql_r_directives},
        {"__Type", "fields", gql_r_fields},
        {"__Type", "interfaces", gql_r_interfaces},
        {"__Type", "possibleTypes", gql_r_possible_types},
        {"__Type", "enumValues", gql_r_enum_values},
        {"__Type", "inputFields", gql_r_input_fields},
        {"__Field", "args", gql_r_args},
        {"__Directive", "args", gql_r_args},
    };
    int rc = gql_resolvers_add_field(r, &gql_v_schema_field, gql_r_schema);
    if (rc == 0)
        rc = gql_resolvers_add_field(r, &gql_v_type_field, gql_r_type);
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && rc == 0; i++) {
        const gql_type *t = gql_meta_type(table[i].type);
        const gql_field *f = t != NULL ? gql_type_field(t, table[i].field) : NULL;
        rc = f != NULL ? gql_resolvers_add_field(r, f, table[i].fn) : GQL_EINVAL;
    }
    return rc;
}

/* ---- introspection switched off ---- */

static int gql_forbid_walk(const gql_schema *s, const gql_selection_set *ss, const gql_type *t,
                           gql_error_list *errs)
{
    int n = 0;
    for (const gql_selection *sel = ss->selections; sel != NULL; sel = sel->next) {
        const gql_selection_set *sub = sel->selection_set;
        const gql_type *st = t;
        if (sel->kind == GQL_SEL_FRAGMENT_SPREAD)
            continue;
        if (sel->kind == GQL_SEL_INLINE_FRAGMENT) {
            if (sel->type_condition != NULL)
                st = gql_lookup(s, sel->type_condition);
        } else {
            const gql_field *f = NULL;
            if (t != NULL && t == gql_schema_root(s, GQL_OP_QUERY) && strcmp(sel->name, "__schema") == 0)
                f = &gql_v_schema_field;
            else if (t != NULL && t == gql_schema_root(s, GQL_OP_QUERY) && strcmp(sel->name, "__type") == 0)
                f = &gql_v_type_field;
            else if (t != NULL)
                f = gql_type_field(t, sel->name);
            st = f != NULL ? gql_typeref_named(f->type) : NULL;
            if (st != NULL && gql_is_meta(st)) {
                if (gql_error_list_add(errs, NULL, 0, &sel->loc, 1,
                                       "GraphQL introspection has been disabled, but the "
                                       "requested query contained the field \"%s\".",
                                       sel->name) != 0)
                    return GQL_ENOMEM;
                n++;
            }
        }
        if (sub != NULL) {
            int k = gql_forbid_walk(s, sub, st, errs);
            if (k < 0)
                return k;
            n += k;
        }
    }
    return n;
}

int gql_introspect_forbid(const gql_schema *s, const gql_document *doc, gql_error_list *errs)
{
    int n = 0;
    for (const gql_definition *d = doc->definitions; d != NULL; d = d->next) {
        const gql_type *t = NULL;
        if (d->kind == GQL_DEF_OPERATION)
            t = gql_schema_root(s, d->operation);
        else if (d->kind == GQL_DEF_FRAGMENT)
            t = gql_lookup(s, d->type_condition);
        else
            continue;
        int k = gql_forbid_walk(s, d->selection_set, t, errs);
        if (k < 0)
            return k;
        n += k;
    }
    return n;
}
