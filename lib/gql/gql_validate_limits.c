/* gql_validate_limits: the size limits checked before the rules (see
 * gql_validate_limits in gql_validate.h). Counts are taken with fragments
 * expanded, each fragment measured once (memoized), so a document of a few
 * hundred bytes that expands to billions of fields is measured in linear
 * time and refused. A fragment being measured that is reached again (a cycle)
 * counts as empty: NoFragmentCycles reports it. Fragment spreads nested
 * deeper than GQL_VALIDATE_MAX_SPREAD_DEPTH are refused too, which bounds the
 * recursion of every later rule. */
#include "config.h"

#include <string.h>

#include "gql/gql_validate_private.h"

/* Chains of fragments spreading fragments, deeper than this, are refused. */
#define GQL_VALIDATE_MAX_SPREAD_DEPTH 64u

typedef struct stats {
    size_t fields;  /* field selections, saturating */
    size_t aliases; /* aliased fields, saturating */
    size_t depth;   /* deepest field, 1 for `{ a }` */
} stats;

typedef struct frag_stats {
    int state; /* 0 not measured, 1 being measured, 2 done */
    stats s;   /* result when done */
} frag_stats;

typedef struct lctx {
    gql_vctx *c;
    gql_vmap frags;       /* fragment definition -> frag_stats * */
    size_t spread_depth;  /* current nesting of spreads */
    int too_deep_spreads; /* the spread depth limit was hit */
    gql_loc spread_loc;   /* where */
} lctx;

static size_t sat_add(size_t a, size_t b)
{
    return a > (size_t)-1 - b ? (size_t)-1 : a + b;
}

static void merge(stats *into, const stats *s)
{
    into->fields = sat_add(into->fields, s->fields);
    into->aliases = sat_add(into->aliases, s->aliases);
    if (s->depth > into->depth)
        into->depth = s->depth;
}

static void measure_set(lctx *l, const gql_selection_set *ss, stats *out);

static frag_stats *measure_fragment(lctx *l, const gql_definition *f, gql_loc at)
{
    gql_vmap_slot *e = gql_vmap_put(l->c, &l->frags, NULL, f, NULL, 0, NULL);
    if (e->val == NULL)
        e->val = gql_valloc(l->c, sizeof(frag_stats));
    frag_stats *fs = e->val;
    if (fs->state != 0)
        return fs;
    if (l->spread_depth >= GQL_VALIDATE_MAX_SPREAD_DEPTH) {
        if (!l->too_deep_spreads)
            l->spread_loc = at;
        l->too_deep_spreads = 1;
        return fs; /* counts as empty; the document is refused anyway */
    }
    fs->state = 1;
    l->spread_depth++;
    stats s = {0, 0, 0};
    measure_set(l, f->selection_set, &s);
    l->spread_depth--;
    fs->s = s;
    fs->state = 2;
    return fs;
}

static void measure_set(lctx *l, const gql_selection_set *ss, stats *out)
{
    for (const gql_selection *s = ss->selections; s != NULL; s = s->next) {
        if (s->kind == GQL_SEL_FIELD) {
            stats sub = {0, 0, 0};
            if (s->selection_set != NULL)
                measure_set(l, s->selection_set, &sub);
            sub.fields = sat_add(sub.fields, 1);
            if (s->alias != NULL)
                sub.aliases = sat_add(sub.aliases, 1);
            sub.depth = sat_add(sub.depth, 1);
            merge(out, &sub);
        } else if (s->kind == GQL_SEL_INLINE_FRAGMENT) {
            measure_set(l, s->selection_set, out);
        } else {
            const gql_definition *f = gql_v_fragment(l->c, s->name);
            if (f == NULL)
                continue;
            frag_stats *fs = measure_fragment(l, f, s->loc);
            if (fs->state == 2)
                merge(out, &fs->s);
        }
    }
}

/* ---- list literals ---- */

static const gql_value *long_list(const gql_value *v, size_t max);

static const gql_value *long_list_in_args(const gql_argument *a, size_t max)
{
    for (; a != NULL; a = a->next) {
        const gql_value *hit = long_list(a->value, max);
        if (hit != NULL)
            return hit;
    }
    return NULL;
}

static const gql_value *long_list_in_dirs(const gql_directive *d, size_t max)
{
    for (; d != NULL; d = d->next) {
        const gql_value *hit = long_list_in_args(d->args, max);
        if (hit != NULL)
            return hit;
    }
    return NULL;
}

static const gql_value *long_list(const gql_value *v, size_t max)
{
    if (v == NULL)
        return NULL;
    if (v->kind == GQL_VALUE_LIST) {
        if (v->count > max)
            return v;
        for (const gql_value *i = v->items; i != NULL; i = i->next) {
            const gql_value *hit = long_list(i, max);
            if (hit != NULL)
                return hit;
        }
    } else if (v->kind == GQL_VALUE_OBJECT) {
        for (const gql_object_field *f = v->fields; f != NULL; f = f->next) {
            const gql_value *hit = long_list(f->value, max);
            if (hit != NULL)
                return hit;
        }
    }
    return NULL;
}

static const gql_value *long_list_in_set(const gql_selection_set *ss, size_t max)
{
    for (const gql_selection *s = ss->selections; s != NULL; s = s->next) {
        const gql_value *hit = long_list_in_args(s->args, max);
        if (hit == NULL)
            hit = long_list_in_dirs(s->directives, max);
        if (hit == NULL && s->selection_set != NULL)
            hit = long_list_in_set(s->selection_set, max);
        if (hit != NULL)
            return hit;
    }
    return NULL;
}

