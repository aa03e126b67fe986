/* gql_validate_overlap: OverlappingFieldsCanBeMerged (spec 5.3.2), the
 * algorithm of graphql-js 16: fields are collected once per (parent type,
 * selection set); a fragment is compared with a set of fields once (per
 * mutual exclusivity), and a pair of fragments once, so that documents
 * reusing fragments do not blow up. What remains quadratic is comparing the
 * fields of one response name, bounded by the max_fields limit. */
#include "config.h"

#include <string.h>

#include "gql/gql_validate_private.h"

#define MAX_CONFLICT_DETAIL_LENGTH 1000
#define MAX_CONFLICT_NODES 20

typedef struct field_info {
    const gql_type *parent_type; /* type the field was selected on, may be NULL */
    const gql_selection *node;   /* the field */
    const gql_field *def;        /* its definition (no meta fields), or NULL */
    int simple_leaf;             /* no arguments and no selection set */
} field_info;

typedef struct collected {
    gql_vvec keys;       /* response names, first-seen order */
    gql_vmap groups;     /* response name -> gql_vvec * of field_info * */
    gql_vvec frag_names; /* interned fragment names spread directly, first-seen order */
    gql_vmap frag_seen;  /* dedup of frag_names */
    gql_vmap compared;   /* interned fragment name -> 1 compared non-exclusively, 2 exclusively */
} collected;

typedef struct conflict {
    const char *response_name;
    const char *reason;
    gql_vvec fields1; /* const gql_selection * */
    gql_vvec fields2;
} conflict;

struct gql_voverlap {
    gql_vmap names; /* fragment name -> interned copy (pointer identity) */
    gql_vmap pairs; /* (name1, name2) -> 1 non-exclusive, 2 exclusive */
    gql_vmap cache; /* (parent type, selection set) -> collected * */
};

static struct gql_voverlap *state(gql_vctx *c)
{
    if (c->overlap == NULL)
        c->overlap = gql_valloc(c, sizeof(*c->overlap));
    return c->overlap;
}

static const char *intern(gql_vctx *c, const char *name)
{
    gql_vmap_slot *e = gql_vmap_put(c, &state(c)->names, name, NULL, NULL, 0, NULL);
    if (e->val == NULL)
        e->val = (void *)(uintptr_t)name;
    return e->val;
}

static const char *abbreviate(gql_vctx *c, const char *text)
{
    if (strlen(text) <= MAX_CONFLICT_DETAIL_LENGTH)
        return text;
    gql_vbuf b = {0};
    gql_vbuf_add(c, &b, text, MAX_CONFLICT_DETAIL_LENGTH);
    gql_vbuf_puts(c, &b, "...");
    return gql_vbuf_str(c, &b);
}

/* ---- collecting fields ---- */

static void collect_impl(gql_vctx *c, const gql_type *parent, const gql_selection_set *ss, collected *r)
{
    for (const gql_selection *s = ss->selections; s != NULL; s = s->next) {
        switch (s->kind) {
        case GQL_SEL_FIELD: {
            field_info *fi = gql_valloc(c, sizeof(*fi));
            fi->parent_type = parent;
            fi->node = s;
            fi->def = gql_v_plain_field(parent, s->name);
            fi->simple_leaf = s->nargs == 0 && s->selection_set == NULL;
            const char *key = s->alias != NULL ? s->alias : s->name;
            int created;
            gql_vmap_slot *e = gql_vmap_put(c, &r->groups, key, NULL, NULL, 0, &created);
            if (created) {
                e->val = gql_valloc(c, sizeof(gql_vvec));
                gql_vvec_push(c, &r->keys, key);
            }
            gql_vvec_push(c, e->val, fi);
            break;
        }
        case GQL_SEL_FRAGMENT_SPREAD: {
            const char *name = intern(c, s->name);
            int created;
            gql_vmap_put(c, &r->frag_seen, NULL, name, NULL, 0, &created);
            if (created)
                gql_vvec_push(c, &r->frag_names, name);
            break;
        }
        case GQL_SEL_INLINE_FRAGMENT: {
            const gql_type *t = s->type_condition != NULL ? gql_v_type(c, s->type_condition) : parent;
            collect_impl(c, t, s->selection_set, r);
            break;
        }
        }
    }
}

