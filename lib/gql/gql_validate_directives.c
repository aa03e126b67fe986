/* gql_validate_directives: the directive rules of spec 5.7 (KnownDirectives,
 * UniqueDirectivesPerLocation) and the directive halves of
 * KnownArgumentNames and ProvidedRequiredArguments. As in graphql-js, a
 * directive defined in the document itself overrides the schema's. */
#include "config.h"

#include <string.h>

#include "gql/gql_validate_private.h"

static const gql_definition *doc_directive(gql_vctx *c, const char *name)
{
    return gql_vmap_sget(&c->doc_directives, name);
}

/* 5.7.1 and 5.7.2 (locations) */
void gql_v_known_directive(gql_vctx *c, const gql_directive *d, gql_vdloc where)
{
    const gql_definition *dd = doc_directive(c, d->name);
    int allowed;
    if (dd != NULL) {
        allowed = 0;
        for (const gql_name_list *l = dd->locations; l != NULL; l = l->next)
            if (strcmp(l->name, where.name) == 0)
                allowed = 1;
    } else {
        const gql_directive_def *sd = gql_v_directive(c, d->name);
        if (sd == NULL) {
            gql_v_report(c, &d->loc, 1, "Unknown directive \"@%s\".", d->name);
            return;
        }
        allowed = (sd->locations & where.bit) != 0;
    }
    if (!allowed)
        gql_v_report(c, &d->loc, 1, "Directive \"@%s\" may not be used on %s.", d->name, where.name);
}

/* 1 if the directive may appear once per location, 0 if repeatable or unknown. */
static int is_unique_directive(gql_vctx *c, const char *name)
{
    const gql_definition *dd = doc_directive(c, name);
    if (dd != NULL)
        return !dd->repeatable;
    const gql_directive_def *sd = gql_v_directive(c, name);
    return sd != NULL && !sd->repeatable;
}

gql_vmap *gql_v_type_directive_scope(gql_vctx *c, const char *type_name)
{
    gql_vmap_slot *e = gql_vmap_put(c, &c->type_dirs_seen, type_name, NULL, NULL, 0, NULL);
    if (e->val == NULL)
        e->val = gql_valloc(c, sizeof(gql_vmap));
    return e->val;
}

/* 5.7.3 */
void gql_v_unique_directives(gql_vctx *c, const gql_directive *dirs, gql_vmap *scope)
{
    gql_vmap fresh = {0};
    if (dirs == NULL)
        return;
    if (scope == NULL)
        scope = &fresh;
    for (const gql_directive *d = dirs; d != NULL; d = d->next) {
        if (!is_unique_directive(c, d->name))
            continue;
        const gql_directive *first = gql_vmap_sget(scope, d->name);
        if (first != NULL) {
            gql_loc locs[2] = {first->loc, d->loc};
            gql_v_report(c, locs, 2, "The directive \"@%s\" can only be used once at this location.",
                         d->name);
        } else {
            gql_vmap_sset(c, scope, d->name, d);
        }
    }
}

/* 5.4.1, directive arguments */
void gql_v_known_directive_arguments(gql_vctx *c, const gql_directive *d)
{
    gql_vvec known = {0};
    gql_vmap set = {0};
    const gql_definition *dd = doc_directive(c, d->name);
    if (dd != NULL) {
        for (const gql_input_value_def *a = dd->args; a != NULL; a = a->next) {
            int created;
            gql_vmap_put(c, &set, a->name, NULL, NULL, 0, &created);
            if (created)
                gql_vvec_push(c, &known, a->name);
        }
    } else {
        const gql_directive_def *sd = gql_v_directive(c, d->name);
        if (sd == NULL)
            return;
        for (size_t i = 0; i < sd->nargs; i++) {
            int created;
            gql_vmap_put(c, &set, sd->args[i].name, NULL, NULL, 0, &created);
            if (created)
                gql_vvec_push(c, &known, sd->args[i].name);
        }
    }
    for (const gql_argument *a = d->args; a != NULL; a = a->next) {
        if (gql_vmap_find(&set, a->name, NULL, NULL, 0) != NULL)
            continue;
        gql_vvec sugg = {0};
        gql_v_suggest(c, a->name, (const char *const *)known.items, known.n, &sugg);
        gql_v_report(c, &a->loc, 1, "Unknown argument \"%s\" on directive \"@%s\".%s", a->name, d->name,
                     gql_v_did_you_mean(c, NULL, &sugg));
    }
}

static int has_argument(const gql_directive *d, const char *name)
{
    for (const gql_argument *a = d->args; a != NULL; a = a->next)
        if (strcmp(a->name, name) == 0)
            return 1;
    return 0;
}

/* 5.4.2.1, directive arguments */
void gql_v_required_directive_arguments(gql_vctx *c, const gql_directive *d)
{
    const gql_definition *dd = doc_directive(c, d->name);
    if (dd != NULL) {
        gql_vmap seen = {0};
        for (const gql_input_value_def *a = dd->args; a != NULL; a = a->next) {
            if (a->type->kind != GQL_TYPE_NON_NULL || a->default_value != NULL)
                continue;
            int created;
            gql_vmap_put(c, &seen, a->name, NULL, NULL, 0, &created);
            if (!created || has_argument(d, a->name))
                continue;
            gql_v_report(
                c, &d->loc, 1,
                "Directive \"@%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.",
                d->name, a->name, gql_v_type_ast_str(c, a->type));
        }
        return;
    }
    const gql_directive_def *sd = gql_v_directive(c, d->name);
    if (sd == NULL)
        return;
    for (size_t i = 0; i < sd->nargs; i++) {
        const gql_input_value *a = &sd->args[i];
        if (a->type->kind != GQL_TYPE_NON_NULL || a->default_value != NULL || has_argument(d, a->name))
            continue;
        gql_v_report(c, &d->loc, 1,
                     "Directive \"@%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.",
                     d->name, a->name, gql_v_typeref_str(c, a->type));
    }
}
