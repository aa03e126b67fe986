/* gql_validate_fields: rules about fields and the types they name:
 * KnownTypeNames (5.8.?/5.5.1.2 type references), ScalarLeafs (5.3.3),
 * FieldsOnCorrectType (5.3.1) and graphql-js's recommended
 * MaxIntrospectionDepth. */
#include "config.h"

#include <string.h>

#include "gql/gql_suggest.h"
#include "gql/gql_validate_private.h"

static const char *const standard_scalars[] = {"String", "Int", "Float", "Boolean", "ID"};

static int is_standard_type(const char *name)
{
    for (size_t i = 0; i < sizeof(standard_scalars) / sizeof(standard_scalars[0]); i++)
        if (strcmp(standard_scalars[i], name) == 0)
            return 1;
    for (size_t i = 0; i < gql_v_nintrospection_names; i++)
        if (strcmp(gql_v_introspection_names[i], name) == 0)
            return 1;
    return 0;
}

void gql_v_known_type_names(gql_vctx *c, const char *name, gql_loc loc)
{
    if (gql_v_type(c, name) != NULL || gql_vmap_find(&c->doc_types, name, NULL, NULL, 0))
        return;
    if (c->in_sdl && is_standard_type(name))
        return;
    const gql_vvec *names = gql_v_type_names(c);
    gql_vvec options = {0};
    if (c->in_sdl) {
        for (size_t i = 0; i < sizeof(standard_scalars) / sizeof(standard_scalars[0]); i++)
            gql_vvec_push(c, &options, standard_scalars[i]);
        for (size_t i = 0; i < gql_v_nintrospection_names; i++)
            gql_vvec_push(c, &options, gql_v_introspection_names[i]);
    }
    for (size_t i = 0; i < names->n; i++)
        gql_vvec_push(c, &options, names->items[i]);
    gql_vvec sugg = {0};
    gql_v_suggest(c, name, (const char *const *)options.items, options.n, &sugg);
    gql_v_report(c, &loc, 1, "Unknown type \"%s\".%s", name, gql_v_did_you_mean(c, NULL, &sugg));
}

void gql_v_scalar_leafs(gql_vctx *c, const gql_selection *field)
{
    const gql_typeref *type = gql_vvec_top(&c->ti->types);
    if (type == NULL)
        return;
    if (gql_type_is_leaf(gql_v_named(type))) {
        if (field->selection_set != NULL)
            gql_v_report(c, &field->selection_set->loc, 1,
                         "Field \"%s\" must not have a selection since type \"%s\" has no subfields.",
                         field->name, gql_v_typeref_str(c, type));
    } else if (field->selection_set == NULL) {
        gql_v_report(
            c, &field->loc, 1,
            "Field \"%s\" of type \"%s\" must have a selection of subfields. Did you mean \"%s { ... }\"?",
            field->name, gql_v_typeref_str(c, type), field->name);
    }
}

/* ---- FieldsOnCorrectType ---- */

typedef struct suggested_type {
    const gql_type *type; /* an object or interface defining the field */
    size_t usage;         /* how many possible types it covers */
} suggested_type;

static int suggested_cmp(const suggested_type *a, const suggested_type *b)
{
    if (a->usage != b->usage)
        return a->usage < b->usage ? 1 : -1;
    if (a->type->kind == GQL_KIND_INTERFACE && gql_v_is_sub_type(a->type, b->type))
        return -1;
    if (b->type->kind == GQL_KIND_INTERFACE && gql_v_is_sub_type(b->type, a->type))
        return 1;
    return gql_natural_compare(a->type->name, b->type->name);
}

static void suggested_add(gql_vctx *c, gql_vvec *list, gql_vmap *index, const gql_type *t)
{
    int created;
    gql_vmap_slot *e = gql_vmap_put(c, index, NULL, t, NULL, 0, &created);
    if (created) {
        suggested_type *s = gql_valloc(c, sizeof(*s));
        s->type = t;
        e->val = s;
        gql_vvec_push(c, list, s);
    }
    ((suggested_type *)e->val)->usage++;
}

