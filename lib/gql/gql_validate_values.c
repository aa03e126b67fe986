/* gql_validate_values: arguments and input values (spec 5.4 and 5.6):
 * KnownArgumentNames and ProvidedRequiredArguments on fields,
 * UniqueArgumentNames, ValuesOfCorrectType (with the literal checks of the
 * built-in scalars and enums, worded as graphql-js's parseLiteral) and
 * UniqueInputFieldNames. */
#include "config.h"

#include <string.h>

#include "gql/gql_validate_private.h"

static const gql_typeref *input_type(const gql_vctx *c)
{
    return gql_vvec_top(&c->ti->inputs);
}

static const gql_typeref *parent_input_type(const gql_vctx *c)
{
    const gql_vvec *v = &c->ti->inputs;
    return v->n >= 2 ? v->items[v->n - 2] : NULL;
}

/* 5.4.1, field arguments */
void gql_v_known_argument(gql_vctx *c, const gql_argument *arg)
{
    const gql_field *f = gql_vvec_top(&c->ti->fields);
    const gql_type *parent = gql_vvec_top(&c->ti->parents);
    if (c->ti->argument != NULL || f == NULL || parent == NULL)
        return;
    const char **names = gql_valloc(c, (f->nargs + 1) * sizeof(*names));
    for (size_t i = 0; i < f->nargs; i++)
        names[i] = f->args[i].name;
    gql_vvec sugg = {0};
    gql_v_suggest(c, arg->name, names, f->nargs, &sugg);
    gql_v_report(c, &arg->loc, 1, "Unknown argument \"%s\" on field \"%s.%s\".%s", arg->name, parent->name,
                 f->name, gql_v_did_you_mean(c, NULL, &sugg));
}

/* 5.4.2 */
void gql_v_unique_arguments(gql_vctx *c, const gql_argument *args)
{
    if (args == NULL || args->next == NULL)
        return;
    gql_vvec names = {0}, locs = {0};
    for (const gql_argument *a = args; a != NULL; a = a->next) {
        gql_vvec_push(c, &names, a->name);
        gql_vvec_push(c, &locs, &a->loc);
    }
    gql_v_unique_names(c, &names, &locs, "argument", "");
}

/* 5.4.2.1, field arguments */
void gql_v_required_field_arguments(gql_vctx *c, const gql_selection *field)
{
    const gql_field *f = gql_vvec_top(&c->ti->fields);
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->nargs; i++) {
        const gql_input_value *a = &f->args[i];
        if (a->type->kind != GQL_TYPE_NON_NULL || a->default_value != NULL)
            continue;
        int given = 0;
        for (const gql_argument *g = field->args; g != NULL; g = g->next)
            if (strcmp(g->name, a->name) == 0)
                given = 1;
        if (!given)
            gql_v_report(c, &field->loc, 1,
                         "Field \"%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.",
                         f->name, a->name, gql_v_typeref_str(c, a->type));
    }
}

/* ---- ValuesOfCorrectType (5.6.1) ---- */

/* 1 if the Int literal text fits 32 bits, as graphql-js's parseInt check. */
static int int_fits(const char *s)
{
    int neg = *s == '-';
    if (neg)
        s++;
    size_t n = strlen(s);
    if (n > 10)
        return 0;
    long long v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return neg ? v <= 2147483648LL : v <= 2147483647LL;
}

static void enum_hint_report(gql_vctx *c, const gql_value *v, const gql_type *t, const char *fmt_kind)
{
    const char *str = gql_v_value_str(c, v);
    const char **names = gql_valloc(c, (t->nvalues + 1) * sizeof(*names));
    for (size_t i = 0; i < t->nvalues; i++)
        names[i] = t->values[i].name;
    gql_vvec sugg = {0};
    gql_v_suggest(c, str, names, t->nvalues, &sugg);
    const char *hint = gql_v_did_you_mean(c, "the enum value", &sugg);
    if (fmt_kind[0] == 'n')
        gql_v_report(c, &v->loc, 1, "Enum \"%s\" cannot represent non-enum value: %s.%s", t->name, str, hint);
    else
        gql_v_report(c, &v->loc, 1, "Value \"%s\" does not exist in \"%s\" enum.%s", str, t->name, hint);
}

static void check_scalar(gql_vctx *c, const gql_value *v, const gql_type *t)
{
    if (!t->builtin)
        return; /* custom scalars take any literal */
    const char *n = t->name;
    gql_value_kind k = v->kind;
    if (strcmp(n, "Int") == 0) {
        if (k != GQL_VALUE_INT)
            gql_v_report(c, &v->loc, 1, "Int cannot represent non-integer value: %s", gql_v_value_str(c, v));
        else if (!int_fits(v->str))
            gql_v_report(c, &v->loc, 1, "Int cannot represent non 32-bit signed integer value: %s", v->str);
    } else if (strcmp(n, "Float") == 0) {
        if (k != GQL_VALUE_INT && k != GQL_VALUE_FLOAT)
            gql_v_report(c, &v->loc, 1, "Float cannot represent non numeric value: %s",
                         gql_v_value_str(c, v));
    } else if (strcmp(n, "String") == 0) {
        if (k != GQL_VALUE_STRING)
            gql_v_report(c, &v->loc, 1, "String cannot represent a non string value: %s",
                         gql_v_value_str(c, v));
    } else if (strcmp(n, "Boolean") == 0) {
        if (k != GQL_VALUE_BOOLEAN)
            gql_v_report(c, &v->loc, 1, "Boolean cannot represent a non boolean value: %s",
                         gql_v_value_str(c, v));
    } else if (strcmp(n, "ID") == 0) {
        if (k != GQL_VALUE_STRING && k != GQL_VALUE_INT)
            gql_v_report(c, &v->loc, 1, "ID cannot represent a non-string and non-integer value: %s",
                         gql_v_value_str(c, v));
    }
}

