/* gql_validate: the driver. One walk over the document, in graphql-js's
 * visiting order, keeps the type information (graphql-js TypeInfo) and
 * calls, at each node, the hooks of the rules in specifiedRules order, so
 * errors come out in the order graphql-js reports them. The same walk,
 * with the rules off, collects the variable usages of one operation or
 * fragment. Out of memory and the error cap leave the walk by longjmp:
 * everything the walk allocates lives in one scratch arena. */
#include "config.h"

#include <string.h>

#include "gql/gql_validate_private.h"

#define R(c) ((c)->collect == NULL)

static const gql_vdloc LOC_QUERY = {GQL_DLOC_QUERY, "QUERY"};
static const gql_vdloc LOC_MUTATION = {GQL_DLOC_MUTATION, "MUTATION"};
static const gql_vdloc LOC_SUBSCRIPTION = {GQL_DLOC_SUBSCRIPTION, "SUBSCRIPTION"};
static const gql_vdloc LOC_FIELD = {GQL_DLOC_FIELD, "FIELD"};
static const gql_vdloc LOC_FRAGMENT_DEFINITION = {GQL_DLOC_FRAGMENT_DEFINITION, "FRAGMENT_DEFINITION"};
static const gql_vdloc LOC_FRAGMENT_SPREAD = {GQL_DLOC_FRAGMENT_SPREAD, "FRAGMENT_SPREAD"};
static const gql_vdloc LOC_INLINE_FRAGMENT = {GQL_DLOC_INLINE_FRAGMENT, "INLINE_FRAGMENT"};
static const gql_vdloc LOC_VARIABLE_DEFINITION = {GQL_DLOC_VARIABLE_DEFINITION, "VARIABLE_DEFINITION"};
static const gql_vdloc LOC_SCHEMA = {GQL_DLOC_SCHEMA, "SCHEMA"};
static const gql_vdloc LOC_SCALAR = {GQL_DLOC_SCALAR, "SCALAR"};
static const gql_vdloc LOC_OBJECT = {GQL_DLOC_OBJECT, "OBJECT"};
static const gql_vdloc LOC_FIELD_DEFINITION = {GQL_DLOC_FIELD_DEFINITION, "FIELD_DEFINITION"};
static const gql_vdloc LOC_ARGUMENT_DEFINITION = {GQL_DLOC_ARGUMENT_DEFINITION, "ARGUMENT_DEFINITION"};
static const gql_vdloc LOC_INTERFACE = {GQL_DLOC_INTERFACE, "INTERFACE"};
static const gql_vdloc LOC_UNION = {GQL_DLOC_UNION, "UNION"};
static const gql_vdloc LOC_ENUM = {GQL_DLOC_ENUM, "ENUM"};
static const gql_vdloc LOC_ENUM_VALUE = {GQL_DLOC_ENUM_VALUE, "ENUM_VALUE"};
static const gql_vdloc LOC_INPUT_OBJECT = {GQL_DLOC_INPUT_OBJECT, "INPUT_OBJECT"};
static const gql_vdloc LOC_INPUT_FIELD_DEFINITION = {GQL_DLOC_INPUT_FIELD_DEFINITION,
                                                     "INPUT_FIELD_DEFINITION"};

static void walk_selection_set(gql_vctx *c, const gql_selection_set *ss, int in_inline);
static void walk_value(gql_vctx *c, const gql_value *v);

/* ---- type information accessors ---- */

static const gql_typeref *ti_type(const gql_vctx *c)
{
    return gql_vvec_top(&c->ti->types);
}

static const gql_type *ti_parent(const gql_vctx *c)
{
    return gql_vvec_top(&c->ti->parents);
}

static const gql_typeref *ti_input(const gql_vctx *c)
{
    return gql_vvec_top(&c->ti->inputs);
}

static const gql_field *ti_field(const gql_vctx *c)
{
    return gql_vvec_top(&c->ti->fields);
}

/* ---- leaves ---- */

static void walk_type_ref(gql_vctx *c, const gql_type_ref *t)
{
    while (t->kind != GQL_TYPE_NAMED)
        t = t->of_type;
    if (R(c))
        gql_v_known_type_names(c, t->name, t->loc);
}