static collected *collect(gql_vctx *c, const gql_type *parent, const gql_selection_set *ss)
{
    gql_vmap_slot *e = gql_vmap_put(c, &state(c)->cache, NULL, parent, ss, 0, NULL);
    if (e->val != NULL)
        return e->val;
    collected *r = gql_valloc(c, sizeof(*r));
    collect_impl(c, parent, ss, r);
    gql_vmap_put(c, &state(c)->cache, NULL, parent, ss, 0, NULL)->val = r;
    return r;
}

static collected *collect_fragment(gql_vctx *c, const gql_definition *f)
{
    return collect(c, gql_v_type(c, f->type_condition), f->selection_set);
}

/* ---- comparing ---- */

static void find_between_fields_and_fragment(gql_vctx *c, gql_vvec *out, int excl, collected *r,
                                             const char *frag_name);
static void find_between_fragments(gql_vctx *c, gql_vvec *out, int excl, const char *n1, const char *n2);
static conflict *find_conflict(gql_vctx *c, int parent_excl, const char *key, const field_info *f1,
                               const field_info *f2);

/* graphql-js stringifyValue equality. */
static int value_equal(gql_vctx *c, const gql_value *a, const gql_value *b);

/* Stable merge sort of object fields by name (Array.prototype.sort is stable). */
static void sort_fields(const gql_object_field **v, const gql_object_field **tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    sort_fields(v, tmp, h);
    sort_fields(v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = strcmp(v[j]->name, v[i]->name) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof(*v));
}

static const gql_object_field **sorted_fields(gql_vctx *c, const gql_value *v)
{
    const gql_object_field **arr = gql_valloc(c, v->count * sizeof(*arr));
    const gql_object_field **tmp = gql_valloc(c, v->count * sizeof(*tmp));
    size_t n = 0;
    for (const gql_object_field *f = v->fields; f != NULL; f = f->next)
        arr[n++] = f;
    sort_fields(arr, tmp, n);
    return arr;
}

static int object_equal(gql_vctx *c, const gql_value *a, const gql_value *b)
{
    if (a->count != b->count)
        return 0;
    if (a->count == 0)
        return 1;
    const gql_object_field **sa = sorted_fields(c, a), **sb = sorted_fields(c, b);
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(sa[i]->name, sb[i]->name) != 0 || !value_equal(c, sa[i]->value, sb[i]->value))
            return 0;
    return 1;
}

static int value_equal(gql_vctx *c, const gql_value *a, const gql_value *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case GQL_VALUE_VARIABLE:
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT:
    case GQL_VALUE_ENUM:
        return strcmp(a->str, b->str) == 0;
    case GQL_VALUE_STRING:
        return a->block == b->block && strcmp(a->str, b->str) == 0;
    case GQL_VALUE_BOOLEAN:
        return a->boolean == b->boolean;
    case GQL_VALUE_NULL:
        return 1;
    case GQL_VALUE_LIST: {
        if (a->count != b->count)
            return 0;
        const gql_value *x = a->items, *y = b->items;
        for (; x != NULL && y != NULL; x = x->next, y = y->next)
            if (!value_equal(c, x, y))
                return 0;
        return x == NULL && y == NULL;
    }
    case GQL_VALUE_OBJECT:
        return object_equal(c, a, b);
    }
    return 0;
}

