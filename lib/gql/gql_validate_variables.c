/* gql_validate_variables: the variable rules of spec 5.8:
 * VariablesAreInputTypes, UniqueVariableNames, NoUndefinedVariables,
 * NoUnusedVariables and VariablesInAllowedPosition. Usages are collected
 * per operation and per fragment (gql_v_usages), so each fragment is walked
 * once however many operations spread it. */
#include "config.h"

#include <string.h>

#include "gql/gql_validate_private.h"

/* 5.8.2 */
void gql_v_variables_are_input_types(gql_vctx *c, const gql_variable_def *vd)
{
    const gql_typeref *t = gql_v_type_from_ast(c, vd->type);
    if (t != NULL && !gql_type_is_input(gql_v_named(t)))
        gql_v_report(c, &vd->type->loc, 1, "Variable \"$%s\" cannot be non-input type \"%s\".", vd->name,
                     gql_v_type_ast_str(c, vd->type));
}

/* 5.8.1 */
void gql_v_unique_variable_names(gql_vctx *c, const gql_definition *op)
{
    gql_vvec names = {0}, locs = {0};
    for (const gql_variable_def *vd = op->variables; vd != NULL; vd = vd->next) {
        gql_vvec_push(c, &names, vd->name);
        gql_vvec_push(c, &locs, &vd->name_loc);
    }
    gql_v_unique_names(c, &names, &locs, "variable", "$");
}

void gql_v_variables_enter_operation(gql_vctx *c)
{
    memset(&c->var_defined, 0, sizeof(c->var_defined));
    memset(&c->var_defs, 0, sizeof(c->var_defs));
    memset(&c->var_def_by_name, 0, sizeof(c->var_def_by_name));
}

void gql_v_variables_definition(gql_vctx *c, const gql_variable_def *vd)
{
    gql_vmap_sset(c, &c->var_defined, vd->name, vd);
    gql_vvec_push(c, &c->var_defs, vd);
    gql_vmap_sset(c, &c->var_def_by_name, vd->name, vd);
}

/* graphql-js getRecursiveVariableUsages: the operation's own usages, then
 * those of each fragment it reaches. */
static void recursive_usages(gql_vctx *c, const gql_definition *op, gql_vvec *out)
{
    const gql_vvec *own = gql_v_usages(c, op);
    for (size_t i = 0; i < own->n; i++)
        gql_vvec_push(c, out, own->items[i]);
    gql_vvec frags = {0};
    const gql_definition *ops[1] = {op};
    gql_v_referenced_fragments(c, ops, 1, &frags);
    for (size_t f = 0; f < frags.n; f++) {
        const gql_vvec *u = gql_v_usages(c, frags.items[f]);
        for (size_t i = 0; i < u->n; i++)
            gql_vvec_push(c, out, u->items[i]);
    }
}

/* 5.8.3 */
void gql_v_no_undefined_variables(gql_vctx *c, const gql_definition *op)
{
    gql_vvec usages = {0};
    recursive_usages(c, op, &usages);
    for (size_t i = 0; i < usages.n; i++) {
        const gql_vusage *u = usages.items[i];
        if (gql_vmap_find(&c->var_defined, u->node->str, NULL, NULL, 0) != NULL)
            continue;
        gql_loc locs[2] = {u->node->loc, op->loc};
        if (op->name != NULL)
            gql_v_report(c, locs, 2, "Variable \"$%s\" is not defined by operation \"%s\".", u->node->str,
                         op->name);
        else
            gql_v_report(c, locs, 2, "Variable \"$%s\" is not defined.", u->node->str);
    }
}

/* 5.8.4 */
void gql_v_no_unused_variables(gql_vctx *c, const gql_definition *op)
{
    gql_vvec usages = {0};
    recursive_usages(c, op, &usages);
    gql_vmap used = {0};
    for (size_t i = 0; i < usages.n; i++)
        gql_vmap_sset(c, &used, ((const gql_vusage *)usages.items[i])->node->str, op);
    for (size_t i = 0; i < c->var_defs.n; i++) {
        const gql_variable_def *vd = c->var_defs.items[i];
        if (gql_vmap_find(&used, vd->name, NULL, NULL, 0) != NULL)
            continue;
        if (op->name != NULL)
            gql_v_report(c, &vd->loc, 1, "Variable \"$%s\" is never used in operation \"%s\".", vd->name,
                         op->name);
        else
            gql_v_report(c, &vd->loc, 1, "Variable \"$%s\" is never used.", vd->name);
    }
}

/* graphql-js isTypeSubTypeOf, for input types. */
static int is_sub_type_of(const gql_typeref *sub, const gql_typeref *super)
{
    if (gql_v_typeref_equal(sub, super))
        return 1;
    if (super->kind == GQL_TYPE_NON_NULL) {
        if (sub->kind == GQL_TYPE_NON_NULL)
            return is_sub_type_of(sub->of_type, super->of_type);
        return 0;
    }
    if (sub->kind == GQL_TYPE_NON_NULL)
        return is_sub_type_of(sub->of_type, super);
    if (super->kind == GQL_TYPE_LIST) {
        if (sub->kind == GQL_TYPE_LIST)
            return is_sub_type_of(sub->of_type, super->of_type);
        return 0;
    }
    if (sub->kind == GQL_TYPE_LIST)
        return 0;
    const gql_type *st = super->named, *bt = sub->named;
    return gql_type_is_abstract(st) && (bt->kind == GQL_KIND_INTERFACE || bt->kind == GQL_KIND_OBJECT) &&
           gql_v_is_sub_type(st, bt);
}

static int allowed_usage(const gql_typeref *var_type, const gql_value *var_default,
                         const gql_typeref *loc_type, const gql_value *loc_default)
{
    if (loc_type->kind == GQL_TYPE_NON_NULL && var_type->kind != GQL_TYPE_NON_NULL) {
        int var_has_default = var_default != NULL && var_default->kind != GQL_VALUE_NULL;
        if (!var_has_default && loc_default == NULL)
            return 0;
        return is_sub_type_of(var_type, loc_type->of_type);
    }
    return is_sub_type_of(var_type, loc_type);
}

/* 5.8.5 */
void gql_v_variables_in_allowed_position(gql_vctx *c, const gql_definition *op)
{
    gql_vvec usages = {0};
    recursive_usages(c, op, &usages);
    for (size_t i = 0; i < usages.n; i++) {
        const gql_vusage *u = usages.items[i];
        const gql_variable_def *vd = gql_vmap_sget(&c->var_def_by_name, u->node->str);
        if (vd == NULL || u->type == NULL)
            continue;
        const gql_typeref *var_type = gql_v_type_from_ast(c, vd->type);
        if (var_type == NULL || allowed_usage(var_type, vd->default_value, u->type, u->default_value))
            continue;
        gql_loc locs[2] = {vd->loc, u->node->loc};
        gql_v_report(c, locs, 2, "Variable \"$%s\" of type \"%s\" used in position expecting type \"%s\".",
                     u->node->str, gql_v_typeref_str(c, var_type), gql_v_typeref_str(c, u->type));
    }
}