static void walk_named(gql_vctx *c, const char *name, gql_loc loc)
{
    if (R(c))
        gql_v_known_type_names(c, name, loc);
}

/* ---- values ---- */

static void walk_object_field(gql_vctx *c, const gql_object_field *f, gql_vmap *seen)
{
    const gql_type *obj = gql_v_named(ti_input(c));
    const gql_input_value *def = NULL;
    if (obj != NULL && obj->kind == GQL_KIND_INPUT_OBJECT)
        def = gql_type_input_field(obj, f->name);
    gql_vvec_push(c, &c->ti->defaults, def != NULL ? def->default_value : NULL);
    gql_vvec_push(c, &c->ti->inputs, def != NULL ? def->type : NULL);
    if (R(c)) {
        if (c->values_skip == 0)
            gql_v_values_object_field(c, f);
        gql_v_unique_input_field(c, seen, f);
    }
    walk_value(c, f->value);
    gql_vvec_pop(&c->ti->defaults);
    gql_vvec_pop(&c->ti->inputs);
}

static void walk_value(gql_vctx *c, const gql_value *v)
{
    int skip = 0;
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        if (c->collect != NULL) {
            gql_vusage *u = gql_valloc(c, sizeof(*u));
            u->node = v;
            u->type = ti_input(c);
            u->default_value = gql_vvec_top(&c->ti->defaults);
            gql_vvec_push(c, c->collect, u);
        }
        return;
    case GQL_VALUE_LIST: {
        const gql_typeref *lt = gql_v_nullable(ti_input(c));
        const gql_typeref *item = lt != NULL && lt->kind == GQL_TYPE_LIST ? lt->of_type : lt;
        gql_vvec_push(c, &c->ti->defaults, NULL);
        gql_vvec_push(c, &c->ti->inputs, item);
        if (R(c) && c->values_skip == 0 && gql_v_values_enter(c, v))
            skip = 1;
        c->values_skip += skip;
        for (const gql_value *i = v->items; i != NULL; i = i->next)
            walk_value(c, i);
        c->values_skip -= skip;
        gql_vvec_pop(&c->ti->defaults);
        gql_vvec_pop(&c->ti->inputs);
        return;
    }
    case GQL_VALUE_OBJECT: {
        gql_vmap seen = {0};
        if (R(c) && c->values_skip == 0 && gql_v_values_enter(c, v))
            skip = 1;
        c->values_skip += skip;
        for (const gql_object_field *f = v->fields; f != NULL; f = f->next)
            walk_object_field(c, f, &seen);
        c->values_skip -= skip;
        return;
    }
    default:
        if (R(c) && c->values_skip == 0)
            gql_v_values_enter(c, v);
        return;
    }
}

/* ---- directives and arguments ---- */

static const gql_input_value *find_arg(const gql_input_value *args, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(args[i].name, name) == 0)
            return &args[i];
    return NULL;
}

static void walk_argument(gql_vctx *c, const gql_argument *a, int in_directive)
{
    const gql_input_value *def = NULL;
    const gql_field *f;
    /* graphql-js TypeInfo: the directive's arguments, or (for an unknown
	 * directive) those of the enclosing field. */
    if (c->ti->directive != NULL)
        def = find_arg(c->ti->directive->args, c->ti->directive->nargs, a->name);
    else if ((f = ti_field(c)) != NULL)
        def = find_arg(f->args, f->nargs, a->name);
    c->ti->argument = def;
    gql_vvec_push(c, &c->ti->defaults, def != NULL ? def->default_value : NULL);
    gql_vvec_push(c, &c->ti->inputs, def != NULL ? def->type : NULL);
    if (R(c) && !in_directive)
        gql_v_known_argument(c, a);
    walk_value(c, a->value);
    c->ti->argument = NULL;
    gql_vvec_pop(&c->ti->defaults);
    gql_vvec_pop(&c->ti->inputs);
}