/* graphql-js isValidValueNode */
static void check_value_node(gql_vctx *c, const gql_value *v)
{
    const gql_typeref *loc_type = input_type(c);
    if (loc_type == NULL)
        return;
    const gql_type *t = gql_v_named(loc_type);
    if (!gql_type_is_leaf(t)) {
        gql_v_report(c, &v->loc, 1, "Expected value of type \"%s\", found %s.",
                     gql_v_typeref_str(c, loc_type), gql_v_value_str(c, v));
        return;
    }
    if (t->kind == GQL_KIND_ENUM) {
        if (v->kind != GQL_VALUE_ENUM)
            enum_hint_report(c, v, t, "non-enum");
        else if (gql_type_enum_value(t, v->str) == NULL)
            enum_hint_report(c, v, t, "does not exist");
        return;
    }
    check_scalar(c, v, t);
}

static int object_has_field(const gql_value *obj, const char *name)
{
    for (const gql_object_field *f = obj->fields; f != NULL; f = f->next)
        if (strcmp(f->name, name) == 0)
            return 1;
    return 0;
}

int gql_v_values_enter(gql_vctx *c, const gql_value *v)
{
    switch (v->kind) {
    case GQL_VALUE_LIST: {
        const gql_typeref *t = gql_v_nullable(parent_input_type(c));
        if (t == NULL || t->kind != GQL_TYPE_LIST) {
            /* As graphql-js: checked against the "item type" TypeInfo
			 * pushed, i.e. the position's type without its `!`. */
            check_value_node(c, v);
            return 1;
        }
        return 0;
    }
    case GQL_VALUE_OBJECT: {
        const gql_type *t = gql_v_named(input_type(c));
        if (t == NULL || t->kind != GQL_KIND_INPUT_OBJECT) {
            check_value_node(c, v);
            return 1;
        }
        if (v->count > 16) {
            /* Large literals: index the names once. */
            gql_vmap names = {0};
            for (const gql_object_field *f = v->fields; f != NULL; f = f->next)
                gql_vmap_sset(c, &names, f->name, f);
            for (size_t i = 0; i < t->ninput_fields; i++) {
                const gql_input_value *fd = &t->input_fields[i];
                if (gql_vmap_find(&names, fd->name, NULL, NULL, 0) == NULL &&
                    fd->type->kind == GQL_TYPE_NON_NULL && fd->default_value == NULL)
                    gql_v_report(c, &v->loc, 1, "Field \"%s.%s\" of required type \"%s\" was not provided.",
                                 t->name, fd->name, gql_v_typeref_str(c, fd->type));
            }
            return 0;
        }
        for (size_t i = 0; i < t->ninput_fields; i++) {
            const gql_input_value *fd = &t->input_fields[i];
            if (!object_has_field(v, fd->name) && fd->type->kind == GQL_TYPE_NON_NULL &&
                fd->default_value == NULL)
                gql_v_report(c, &v->loc, 1, "Field \"%s.%s\" of required type \"%s\" was not provided.",
                             t->name, fd->name, gql_v_typeref_str(c, fd->type));
        }
        return 0;
    }
    case GQL_VALUE_NULL: {
        const gql_typeref *t = input_type(c);
        if (t != NULL && t->kind == GQL_TYPE_NON_NULL)
            gql_v_report(c, &v->loc, 1, "Expected value of type \"%s\", found null.",
                         gql_v_typeref_str(c, t));
        return 0;
    }
    case GQL_VALUE_VARIABLE:
        return 0;
    default:
        check_value_node(c, v);
        return 0;
    }
}

void gql_v_values_object_field(gql_vctx *c, const gql_object_field *f)
{
    const gql_type *parent = gql_v_named(parent_input_type(c));
    if (input_type(c) != NULL || parent == NULL || parent->kind != GQL_KIND_INPUT_OBJECT)
        return;
    const char **names = gql_valloc(c, (parent->ninput_fields + 1) * sizeof(*names));
    for (size_t i = 0; i < parent->ninput_fields; i++)
        names[i] = parent->input_fields[i].name;
    gql_vvec sugg = {0};
    gql_v_suggest(c, f->name, names, parent->ninput_fields, &sugg);
    gql_v_report(c, &f->loc, 1, "Field \"%s\" is not defined by type \"%s\".%s", f->name, parent->name,
                 gql_v_did_you_mean(c, NULL, &sugg));
}

/* 5.6.3 */
void gql_v_unique_input_field(gql_vctx *c, gql_vmap *seen, const gql_object_field *f)
{
    const gql_object_field *first = gql_vmap_sget(seen, f->name);
    if (first != NULL) {
        gql_loc locs[2] = {first->loc, f->loc};
        gql_v_report(c, locs, 2, "There can be only one input field named \"%s\".", f->name);
    } else {
        gql_vmap_sset(c, seen, f->name, f);
    }
}