static const gql_value *long_list_in_input_defs(const gql_input_value_def *iv, size_t max)
{
    for (; iv != NULL; iv = iv->next) {
        const gql_value *hit = long_list(iv->default_value, max);
        if (hit == NULL)
            hit = long_list_in_dirs(iv->directives, max);
        if (hit != NULL)
            return hit;
    }
    return NULL;
}

static const gql_value *long_list_in_def(const gql_definition *d, size_t max)
{
    const gql_value *hit = long_list_in_dirs(d->directives, max);
    for (const gql_variable_def *vd = d->variables; vd != NULL && hit == NULL; vd = vd->next) {
        hit = long_list(vd->default_value, max);
        if (hit == NULL)
            hit = long_list_in_dirs(vd->directives, max);
    }
    if (hit == NULL && d->selection_set != NULL)
        hit = long_list_in_set(d->selection_set, max);
    for (const gql_field_def *f = d->fields; f != NULL && hit == NULL; f = f->next) {
        hit = long_list_in_input_defs(f->args, max);
        if (hit == NULL)
            hit = long_list_in_dirs(f->directives, max);
    }
    if (hit == NULL)
        hit = long_list_in_input_defs(d->input_fields, max);
    if (hit == NULL)
        hit = long_list_in_input_defs(d->args, max);
    for (const gql_enum_value_def *v = d->values; v != NULL && hit == NULL; v = v->next)
        hit = long_list_in_dirs(v->directives, max);
    return hit;
}

/* ---- entry ---- */

/* Appends one limit error; fmt is a literal with two %zu. */
#define LIMIT_ERROR(c, loc, fmt, got, max)                                                               \
    do {                                                                                                 \
        if (gql_error_list_add((c)->errors, NULL, 0, &(loc), 1, fmt, (size_t)(got), (size_t)(max)) != 0) \
            gql_v_nomem(c);                                                                              \
        rc = GQL_ELIMIT;                                                                                 \
    } while (0)

int gql_v_check_limits(gql_vctx *c, const gql_validate_limits *limits)
{
    size_t max_aliases =
        limits != NULL && limits->max_aliases != 0 ? limits->max_aliases : GQL_VALIDATE_MAX_ALIASES;
    size_t max_fields =
        limits != NULL && limits->max_fields != 0 ? limits->max_fields : GQL_VALIDATE_MAX_FIELDS;
    size_t max_depth = limits != NULL && limits->max_depth != 0 ? limits->max_depth : GQL_VALIDATE_MAX_DEPTH;
    size_t max_list = limits != NULL && limits->max_list_length != 0 ? limits->max_list_length
                                                                     : GQL_VALIDATE_MAX_LIST_LENGTH;
    lctx l;
    memset(&l, 0, sizeof(l));
    l.c = c;
    stats total = {0, 0, 0};
    gql_loc alias_loc = {0, 0}, field_loc = {0, 0}, depth_loc = {0, 0};
    size_t depth = 0;
    /* Operations first, then the fragments no operation reached. */
    for (int pass = 0; pass < 2; pass++) {
        for (const gql_definition *d = c->doc->definitions; d != NULL; d = d->next) {
            stats s = {0, 0, 0};
            if (pass == 0 && d->kind == GQL_DEF_OPERATION) {
                measure_set(&l, d->selection_set, &s);
            } else if (pass == 1 && d->kind == GQL_DEF_FRAGMENT) {
                gql_vmap_slot *e = gql_vmap_find(&l.frags, NULL, d, NULL, 0);
                if (e != NULL && ((frag_stats *)e->val)->state != 0)
                    continue;
                if (gql_v_fragment(c, d->name) != d) {
                    /* A duplicate name: measure it directly. */
                    measure_set(&l, d->selection_set, &s);
                } else {
                    frag_stats *fs = measure_fragment(&l, d, d->loc);
                    s = fs->s;
                }
            } else {
                continue;
            }
            size_t before_aliases = total.aliases, before_fields = total.fields;
            total.aliases = sat_add(total.aliases, s.aliases);
            total.fields = sat_add(total.fields, s.fields);
            if (before_aliases <= max_aliases && total.aliases > max_aliases)
                alias_loc = d->loc;
            if (before_fields <= max_fields && total.fields > max_fields)
                field_loc = d->loc;
            if (s.depth > depth) {
                if (s.depth > max_depth && depth <= max_depth)
                    depth_loc = d->loc;
                depth = s.depth;
            }
        }
    }
    int rc = GQL_OK;
    if (l.too_deep_spreads)
        LIMIT_ERROR(c, l.spread_loc, "Fragment spreads are nested too deeply (%zu > %zu).",
                    GQL_VALIDATE_MAX_SPREAD_DEPTH + 1, GQL_VALIDATE_MAX_SPREAD_DEPTH);
    if (total.aliases > max_aliases)
        LIMIT_ERROR(c, alias_loc, "Query has too many aliases (%zu > %zu).", total.aliases, max_aliases);
    if (total.fields > max_fields)
        LIMIT_ERROR(c, field_loc, "Query has too many fields (%zu > %zu).", total.fields, max_fields);
    if (depth > max_depth)
        LIMIT_ERROR(c, depth_loc, "Query is too deep (%zu > %zu).", depth, max_depth);
    for (const gql_definition *d = c->doc->definitions; d != NULL; d = d->next) {
        const gql_value *hit = long_list_in_def(d, max_list);
        if (hit != NULL) {
            LIMIT_ERROR(c, hit->loc, "List literal is too long (%zu > %zu).", hit->count, max_list);
            break;
        }
    }
    return rc;
}