static void walk_directives(gql_vctx *c, const gql_directive *dirs, gql_vdloc where)
{
    for (const gql_directive *d = dirs; d != NULL; d = d->next) {
        c->ti->directive = gql_v_directive(c, d->name);
        if (R(c)) {
            gql_v_known_directive(c, d, where);
            gql_v_known_directive_arguments(c, d);
            gql_v_unique_arguments(c, d->args);
        }
        for (const gql_argument *a = d->args; a != NULL; a = a->next)
            walk_argument(c, a, 1);
        if (R(c))
            gql_v_required_directive_arguments(c, d);
        c->ti->directive = NULL;
    }
}

/* ---- selections ---- */

static void walk_field(gql_vctx *c, const gql_selection *s)
{
    const gql_field *def = gql_v_field_def(c, ti_parent(c), s->name);
    gql_vvec_push(c, &c->ti->fields, def);
    gql_vvec_push(c, &c->ti->types, def != NULL ? def->type : NULL);
    int skip = 0;
    if (R(c)) {
        gql_v_scalar_leafs(c, s);
        gql_v_fields_on_correct_type(c, s);
        gql_v_unique_directives(c, s->directives, NULL);
        gql_v_unique_arguments(c, s->args);
        if (c->introspection_skip == 0)
            gql_v_max_introspection_depth(c, s, &skip);
    }
    c->introspection_skip += skip;
    for (const gql_argument *a = s->args; a != NULL; a = a->next)
        walk_argument(c, a, 0);
    walk_directives(c, s->directives, LOC_FIELD);
    if (s->selection_set != NULL)
        walk_selection_set(c, s->selection_set, 0);
    if (R(c))
        gql_v_required_field_arguments(c, s);
    c->introspection_skip -= skip;
    gql_vvec_pop(&c->ti->fields);
    gql_vvec_pop(&c->ti->types);
}

static void walk_fragment_spread(gql_vctx *c, const gql_selection *s)
{
    if (R(c)) {
        gql_v_known_fragment_names(c, s);
        gql_v_possible_fragment_spread(c, s);
        gql_v_unique_directives(c, s->directives, NULL);
    }
    walk_directives(c, s->directives, LOC_FRAGMENT_SPREAD);
}

static void walk_inline_fragment(gql_vctx *c, const gql_selection *s)
{
    const gql_type *t;
    if (s->type_condition != NULL)
        t = gql_v_type(c, s->type_condition);
    else
        t = gql_v_named(ti_type(c));
    gql_vvec_push(c, &c->ti->types, gql_type_is_output(t) ? gql_v_named_ref(c, t) : NULL);
    if (R(c)) {
        gql_v_fragments_on_composite_inline(c, s);
        gql_v_possible_inline_fragment(c, s);
        gql_v_unique_directives(c, s->directives, NULL);
    }
    if (s->type_condition != NULL)
        walk_named(c, s->type_condition, s->type_condition_loc);
    walk_directives(c, s->directives, LOC_INLINE_FRAGMENT);
    walk_selection_set(c, s->selection_set, 1);
    gql_vvec_pop(&c->ti->types);
}

static void walk_selection_set(gql_vctx *c, const gql_selection_set *ss, int in_inline)
{
    const gql_type *named = gql_v_named(ti_type(c));
    gql_vvec_push(c, &c->ti->parents, gql_type_is_composite(named) ? named : NULL);
    if (R(c) && !in_inline)
        gql_v_overlapping_fields(c, ss);
    for (const gql_selection *s = ss->selections; s != NULL; s = s->next) {
        switch (s->kind) {
        case GQL_SEL_FIELD:
            walk_field(c, s);
            break;
        case GQL_SEL_FRAGMENT_SPREAD:
            walk_fragment_spread(c, s);
            break;
        case GQL_SEL_INLINE_FRAGMENT:
            walk_inline_fragment(c, s);
            break;
        }
    }
    gql_vvec_pop(&c->ti->parents);
}

/* ---- executable definitions ---- */