static int same_arguments(gql_vctx *c, const gql_selection *f1, const gql_selection *f2)
{
    if (f1->nargs == 0)
        return f2->nargs == 0;
    if (f1->nargs != f2->nargs)
        return 0;
    for (const gql_argument *a = f1->args; a != NULL; a = a->next) {
        const gql_value *v2 = NULL;
        for (const gql_argument *b = f2->args; b != NULL; b = b->next)
            if (strcmp(a->name, b->name) == 0)
                v2 = b->value; /* the last one, as a Map keeps it */
        if (v2 == NULL || !value_equal(c, a->value, v2))
            return 0;
    }
    return 1;
}

static int types_conflict(const gql_typeref *t1, const gql_typeref *t2)
{
    if (t1->kind == GQL_TYPE_LIST)
        return t2->kind == GQL_TYPE_LIST ? types_conflict(t1->of_type, t2->of_type) : 1;
    if (t2->kind == GQL_TYPE_LIST)
        return 1;
    if (t1->kind == GQL_TYPE_NON_NULL)
        return t2->kind == GQL_TYPE_NON_NULL ? types_conflict(t1->of_type, t2->of_type) : 1;
    if (t2->kind == GQL_TYPE_NON_NULL)
        return 1;
    if (gql_type_is_leaf(t1->named) || gql_type_is_leaf(t2->named))
        return !gql_v_same_type(t1->named, t2->named);
    return 0;
}

static void find_within(gql_vctx *c, gql_vvec *out, collected *r)
{
    for (size_t k = 0; k < r->keys.n; k++) {
        const gql_vvec *fs = gql_vmap_sget(&r->groups, r->keys.items[k]);
        for (size_t i = 0; i < fs->n; i++)
            for (size_t j = i + 1; j < fs->n; j++) {
                conflict *x = find_conflict(c, 0, r->keys.items[k], fs->items[i], fs->items[j]);
                if (x != NULL)
                    gql_vvec_push(c, out, x);
            }
    }
}

static void find_between(gql_vctx *c, gql_vvec *out, int excl, collected *r1, collected *r2)
{
    if (r1->keys.n == 0 || r2->keys.n == 0)
        return;
    for (size_t k = 0; k < r1->keys.n; k++) {
        const gql_vvec *fs1 = gql_vmap_sget(&r1->groups, r1->keys.items[k]);
        const gql_vvec *fs2 = gql_vmap_sget(&r2->groups, r1->keys.items[k]);
        if (fs2 == NULL)
            continue;
        for (size_t i = 0; i < fs1->n; i++)
            for (size_t j = 0; j < fs2->n; j++) {
                conflict *x = find_conflict(c, excl, r1->keys.items[k], fs1->items[i], fs2->items[j]);
                if (x != NULL)
                    gql_vvec_push(c, out, x);
            }
    }
}

static void find_between_fields_and_fragment(gql_vctx *c, gql_vvec *out, int excl, collected *r,
                                             const char *frag_name)
{
    if (r->keys.n == 0)
        return;
    gql_vmap_slot *e = gql_vmap_put(c, &r->compared, NULL, frag_name, NULL, 0, NULL);
    uintptr_t was = (uintptr_t)e->val;
    if (was == 1 || (excl && was == 2))
        return;
    e->val = (void *)(uintptr_t)(excl ? 2 : 1);
    const gql_definition *f = gql_v_fragment(c, frag_name);
    if (f == NULL)
        return;
    collected *r2 = collect_fragment(c, f);
    if (r2 == r)
        return;
    find_between(c, out, excl, r, r2);
    for (size_t i = 0; i < r2->frag_names.n; i++)
        find_between_fields_and_fragment(c, out, excl, r, r2->frag_names.items[i]);
}

static int pair_has(gql_vctx *c, const char *a, const char *b, int excl)
{
    for (int dir = 0; dir < 2; dir++) {
        gql_vmap_slot *e = gql_vmap_find(&state(c)->pairs, NULL, dir ? b : a, dir ? a : b, 0);
        if (e != NULL && (excl || (uintptr_t)e->val == 1))
            return 1;
    }
    return 0;
}