/* graphql-js getSuggestedTypeNames: types on which the field exists. */
static void suggested_type_names(gql_vctx *c, const gql_type *type, const char *field, gql_vvec *out)
{
    if (!gql_type_is_abstract(type))
        return;
    gql_vvec list = {0};
    gql_vmap index = {0};
    for (size_t i = 0; i < type->npossible_types; i++) {
        const gql_type *pt = type->possible_types[i];
        if (gql_v_plain_field(pt, field) == NULL)
            continue;
        suggested_add(c, &list, &index, pt);
        for (size_t k = 0; k < pt->ninterfaces; k++)
            if (gql_v_plain_field(pt->interfaces[k], field) != NULL)
                suggested_add(c, &list, &index, pt->interfaces[k]);
    }
    /* Stable insertion sort with graphql-js's comparator. */
    for (size_t i = 1; i < list.n; i++) {
        void *x = list.items[i];
        size_t j = i;
        while (j > 0 && suggested_cmp(list.items[j - 1], x) > 0) {
            list.items[j] = list.items[j - 1];
            j--;
        }
        list.items[j] = x;
    }
    for (size_t i = 0; i < list.n; i++)
        gql_vvec_push(c, out, ((suggested_type *)list.items[i])->type->name);
}

void gql_v_fields_on_correct_type(gql_vctx *c, const gql_selection *field)
{
    const gql_type *parent = gql_vvec_top(&c->ti->parents);
    if (parent == NULL || gql_vvec_top(&c->ti->fields) != NULL)
        return;
    gql_vvec types = {0};
    suggested_type_names(c, parent, field->name, &types);
    const char *hint = gql_v_did_you_mean(c, "to use an inline fragment on", &types);
    if (hint[0] == '\0' && (parent->kind == GQL_KIND_OBJECT || parent->kind == GQL_KIND_INTERFACE)) {
        const char **names = gql_valloc(c, (parent->nfields + 1) * sizeof(*names));
        for (size_t i = 0; i < parent->nfields; i++)
            names[i] = parent->fields[i].name;
        gql_vvec sugg = {0};
        gql_v_suggest(c, field->name, names, parent->nfields, &sugg);
        hint = gql_v_did_you_mean(c, NULL, &sugg);
    }
    gql_v_report(c, &field->loc, 1, "Cannot query field \"%s\" on type \"%s\".%s", field->name, parent->name,
                 hint);
}

/* ---- MaxIntrospectionDepth ---- */

#define GQL_V_MAX_LISTS_DEPTH 3

static int check_depth_set(gql_vctx *c, const gql_selection_set *ss, gql_vmap *visited, long depth);

static long depth_get(const gql_vmap *m, const char *name)
{
    gql_vmap_slot *e = gql_vmap_find(m, name, NULL, NULL, 0);
    return e == NULL ? -1 : (long)(uintptr_t)e->val - 1;
}

static void depth_set(gql_vctx *c, gql_vmap *m, const char *name, long depth)
{
    gql_vmap_sset(c, m, name, (const void *)(uintptr_t)(depth + 1));
}

static int check_depth(gql_vctx *c, const gql_selection *s, gql_vmap *visited, long depth)
{
    if (s->kind == GQL_SEL_FRAGMENT_SPREAD) {
        long exceeded = depth_get(&c->mid_exceeded, s->name);
        if (exceeded >= 0 && exceeded <= depth)
            return 1;
        long seen = depth_get(visited, s->name);
        long checked = depth_get(&c->mid_checked, s->name);
        if ((seen >= 0 && seen >= depth) || (checked >= 0 && checked >= depth))
            return 0;
        const gql_definition *f = gql_v_fragment(c, s->name);
        if (f == NULL)
            return 0;
        depth_set(c, visited, s->name, depth);
        if (check_depth_set(c, f->selection_set, visited, depth)) {
            depth_set(c, &c->mid_exceeded, s->name, depth);
            return 1;
        }
        depth_set(c, &c->mid_checked, s->name, depth);
        return 0;
    }
    if (s->kind == GQL_SEL_FIELD &&
        (strcmp(s->name, "fields") == 0 || strcmp(s->name, "interfaces") == 0 ||
         strcmp(s->name, "possibleTypes") == 0 || strcmp(s->name, "inputFields") == 0)) {
        depth++;
        if (depth >= GQL_V_MAX_LISTS_DEPTH)
            return 1;
    }
    return s->selection_set != NULL && check_depth_set(c, s->selection_set, visited, depth);
}

static int check_depth_set(gql_vctx *c, const gql_selection_set *ss, gql_vmap *visited, long depth)
{
    for (const gql_selection *s = ss->selections; s != NULL; s = s->next)
        if (check_depth(c, s, visited, depth))
            return 1;
    return 0;
}

void gql_v_max_introspection_depth(gql_vctx *c, const gql_selection *field, int *skip)
{
    if (strcmp(field->name, "__schema") != 0 && strcmp(field->name, "__type") != 0)
        return;
    gql_vmap visited = {0};
    if (check_depth(c, field, &visited, 0)) {
        gql_v_report(c, &field->loc, 1, "Maximum introspection depth exceeded");
        *skip = 1;
    }
}