static void walk_variable_def(gql_vctx *c, const gql_variable_def *vd)
{
    const gql_typeref *t = gql_v_type_from_ast(c, vd->type);
    gql_vvec_push(c, &c->ti->inputs, gql_type_is_input(gql_v_named(t)) ? t : NULL);
    if (R(c)) {
        gql_v_variables_are_input_types(c, vd);
        gql_v_variables_definition(c, vd);
        gql_v_unique_directives(c, vd->directives, NULL);
    }
    walk_type_ref(c, vd->type);
    if (vd->default_value != NULL)
        walk_value(c, vd->default_value);
    walk_directives(c, vd->directives, LOC_VARIABLE_DEFINITION);
    gql_vvec_pop(&c->ti->inputs);
}

static void walk_operation(gql_vctx *c, const gql_definition *op)
{
    const gql_type *root = gql_schema_root(c->schema, op->operation);
    gql_vvec_push(c, &c->ti->types,
                  root != NULL && root->kind == GQL_KIND_OBJECT ? gql_v_named_ref(c, root) : NULL);
    if (R(c)) {
        gql_v_unique_operation_names(c, op);
        gql_v_lone_anonymous_operation(c, op);
        gql_v_single_field_subscriptions(c, op);
        gql_vvec_push(c, &c->all_ops, op);
        gql_v_unique_variable_names(c, op);
        gql_v_variables_enter_operation(c);
        gql_v_unique_directives(c, op->directives, NULL);
    }
    /* Variable usages leave out the variable definitions. */
    if (R(c))
        for (const gql_variable_def *vd = op->variables; vd != NULL; vd = vd->next)
            walk_variable_def(c, vd);
    walk_directives(c, op->directives,
                    op->operation == GQL_OP_QUERY      ? LOC_QUERY
                    : op->operation == GQL_OP_MUTATION ? LOC_MUTATION
                                                       : LOC_SUBSCRIPTION);
    walk_selection_set(c, op->selection_set, 0);
    if (R(c)) {
        gql_v_no_undefined_variables(c, op);
        gql_v_no_unused_variables(c, op);
        gql_v_variables_in_allowed_position(c, op);
    }
    gql_vvec_pop(&c->ti->types);
}

static void walk_fragment_def(gql_vctx *c, const gql_definition *f)
{
    const gql_type *t = gql_v_type(c, f->type_condition);
    gql_vvec_push(c, &c->ti->types, gql_type_is_output(t) ? gql_v_named_ref(c, t) : NULL);
    if (R(c)) {
        gql_v_fragments_on_composite_def(c, f);
        gql_v_unique_fragment_names(c, f);
        gql_vvec_push(c, &c->all_frags, f);
        gql_v_no_fragment_cycles(c, f);
        gql_v_unique_directives(c, f->directives, NULL);
    }
    walk_named(c, f->type_condition, f->type_condition_loc);
    walk_directives(c, f->directives, LOC_FRAGMENT_DEFINITION);
    walk_selection_set(c, f->selection_set, 0);
    gql_vvec_pop(&c->ti->types);
}

/* ---- type-system definitions (not executable, but graphql-js walks them) ---- */

static void walk_input_value_def(gql_vctx *c, const gql_input_value_def *iv, gql_vdloc where)
{
    gql_v_unique_directives(c, iv->directives, NULL);
    walk_type_ref(c, iv->type);
    if (iv->default_value != NULL)
        walk_value(c, iv->default_value);
    walk_directives(c, iv->directives, where);
}

static void walk_fields_def(gql_vctx *c, const gql_field_def *fields)
{
    for (const gql_field_def *f = fields; f != NULL; f = f->next) {
        gql_v_unique_directives(c, f->directives, NULL);
        for (const gql_input_value_def *a = f->args; a != NULL; a = a->next)
            walk_input_value_def(c, a, LOC_ARGUMENT_DEFINITION);
        walk_type_ref(c, f->type);
        walk_directives(c, f->directives, LOC_FIELD_DEFINITION);
    }
}

static void walk_names(gql_vctx *c, const gql_name_list *l)
{
    for (; l != NULL; l = l->next)
        walk_named(c, l->name, l->loc);
}