static void find_between_fragments(gql_vctx *c, gql_vvec *out, int excl, const char *n1, const char *n2)
{
    if (n1 == n2)
        return;
    if (pair_has(c, n1, n2, excl))
        return;
    gql_vmap_put(c, &state(c)->pairs, NULL, n1, n2, 0, NULL)->val = (void *)(uintptr_t)(excl ? 2 : 1);
    const gql_definition *f1 = gql_v_fragment(c, n1), *f2 = gql_v_fragment(c, n2);
    if (f1 == NULL || f2 == NULL)
        return;
    collected *r1 = collect_fragment(c, f1), *r2 = collect_fragment(c, f2);
    find_between(c, out, excl, r1, r2);
    for (size_t i = 0; i < r2->frag_names.n; i++)
        find_between_fragments(c, out, excl, n1, r2->frag_names.items[i]);
    for (size_t i = 0; i < r1->frag_names.n; i++)
        find_between_fragments(c, out, excl, r1->frag_names.items[i], n2);
}

static void find_between_sub_selections(gql_vctx *c, gql_vvec *out, int excl, const gql_type *t1,
                                        const gql_selection_set *ss1, const gql_type *t2,
                                        const gql_selection_set *ss2)
{
    collected *r1 = collect(c, t1, ss1), *r2 = collect(c, t2, ss2);
    find_between(c, out, excl, r1, r2);
    for (size_t i = 0; i < r2->frag_names.n; i++)
        find_between_fields_and_fragment(c, out, excl, r1, r2->frag_names.items[i]);
    for (size_t i = 0; i < r1->frag_names.n; i++)
        find_between_fields_and_fragment(c, out, excl, r2, r1->frag_names.items[i]);
    for (size_t i = 0; i < r1->frag_names.n; i++)
        for (size_t j = 0; j < r2->frag_names.n; j++)
            find_between_fragments(c, out, excl, r1->frag_names.items[i], r2->frag_names.items[j]);
}

static conflict *new_conflict(gql_vctx *c, const char *key, const char *reason, const gql_selection *n1,
                              const gql_selection *n2)
{
    conflict *x = gql_valloc(c, sizeof(*x));
    x->response_name = key;
    x->reason = reason;
    gql_vvec_push(c, &x->fields1, n1);
    gql_vvec_push(c, &x->fields2, n2);
    return x;
}

static void conflict_nodes(gql_vctx *c, gql_vvec *nodes, const gql_selection *node, const gql_vvec *subs,
                           int side)
{
    gql_vvec_push(c, nodes, node);
    for (size_t i = 0; i < subs->n; i++) {
        const conflict *x = subs->items[i];
        const gql_vvec *fs = side == 1 ? &x->fields1 : &x->fields2;
        size_t remaining = MAX_CONFLICT_NODES - nodes->n;
        size_t from = fs->n > remaining ? fs->n - remaining : 0;
        for (size_t k = from; k < fs->n; k++)
            gql_vvec_push(c, nodes, fs->items[k]);
        if (nodes->n == MAX_CONFLICT_NODES)
            break;
    }
}

static conflict *subfield_conflicts(gql_vctx *c, const gql_vvec *subs, const char *key,
                                    const gql_selection *n1, const gql_selection *n2)
{
    if (subs->n == 0)
        return NULL;
    gql_vbuf msg = {0};
    for (size_t i = 0; i < subs->n; i++) {
        const conflict *x = subs->items[i];
        gql_vbuf_printf(c, &msg, "%ssubfields \"%s\" conflict because %s", msg.n == 0 ? "" : " and ",
                        abbreviate(c, x->response_name), x->reason);
        if (msg.n > MAX_CONFLICT_DETAIL_LENGTH)
            break;
    }
    conflict *x = gql_valloc(c, sizeof(*x));
    x->response_name = key;
    x->reason = abbreviate(c, gql_vbuf_str(c, &msg));
    conflict_nodes(c, &x->fields1, n1, subs, 1);
    conflict_nodes(c, &x->fields2, n2, subs, 2);
    return x;
}

