/* gql_validate_operations: the rules about operations as a whole:
 * ExecutableDefinitions, UniqueOperationNames, LoneAnonymousOperation and
 * SingleFieldSubscriptions (spec 5.1 and 5.2). */
#include "config.h"

#include <string.h>

#include "gql/gql_validate_private.h"

/* 5.1.1: only operations and fragments. */
void gql_v_executable_definitions(gql_vctx *c)
{
    for (const gql_definition *d = c->doc->definitions; d != NULL; d = d->next) {
        if (d->kind == GQL_DEF_OPERATION || d->kind == GQL_DEF_FRAGMENT)
            continue;
        if (d->kind == GQL_DEF_SCHEMA)
            gql_v_report(c, &d->loc, 1, "The schema definition is not executable.");
        else
            gql_v_report(c, &d->loc, 1, "The \"%s\" definition is not executable.", d->name);
    }
}

/* 5.2.1.1: operation names are unique. */
void gql_v_unique_operation_names(gql_vctx *c, const gql_definition *op)
{
    if (op->name == NULL)
        return;
    gql_v_unique_name(c, &c->op_names, "operation", op->name, &op->name_loc);
}

/* 5.2.2.1: an anonymous operation stands alone. */
void gql_v_lone_anonymous_operation(gql_vctx *c, const gql_definition *op)
{
    if (op->name == NULL && c->noperations > 1)
        gql_v_report(c, &op->loc, 1, "This anonymous operation must be the only defined operation.");
}

/* ---- 5.2.3.1: one root field per subscription ---- */

/* The `if` of the first @name directive: 1 true, 0 false, -1 not a literal
 * boolean (graphql-js would throw from validate; we ignore the directive). */
static int directive_if(const gql_directive *dirs, const char *name)
{
    for (const gql_directive *d = dirs; d != NULL; d = d->next) {
        if (strcmp(d->name, name) != 0)
            continue;
        const gql_value *v = NULL;
        for (const gql_argument *a = d->args; a != NULL; a = a->next)
            if (strcmp(a->name, "if") == 0)
                v = a->value;
        if (v == NULL || v->kind != GQL_VALUE_BOOLEAN)
            return -1;
        return v->boolean;
    }
    return -1;
}

static int should_include(const gql_directive *dirs)
{
    if (directive_if(dirs, "skip") == 1)
        return 0;
    if (directive_if(dirs, "include") == 0)
        return 0;
    return 1;
}

static int condition_matches(gql_vctx *c, const char *cond, const gql_type *type)
{
    if (cond == NULL)
        return 1;
    const gql_type *ct = gql_v_type(c, cond);
    if (ct == NULL)
        return 0;
    if (gql_v_same_type(ct, type))
        return 1;
    if (gql_type_is_abstract(ct))
        return gql_v_is_sub_type(ct, type);
    return 0;
}

typedef struct sub_fields {
    gql_vmap by_key;  /* response key -> gql_vvec * of fields */
    gql_vvec keys;    /* response keys in first-seen order */
    gql_vmap visited; /* fragment names already expanded */
} sub_fields;

static void collect_root_fields(gql_vctx *c, const gql_type *type, const gql_selection_set *ss,
                                sub_fields *sf)
{
    for (const gql_selection *s = ss->selections; s != NULL; s = s->next) {
        if (s->kind == GQL_SEL_FIELD) {
            if (!should_include(s->directives))
                continue;
            const char *key = s->alias != NULL ? s->alias : s->name;
            int created;
            gql_vmap_slot *e = gql_vmap_put(c, &sf->by_key, key, NULL, NULL, 0, &created);
            if (created) {
                e->val = gql_valloc(c, sizeof(gql_vvec));
                gql_vvec_push(c, &sf->keys, key);
            }
            gql_vvec_push(c, e->val, s);
        } else if (s->kind == GQL_SEL_INLINE_FRAGMENT) {
            if (!should_include(s->directives) || !condition_matches(c, s->type_condition, type))
                continue;
            collect_root_fields(c, type, s->selection_set, sf);
        } else {
            if (gql_vmap_find(&sf->visited, s->name, NULL, NULL, 0) != NULL || !should_include(s->directives))
                continue;
            gql_vmap_sset(c, &sf->visited, s->name, s);
            const gql_definition *f = gql_v_fragment(c, s->name);
            if (f == NULL || !condition_matches(c, f->type_condition, type))
                continue;
            collect_root_fields(c, type, f->selection_set, sf);
        }
    }
}

void gql_v_single_field_subscriptions(gql_vctx *c, const gql_definition *op)
{
    if (op->operation != GQL_OP_SUBSCRIPTION)
        return;
    const gql_type *sub = gql_schema_root(c->schema, GQL_OP_SUBSCRIPTION);
    if (sub == NULL)
        return;
    sub_fields sf;
    memset(&sf, 0, sizeof(sf));
    collect_root_fields(c, sub, op->selection_set, &sf);
    if (sf.keys.n > 1) {
        size_t n = 0;
        for (size_t k = 1; k < sf.keys.n; k++) {
            const gql_vvec *fs = gql_vmap_sget(&sf.by_key, sf.keys.items[k]);
            n += fs->n;
        }
        gql_loc *l = gql_valloc(c, n * sizeof(*l));
        n = 0;
        for (size_t k = 1; k < sf.keys.n; k++) {
            const gql_vvec *fs = gql_vmap_sget(&sf.by_key, sf.keys.items[k]);
            for (size_t i = 0; i < fs->n; i++)
                l[n++] = ((const gql_selection *)fs->items[i])->loc;
        }
        if (op->name != NULL)
            gql_v_report(c, l, n, "Subscription \"%s\" must select only one top level field.", op->name);
        else
            gql_v_report(c, l, n, "Anonymous Subscription must select only one top level field.");
    }
    for (size_t k = 0; k < sf.keys.n; k++) {
        const gql_vvec *fs = gql_vmap_sget(&sf.by_key, sf.keys.items[k]);
        const gql_selection *first = fs->items[0];
        if (strncmp(first->name, "__", 2) != 0)
            continue;
        gql_loc *l = gql_valloc(c, fs->n * sizeof(*l));
        for (size_t i = 0; i < fs->n; i++)
            l[i] = ((const gql_selection *)fs->items[i])->loc;
        if (op->name != NULL)
            gql_v_report(c, l, fs->n, "Subscription \"%s\" must not select an introspection top level field.",
                         op->name);
        else
            gql_v_report(c, l, fs->n,
                         "Anonymous Subscription must not select an introspection top level field.");
    }
}