static void walk_sdl_definition(gql_vctx *c, const gql_definition *d)
{
    switch (d->kind) {
    case GQL_DEF_SCHEMA:
        gql_v_unique_directives(c, d->directives, &c->schema_dirs_seen);
        walk_directives(c, d->directives, LOC_SCHEMA);
        for (const gql_operation_type_def *o = d->roots; o != NULL; o = o->next)
            walk_named(c, o->type_name, o->type_loc);
        break;
    case GQL_DEF_SCALAR:
        gql_v_unique_directives(c, d->directives, gql_v_type_directive_scope(c, d->name));
        walk_directives(c, d->directives, LOC_SCALAR);
        break;
    case GQL_DEF_OBJECT:
    case GQL_DEF_INTERFACE:
        gql_v_unique_directives(c, d->directives, gql_v_type_directive_scope(c, d->name));
        walk_names(c, d->interfaces);
        walk_directives(c, d->directives, d->kind == GQL_DEF_OBJECT ? LOC_OBJECT : LOC_INTERFACE);
        walk_fields_def(c, d->fields);
        break;
    case GQL_DEF_UNION:
        gql_v_unique_directives(c, d->directives, gql_v_type_directive_scope(c, d->name));
        walk_directives(c, d->directives, LOC_UNION);
        walk_names(c, d->members);
        break;
    case GQL_DEF_ENUM:
        gql_v_unique_directives(c, d->directives, gql_v_type_directive_scope(c, d->name));
        walk_directives(c, d->directives, LOC_ENUM);
        for (const gql_enum_value_def *v = d->values; v != NULL; v = v->next) {
            gql_v_unique_directives(c, v->directives, NULL);
            walk_directives(c, v->directives, LOC_ENUM_VALUE);
        }
        break;
    case GQL_DEF_INPUT_OBJECT:
        gql_v_unique_directives(c, d->directives, gql_v_type_directive_scope(c, d->name));
        walk_directives(c, d->directives, LOC_INPUT_OBJECT);
        for (const gql_input_value_def *f = d->input_fields; f != NULL; f = f->next)
            walk_input_value_def(c, f, LOC_INPUT_FIELD_DEFINITION);
        break;
    case GQL_DEF_DIRECTIVE:
        for (const gql_input_value_def *a = d->args; a != NULL; a = a->next)
            walk_input_value_def(c, a, LOC_ARGUMENT_DEFINITION);
        break;
    default:
        break;
    }
}

static void walk_document(gql_vctx *c)
{
    gql_v_executable_definitions(c);
    for (const gql_definition *d = c->doc->definitions; d != NULL; d = d->next) {
        c->in_sdl = d->kind != GQL_DEF_OPERATION && d->kind != GQL_DEF_FRAGMENT;
        if (d->kind == GQL_DEF_OPERATION)
            walk_operation(c, d);
        else if (d->kind == GQL_DEF_FRAGMENT)
            walk_fragment_def(c, d);
        else
            walk_sdl_definition(c, d);
    }
    c->in_sdl = 0;
    gql_v_no_unused_fragments(c);
}

/* ---- shared document queries ---- */

const gql_vvec *gql_v_usages(gql_vctx *c, const gql_definition *def)
{
    gql_vmap_slot *e = gql_vmap_put(c, &c->usages, NULL, def, NULL, 0, NULL);
    if (e->val != NULL)
        return e->val;
    gql_vvec *out = gql_valloc(c, sizeof(*out));
    gql_vtypeinfo ti;
    memset(&ti, 0, sizeof(ti));
    gql_vtypeinfo *saved_ti = c->ti;
    gql_vvec *saved_collect = c->collect;
    c->ti = &ti;
    c->collect = out;
    if (def->kind == GQL_DEF_OPERATION)
        walk_operation(c, def);
    else
        walk_fragment_def(c, def);
    c->ti = saved_ti;
    c->collect = saved_collect;
    /* The map may have grown during the walk: look the slot up again. */
    gql_vmap_put(c, &c->usages, NULL, def, NULL, 0, NULL)->val = out;
    return out;
}