static conflict *find_conflict(gql_vctx *c, int parent_excl, const char *key, const field_info *f1,
                               const field_info *f2)
{
    const gql_type *p1 = f1->parent_type, *p2 = f2->parent_type;
    int excl = parent_excl || (!gql_v_same_type(p1, p2) && p1 != NULL && p2 != NULL &&
                               p1->kind == GQL_KIND_OBJECT && p2->kind == GQL_KIND_OBJECT);
    const gql_typeref *t1 = f1->def != NULL ? f1->def->type : NULL;
    const gql_typeref *t2 = f2->def != NULL ? f2->def->type : NULL;
    const gql_selection *n1 = f1->node, *n2 = f2->node;
    if (f1->simple_leaf && f2->simple_leaf && gql_v_typeref_equal(t1, t2) && strcmp(n1->name, n2->name) == 0)
        return NULL;
    if (!excl) {
        if (strcmp(n1->name, n2->name) != 0) {
            gql_vbuf r = {0};
            gql_vbuf_printf(c, &r, "\"%s\" and \"%s\" are different fields", abbreviate(c, n1->name),
                            abbreviate(c, n2->name));
            return new_conflict(c, key, gql_vbuf_str(c, &r), n1, n2);
        }
        if (!same_arguments(c, n1, n2))
            return new_conflict(c, key, "they have differing arguments", n1, n2);
    }
    if (t1 != NULL && t2 != NULL && types_conflict(t1, t2)) {
        gql_vbuf r = {0};
        gql_vbuf_printf(c, &r, "they return conflicting types \"%s\" and \"%s\"", gql_v_typeref_str(c, t1),
                        gql_v_typeref_str(c, t2));
        return new_conflict(c, key, gql_vbuf_str(c, &r), n1, n2);
    }
    if (n1->selection_set != NULL && n2->selection_set != NULL) {
        gql_vvec subs = {0};
        find_between_sub_selections(c, &subs, excl, gql_v_named(t1), n1->selection_set, gql_v_named(t2),
                                    n2->selection_set);
        return subfield_conflicts(c, &subs, key, n1, n2);
    }
    return NULL;
}

void gql_v_overlapping_fields(gql_vctx *c, const gql_selection_set *ss)
{
    if (ss->count <= 1 && ss->selections->kind != GQL_SEL_INLINE_FRAGMENT)
        return;
    const gql_type *parent = gql_vvec_top(&c->ti->parents);
    gql_vvec out = {0};
    collected *r = collect(c, parent, ss);
    find_within(c, &out, r);
    if (r->frag_names.n != 0 && (r->keys.n != 0 || r->frag_names.n > 1)) {
        for (size_t i = 0; i < r->frag_names.n; i++) {
            find_between_fields_and_fragment(c, &out, 0, r, r->frag_names.items[i]);
            for (size_t j = i + 1; j < r->frag_names.n; j++)
                find_between_fragments(c, &out, 0, r->frag_names.items[i], r->frag_names.items[j]);
        }
    }
    for (size_t i = 0; i < out.n; i++) {
        const conflict *x = out.items[i];
        size_t n = x->fields1.n + x->fields2.n;
        gql_loc *locs = gql_valloc(c, n * sizeof(*locs));
        for (size_t k = 0; k < x->fields1.n; k++)
            locs[k] = ((const gql_selection *)x->fields1.items[k])->loc;
        for (size_t k = 0; k < x->fields2.n; k++)
            locs[x->fields1.n + k] = ((const gql_selection *)x->fields2.items[k])->loc;
        gql_v_report(c, locs, n,
                     "Fields \"%s\" conflict because %s. Use different aliases on the fields to fetch both "
                     "if this was intentional.",
                     abbreviate(c, x->response_name), x->reason);
    }
}
