/* gql_validate_fragments: the fragment rules of spec 5.5:
 * FragmentsOnCompositeTypes, UniqueFragmentNames, KnownFragmentNames,
 * NoUnusedFragments, PossibleFragmentSpreads and NoFragmentCycles. */
#include "config.h"

#include <string.h>

#include "gql/gql_validate_private.h"

/* 5.5.1.3 */
void gql_v_fragments_on_composite_inline(gql_vctx *c, const gql_selection *frag)
{
    if (frag->type_condition == NULL)
        return;
    const gql_type *t = gql_v_type(c, frag->type_condition);
    if (t != NULL && !gql_type_is_composite(t))
        gql_v_report(c, &frag->type_condition_loc, 1,
                     "Fragment cannot condition on non composite type \"%s\".", frag->type_condition);
}

void gql_v_fragments_on_composite_def(gql_vctx *c, const gql_definition *frag)
{
    const gql_type *t = gql_v_type(c, frag->type_condition);
    if (t != NULL && !gql_type_is_composite(t))
        gql_v_report(c, &frag->type_condition_loc, 1,
                     "Fragment \"%s\" cannot condition on non composite type \"%s\".", frag->name,
                     frag->type_condition);
}

/* 5.5.1.1 */
void gql_v_unique_fragment_names(gql_vctx *c, const gql_definition *frag)
{
    gql_v_unique_name(c, &c->frag_names, "fragment", frag->name, &frag->name_loc);
}

/* 5.5.2.1 */
void gql_v_known_fragment_names(gql_vctx *c, const gql_selection *spread)
{
    if (gql_v_fragment(c, spread->name) == NULL)
        gql_v_report(c, &spread->name_loc, 1, "Unknown fragment \"%s\".", spread->name);
}

/* 5.5.1.4, reported when the whole document has been seen. */
void gql_v_no_unused_fragments(gql_vctx *c)
{
    gql_vvec used = {0};
    gql_v_referenced_fragments(c, (const gql_definition *const *)c->all_ops.items, c->all_ops.n, &used);
    gql_vmap names = {0};
    for (size_t i = 0; i < used.n; i++)
        gql_vmap_sset(c, &names, ((const gql_definition *)used.items[i])->name, used.items[i]);
    for (size_t i = 0; i < c->all_frags.n; i++) {
        const gql_definition *f = c->all_frags.items[i];
        if (gql_vmap_find(&names, f->name, NULL, NULL, 0) == NULL)
            gql_v_report(c, &f->loc, 1, "Fragment \"%s\" is never used.", f->name);
    }
}

/* 5.5.2.3 */
void gql_v_possible_inline_fragment(gql_vctx *c, const gql_selection *frag)
{
    const gql_type *frag_type = gql_v_named(gql_vvec_top(&c->ti->types));
    const gql_type *parent = gql_vvec_top(&c->ti->parents);
    if (gql_type_is_composite(frag_type) && gql_type_is_composite(parent) &&
        !gql_v_types_overlap(frag_type, parent))
        gql_v_report(c, &frag->loc, 1,
                     "Fragment cannot be spread here as objects of type \"%s\" can never be of type \"%s\".",
                     parent->name, frag_type->name);
}

void gql_v_possible_fragment_spread(gql_vctx *c, const gql_selection *spread)
{
    const gql_definition *f = gql_v_fragment(c, spread->name);
    if (f == NULL)
        return;
    const gql_type *frag_type = gql_v_type(c, f->type_condition);
    const gql_type *parent = gql_vvec_top(&c->ti->parents);
    if (gql_type_is_composite(frag_type) && parent != NULL && !gql_v_types_overlap(frag_type, parent))
        gql_v_report(
            c, &spread->loc, 1,
            "Fragment \"%s\" cannot be spread here as objects of type \"%s\" can never be of type \"%s\".",
            spread->name, parent->name, frag_type->name);
}

/* 5.5.2.2: depth-first search from each fragment, as graphql-js does. */
static void detect_cycle(gql_vctx *c, const gql_definition *frag)
{
    if (gql_vmap_find(&c->cycle_visited, frag->name, NULL, NULL, 0) != NULL)
        return;
    gql_vmap_sset(c, &c->cycle_visited, frag->name, frag);
    const gql_vvec *spreads = gql_v_spreads(c, frag->selection_set);
    if (spreads->n == 0)
        return;
    gql_vmap_sset(c, &c->cycle_index, frag->name, (const void *)(uintptr_t)(c->cycle_path.n + 1));
    for (size_t i = 0; i < spreads->n; i++) {
        const gql_selection *s = spreads->items[i];
        size_t index = (size_t)(uintptr_t)gql_vmap_sget(&c->cycle_index, s->name);
        gql_vvec_push(c, &c->cycle_path, s);
        if (index == 0) {
            const gql_definition *next = gql_v_fragment(c, s->name);
            if (next != NULL)
                detect_cycle(c, next);
        } else {
            size_t from = index - 1, n = c->cycle_path.n - from;
            gql_loc *locs = gql_valloc(c, n * sizeof(*locs));
            gql_vbuf via = {0};
            for (size_t k = 0; k < n; k++) {
                const gql_selection *p = c->cycle_path.items[from + k];
                locs[k] = p->loc;
                if (k + 1 < n)
                    gql_vbuf_printf(c, &via, "%s\"%s\"", k > 0 ? ", " : "", p->name);
            }
            if (via.n > 0)
                gql_v_report(c, locs, n, "Cannot spread fragment \"%s\" within itself via %s.", s->name,
                             gql_vbuf_str(c, &via));
            else
                gql_v_report(c, locs, n, "Cannot spread fragment \"%s\" within itself.", s->name);
        }
        gql_vvec_pop(&c->cycle_path);
    }
    gql_vmap_sset(c, &c->cycle_index, frag->name, NULL);
}

void gql_v_no_fragment_cycles(gql_vctx *c, const gql_definition *frag)
{
    detect_cycle(c, frag);
}