const gql_vvec *gql_v_spreads(gql_vctx *c, const gql_selection_set *ss)
{
    gql_vmap_slot *e = gql_vmap_put(c, &c->spreads, NULL, ss, NULL, 0, NULL);
    if (e->val != NULL)
        return e->val;
    gql_vvec *out = gql_valloc(c, sizeof(*out));
    gql_vvec stack = {0};
    gql_vvec_push(c, &stack, ss);
    const gql_selection_set *set;
    while ((set = gql_vvec_pop(&stack)) != NULL) {
        for (const gql_selection *s = set->selections; s != NULL; s = s->next) {
            if (s->kind == GQL_SEL_FRAGMENT_SPREAD)
                gql_vvec_push(c, out, s);
            else if (s->selection_set != NULL)
                gql_vvec_push(c, &stack, s->selection_set);
        }
    }
    gql_vmap_put(c, &c->spreads, NULL, ss, NULL, 0, NULL)->val = out;
    return out;
}

const gql_definition *gql_v_fragment(gql_vctx *c, const char *name)
{
    return gql_vmap_sget(&c->fragments, name);
}

/* Adds the fragments spread in ss to names, each once (seen). */
static void gql_v_add_spread_names(gql_vctx *c, const gql_selection_set *ss, gql_vmap *seen, gql_vvec *names)
{
    const gql_vvec *sp = gql_v_spreads(c, ss);
    for (size_t k = 0; k < sp->n; k++) {
        const gql_selection *s = sp->items[k];
        int created;
        gql_vmap_put(c, seen, s->name, NULL, NULL, 0, &created);
        if (created)
            gql_vvec_push(c, names, s->name);
    }
}

void gql_v_referenced_fragments(gql_vctx *c, const gql_definition *const *ops, size_t nops, gql_vvec *out)
{
    gql_vmap seen = {0};
    gql_vvec names = {0};
    for (size_t i = 0; i < nops; i++)
        gql_v_add_spread_names(c, ops[i]->selection_set, &seen, &names);
    for (size_t i = 0; i < names.n; i++) {
        const gql_definition *f = gql_v_fragment(c, names.items[i]);
        if (f == NULL)
            continue;
        gql_vvec_push(c, out, f);
        gql_v_add_spread_names(c, f->selection_set, &seen, &names);
    }
}

/* ---- entry ---- */

static void index_document(gql_vctx *c)
{
    for (const gql_definition *d = c->doc->definitions; d != NULL; d = d->next) {
        if (d->kind == GQL_DEF_FRAGMENT)
            gql_vmap_sset(c, &c->fragments, d->name, d);
        else if (d->kind == GQL_DEF_OPERATION)
            c->noperations++;
        else if (d->kind == GQL_DEF_DIRECTIVE)
            gql_vmap_sset(c, &c->doc_directives, d->name, d);
        else if (!d->is_extension && d->kind >= GQL_DEF_SCALAR && d->kind <= GQL_DEF_INPUT_OBJECT)
            gql_vmap_sset(c, &c->doc_types, d->name, d);
    }
}

int gql_validate(const gql_schema *schema, const gql_document *doc, const gql_validate_limits *limits,
                 gql_error_list *errors)
{
    if (schema == NULL || doc == NULL || errors == NULL)
        return GQL_EINVAL;
    /* volatile: read after longjmp. */
    gql_vctx *volatile c = NULL;
    gql_arena *arena = gql_arena_new();
    if (arena == NULL)
        return GQL_ENOMEM;
    c = gql_arena_calloc(arena, sizeof(*c));
    if (c == NULL) {
        gql_arena_free(arena);
        return GQL_ENOMEM;
    }
    c->schema = schema;
    c->doc = doc;
    c->errors = errors;
    c->arena = arena;
    c->ti = &c->main_ti;
    int rc;
    int jumped = setjmp(c->escape);
    if (jumped == 0) {
        index_document(c);
        rc = gql_v_check_limits(c, limits);
        if (rc == GQL_OK) {
            walk_document(c);
            rc = c->nreported > 0 ? GQL_EVALID : GQL_OK;
        }
    } else {
        rc = jumped == GQL_V_JMP_NOMEM ? GQL_ENOMEM : GQL_EVALID;
    }
    gql_arena_free(arena);
    return rc;
}
