/* Execution: operation selection, CollectFields, ExecuteField with argument
 * coercion and resolvers, and the resolver table. Value completion is in
 * gql_exec_complete.c. Errors are recorded as JSON in the order graphql-js
 * reports them: when an error nulls a non-null field, the siblings not yet
 * executed are skipped, exactly as graphql-js's thrown error skips them. */
#include "config.h"

#include "gql/gql_exec_private.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_coerce.h"
#include "gql/gql_jsfmt.h"
#include "gql/gql_jsonw.h"
#include "gql/gql_validate_meta.h"

/* ---- resolver table: open addressing keyed by field definition ---- */

typedef struct gql_rslot {
    const gql_field *field; /* key, NULL when free */
    gql_resolver_fn fn;     /* value */
} gql_rslot;

struct gql_resolvers {
    const gql_schema *schema;     /* for "Type.field" lookups */
    gql_rslot *slots;             /* cap slots */
    size_t cap;                   /* power of two */
    size_t count;                 /* used slots */
    unsigned long version;        /* unique per table state (memo check) */
    gql_type_resolver_fn type_fn; /* abstract-type hook or NULL */
};

/* Versions of resolver tables, unique in the process: a memo of a lookup
 * names the version it was made with. */
static _Atomic unsigned long gql_resolvers_versions;

gql_resolvers *gql_resolvers_new(const gql_schema *s)
{
    gql_resolvers *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->schema = s;
    r->version = ++gql_resolvers_versions;
    r->cap = 64;
    r->slots = calloc(r->cap, sizeof(*r->slots));
    if (r->slots == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

void gql_resolvers_free(gql_resolvers *r)
{
    if (r == NULL)
        return;
    free(r->slots);
    free(r);
}

static size_t gql_ptr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t)x;
}

static int gql_rput(gql_rslot *slots, size_t cap, const gql_field *f, gql_resolver_fn fn)
{
    size_t i = gql_ptr_hash(f) & (cap - 1);
    while (slots[i].field != NULL && slots[i].field != f)
        i = (i + 1) & (cap - 1);
    int fresh = slots[i].field == NULL;
    slots[i].field = f;
    slots[i].fn = fn;
    return fresh;
}

int gql_resolvers_add_field(gql_resolvers *r, const gql_field *f, gql_resolver_fn fn)
{
    if (f == NULL || fn == NULL)
        return GQL_EINVAL;
    if ((r->count + 1) * 2 > r->cap) {
        size_t cap = r->cap * 2;
        gql_rslot *slots = calloc(cap, sizeof(*slots));
        if (slots == NULL)
            return GQL_ENOMEM;
        for (size_t i = 0; i < r->cap; i++)
            if (r->slots[i].field != NULL)
                gql_rput(slots, cap, r->slots[i].field, r->slots[i].fn);
        free(r->slots);
        r->slots = slots;
        r->cap = cap;
    }
    r->count += (size_t)gql_rput(r->slots, r->cap, f, fn);
    r->version = ++gql_resolvers_versions;
    return 0;
}

int gql_resolvers_add(gql_resolvers *r, const char *type_dot_field, gql_resolver_fn fn)
{
    const char *dot = strchr(type_dot_field, '.');
    char tname[256];
    if (dot == NULL || (size_t)(dot - type_dot_field) >= sizeof(tname))
        return GQL_EINVAL;
    memcpy(tname, type_dot_field, (size_t)(dot - type_dot_field));
    tname[dot - type_dot_field] = '\0';
    const gql_type *t = gql_schema_type(r->schema, tname);
    if (t == NULL)
        return GQL_EINVAL;
    return gql_resolvers_add_field(r, gql_type_field(t, dot + 1), fn);
}

gql_resolver_fn gql_resolvers_get(const gql_resolvers *r, const gql_field *f)
{
    if (r == NULL || r->count == 0)
        return NULL;
    size_t i = gql_ptr_hash(f) & (r->cap - 1);
    while (r->slots[i].field != NULL) {
        if (r->slots[i].field == f)
            return r->slots[i].fn;
        i = (i + 1) & (r->cap - 1);
    }
    return NULL;
}

void gql_resolvers_set_type_resolver(gql_resolvers *r, gql_type_resolver_fn fn)
{
    r->type_fn = fn;
}

/* Used by gql_exec_complete.c through the params. */
gql_type_resolver_fn gql_x_type_resolver(const gql_resolvers *r);
gql_type_resolver_fn gql_x_type_resolver(const gql_resolvers *r)
{
    return r != NULL ? r->type_fn : NULL;
}

/* ---- errors ---- */

static json_object *gql_path_json(const gql_exec_path *path)
{
    size_t n = 0;
    for (const gql_exec_path *p = path; p != NULL; p = p->prev)
        n++;
    json_object *arr = json_object_new_array_ext((int)n);
    if (arr == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (json_object_array_add(arr, NULL) != 0)
            goto fail;
    size_t i = n;
    for (const gql_exec_path *p = path; p != NULL; p = p->prev) {
        json_object *seg =
            p->key != NULL ? json_object_new_string(p->key) : json_object_new_int64((int64_t)p->index);
        if (seg == NULL || json_object_array_put_idx(arr, --i, seg) != 0) {
            json_object_put(seg);
            goto fail;
        }
    }
    return arr;
fail:
    json_object_put(arr);
    return NULL;
}

static int gql_add_loc(json_object *locs, gql_loc l)
{
    json_object *o = json_object_new_object();
    if (o == NULL || json_object_array_add(locs, o) != 0) {
        json_object_put(o);
        return -1;
    }
    json_object *line = json_object_new_int64(l.line);
    if (line == NULL || json_object_object_add(o, "line", line) != 0) {
        json_object_put(line);
        return -1;
    }
    json_object *col = json_object_new_int64(l.column);
    if (col == NULL || json_object_object_add(o, "column", col) != 0) {
        json_object_put(col);
        return -1;
    }
    return 0;
}

int gql_x_record(struct gql_exec_state *st, const char *msg, const char *code, const gql_group *g,
                 const gql_loc *loc, const gql_exec_path *path)
{
    if (st->errors == NULL && (st->errors = json_object_new_array()) == NULL)
        return GQL_ENOMEM;
    json_object *e = json_object_new_object();
    if (e == NULL || json_object_array_add(st->errors, e) != 0) {
        json_object_put(e);
        return GQL_ENOMEM;
    }
    json_object *m = json_object_new_string(msg);
    if (m == NULL || json_object_object_add(e, "message", m) != 0) {
        json_object_put(m);
        return GQL_ENOMEM;
    }
    if (g != NULL || (loc != NULL && loc->line > 0)) {
        json_object *locs = json_object_new_array();
        if (locs == NULL || json_object_object_add(e, "locations", locs) != 0) {
            json_object_put(locs);
            return GQL_ENOMEM;
        }
        if (g != NULL) {
            for (const gql_nref *n = g->nodes; n != NULL; n = n->next)
                if (gql_add_loc(locs, n->sel->loc) != 0)
                    return GQL_ENOMEM;
        } else if (gql_add_loc(locs, *loc) != 0) {
            return GQL_ENOMEM;
        }
    }
    if (path != NULL) {
        json_object *pj = gql_path_json(path);
        if (pj == NULL || json_object_object_add(e, "path", pj) != 0) {
            json_object_put(pj);
            return GQL_ENOMEM;
        }
    }
    if (code != NULL) {
        json_object *ext = json_object_new_object();
        json_object *c = json_object_new_string(code);
        if (ext == NULL || c == NULL || json_object_object_add(ext, "code", c) != 0) {
            json_object_put(ext);
            json_object_put(c);
            return GQL_ENOMEM;
        }
        if (json_object_object_add(e, "extensions", ext) != 0) {
            json_object_put(ext);
            return GQL_ENOMEM;
        }
    }
    return 0;
}

int gql_resolve_error(gql_resolve_info *info, const char *code, const char *fmt, ...)
{
    struct gql_exec_state *st = info->state;
    free(st->err_msg);
    free(st->err_code);
    st->err_msg = NULL;
    st->err_code = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&st->err_msg, fmt, ap) < 0)
        st->err_msg = NULL;
    va_end(ap);
    if (code != NULL)
        st->err_code = strdup(code);
    return GQL_EINVAL;
}

/* ---- operations and fragments ---- */

const gql_definition *gql_exec_find_operation(const gql_document *doc, const char *name, char *buf,
                                              size_t cap, const char **message)
{
    const gql_definition *found = NULL;
    for (const gql_definition *d = doc->definitions; d != NULL; d = d->next) {
        if (d->kind != GQL_DEF_OPERATION)
            continue;
        if (name == NULL) {
            if (found != NULL) {
                *message = "Must provide operation name if query contains multiple "
                           "operations.";
                return NULL;
            }
            found = d;
        } else if (d->name != NULL && strcmp(d->name, name) == 0) {
            return d;
        }
    }
    if (found == NULL) {
        if (name != NULL) {
            snprintf(buf, cap, "Unknown operation named \"%s\".", name);
            *message = buf;
        } else {
            *message = "Must provide an operation.";
        }
    }
    return found;
}

static const gql_definition *gql_fragment(const gql_document *doc, const char *name)
{
    for (const gql_definition *d = doc->definitions; d != NULL; d = d->next)
        if (d->kind == GQL_DEF_FRAGMENT && strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

const gql_type *gql_x_type(const struct gql_exec_state *st, const char *name)
{
    const gql_type *t = gql_schema_type(st->p->schema, name);
    if (t != NULL || name[0] != '_' || name[1] != '_')
        return t;
    for (size_t i = 0; i < gql_v_nintrospection_types; i++)
        if (strcmp(gql_v_introspection_types[i]->name, name) == 0)
            return gql_v_introspection_types[i];
    return NULL;
}

/* The root fields collected for one operation. */
typedef struct gql_plan_op {
    const gql_definition *op; /* the operation */
    const gql_type *root;     /* its root type */
    gql_group *groups;        /* its collected root fields */
    struct gql_plan_op *next; /* another operation of the document */
} gql_plan_op;

struct gql_exec_plan {
    gql_arena *arena; /* every group, node list and memo of the plan */
    gql_plan_op *ops; /* operations collected so far */
    int broken;       /* 1 after a collection failed: stop using it */
};

/* ---- CollectFields ---- */

typedef struct gql_visited {
    const char *name;
    struct gql_visited *next;
} gql_visited;

/* Evaluates @skip/@include: 1 include, 0 skip, GQL_EINVAL with errs, GQL_ENOMEM. */
static int gql_should_include(struct gql_exec_state *st, const gql_directive *dirs, gql_error_list *errs)
{
    for (const gql_directive *d = dirs; d != NULL; d = d->next) {
        int skip = strcmp(d->name, "skip") == 0;
        if (!skip && strcmp(d->name, "include") != 0)
            continue;
        const gql_directive_def *def = gql_schema_directive(st->p->schema, d->name);
        if (def == NULL)
            continue;
        json_object *args = NULL;
        int rc = gql_coerce_arguments(def->args, def->nargs, d->args, d->loc, st->p->variables,
                                      st->p->max_list, &args, errs);
        if (rc != 0)
            return rc;
        json_object *v = NULL;
        int val = json_object_object_get_ex(args, "if", &v) && json_object_get_boolean(v);
        json_object_put(args);
        if (skip && val)
            return 0;
        if (!skip && !val)
            return 0;
    }
    return 1;
}

static int gql_condition_matches(struct gql_exec_state *st, const char *cond, const gql_type *t)
{
    if (cond == NULL)
        return 1;
    const gql_type *ct = gql_x_type(st, cond);
    if (ct == NULL)
        return 0;
    if (ct == t)
        return 1;
    return gql_type_is_abstract(ct) && gql_schema_is_possible_type(ct, t);
}

static int gql_collect(struct gql_exec_state *st, const gql_type *t, const gql_selection_set *ss,
                       gql_group **head, gql_group **tail, gql_visited **visited, gql_error_list *errs)
{
    for (const gql_selection *s = ss->selections; s != NULL; s = s->next) {
        int inc = s->directives == NULL ? 1 : gql_should_include(st, s->directives, errs);
        if (inc < 0)
            return inc;
        if (inc == 0)
            continue;
        if (s->kind == GQL_SEL_FIELD) {
            const char *key = s->alias != NULL ? s->alias : s->name;
            gql_group *g = *head;
            while (g != NULL && strcmp(g->key, key) != 0)
                g = g->next;
            gql_nref *n = gql_arena_alloc(st->carena, sizeof(*n));
            if (n == NULL)
                return GQL_ENOMEM;
            n->sel = s;
            n->next = NULL;
            if (g == NULL) {
                size_t klen = strlen(key);
                g = gql_arena_calloc(st->carena, sizeof(*g));
                char *kj = gql_arena_alloc(st->carena, klen + 5);
                if (g == NULL || kj == NULL)
                    return GQL_ENOMEM;
                g->key = key;
                /* ,"key": ready to copy (names need no escaping); the
				 * first member of an object starts after the comma */
                kj[0] = ',';
                kj[1] = '"';
                memcpy(kj + 2, key, klen);
                memcpy(kj + 2 + klen, "\":", 3);
                g->key_json = kj;
                g->key_json_len = klen + 4;
                g->typename_field = strcmp(s->name, "__typename") == 0;
                g->nodes = n;
                if (*tail != NULL)
                    (*tail)->next = g;
                else
                    *head = g;
                *tail = g;
            } else {
                g->last->next = n;
            }
            g->last = n;
        } else if (s->kind == GQL_SEL_INLINE_FRAGMENT) {
            if (!gql_condition_matches(st, s->type_condition, t))
                continue;
            int rc = gql_collect(st, t, s->selection_set, head, tail, visited, errs);
            if (rc != 0)
                return rc;
        } else {
            int seen = 0;
            for (gql_visited *v = *visited; v != NULL && !seen; v = v->next)
                seen = strcmp(v->name, s->name) == 0;
            if (seen)
                continue;
            gql_visited *v = gql_arena_alloc(st->carena, sizeof(*v));
            if (v == NULL)
                return GQL_ENOMEM;
            v->name = s->name;
            v->next = *visited;
            *visited = v;
            const gql_definition *f = gql_fragment(st->p->doc, s->name);
            if (f == NULL || !gql_condition_matches(st, f->type_condition, t))
                continue;
            int rc = gql_collect(st, t, f->selection_set, head, tail, visited, errs);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* Records the first error of errs as a field error at path. */
static int gql_record_list_error(struct gql_exec_state *st, const gql_error_list *errs,
                                 const gql_exec_path *path)
{
    if (errs->head == NULL)
        return GQL_ENOMEM;
    const gql_error *e = errs->head;
    return gql_x_record(st, e->message, NULL, NULL, e->nlocations > 0 ? &e->locations[0] : NULL, path);
}

/* ---- ExecuteField / ExecuteSelectionSet ---- */

/* The value of a field that raised an error starts at `start` in the
 * output: a nullable field becomes null there; a non-null one propagates
 * (the nearest nullable ancestor cuts its own text back). */
static int gql_field_null(struct gql_exec_state *st, const gql_typeref *t, size_t start)
{
    if (t->kind == GQL_TYPE_NON_NULL)
        return GQL_X_NULLED;
    gql_jsonw_truncate(st->out, start);
    gql_jsonw_raw(st->out, "null", 4);
    return GQL_X_OK;
}

/* The definition of g's field on ptype (NULL: not a field of ptype), looked
 * up once per group: groups are collected per runtime type. */
static const gql_field *gql_group_field(const struct gql_exec_state *st, const gql_type *ptype, gql_group *g)
{
    if (g->field_type == ptype)
        return g->field;
    const gql_exec_params *p = st->p;
    const char *name = g->nodes->sel->name;
    const gql_field *field = NULL;
    if (name[0] == '_' && name[1] == '_') {
        if (p->introspection && ptype == gql_schema_root(p->schema, GQL_OP_QUERY)) {
            if (strcmp(name, "__schema") == 0)
                field = &gql_v_schema_field;
            else if (strcmp(name, "__type") == 0)
                field = &gql_v_type_field;
        }
        if (field == NULL)
            field = gql_type_field(ptype, name);
    } else {
        field = gql_type_field(ptype, name);
    }
    g->field_type = ptype;
    g->field = field;
    g->fn_version = 0; /* the resolver memo was for another field */
    return field;
}

/* The resolver of g's field (memo of gql_resolvers_get). */
static gql_resolver_fn gql_group_resolver(const gql_resolvers *r, gql_group *g, const gql_field *field)
{
    if (r == NULL)
        return NULL;
    if (g->fn_table != r || g->fn_version != r->version) {
        g->fn = gql_resolvers_get(r, field);
        g->fn_table = r;
        g->fn_version = r->version;
    }
    return g->fn;
}

/* The shared {} given to resolvers of fields without arguments. */
static json_object *gql_empty_args(struct gql_exec_state *st)
{
    if (st->reuse->empty_args == NULL)
        st->reuse->empty_args = json_object_new_object();
    return json_object_get(st->reuse->empty_args);
}

/* An empty object for a field's arguments: the reused one, or a new one. */
static json_object *gql_args_take(struct gql_exec_state *st)
{
    json_object *a = st->reuse->args;
    st->reuse->args = NULL;
    return a != NULL ? a : json_object_new_object();
}

/* Gives back what gql_args_take gave, emptied for the next field. */
static void gql_args_give(struct gql_exec_state *st, json_object *a)
{
    if (a == NULL)
        return;
    gql_json_clear(a);
    if (st->reuse->args == NULL)
        st->reuse->args = a;
    else
        json_object_put(a);
}

/* The resolvers' scratch arena: the reused one, or a new one. */
static gql_arena *gql_arena_take_for(struct gql_exec_state *st)
{
    if (st->arena == NULL) {
        st->arena = st->reuse->arena;
        st->reuse->arena = NULL;
        if (st->arena == NULL)
            st->arena = gql_arena_new();
    }
    return st->arena;
}

void gql_exec_reuse_deinit(gql_exec_reuse *r)
{
    gql_arena_free(r->arena);
    json_object_put(r->args);
    json_object_put(r->empty_args);
    memset(r, 0, sizeof(*r));
}

/* ExecuteField: appends the field's value to st->out. */
static int gql_execute_field(struct gql_exec_state *st, const gql_type *ptype, json_object *parent,
                             struct lh_table *ptab, struct lh_entry **cursor, gql_group *g, int is_root,
                             const gql_exec_path *path)
{
    const gql_exec_params *p = st->p;
    const gql_selection *node = g->nodes->sel;
    size_t start = st->out->len;
    if (g->typename_field) {
        gql_jsonw_string(st->out, ptype->name, strlen(ptype->name));
        return GQL_X_OK;
    }
    const gql_field *field = gql_group_field(st, ptype, g);
    if (field == NULL)
        return GQL_X_ABSENT;

    gql_fctx fc = {ptype, field->name, g};
    json_object *args = NULL; /* taken from the reuse slot: given back below */
    if (field->nargs > 0) {
        if ((args = gql_args_take(st)) == NULL)
            return GQL_ENOMEM;
        gql_error_list errs;
        gql_error_list_init(&errs);
        int rc = gql_coerce_arguments_into(field->args, field->nargs, node->args, node->loc, p->variables,
                                           p->max_list, args, &errs);
        if (rc == GQL_EINVAL)
            rc = gql_record_list_error(st, &errs, path);
        else if (rc != 0 || errs.oom)
            rc = GQL_ENOMEM;
        else
            rc = -100; /* success marker */
        gql_error_list_deinit(&errs);
        if (rc != -100) {
            gql_args_give(st, args);
            return rc < 0 ? rc : gql_field_null(st, field->type, start);
        }
    }

    /* value is borrowed (from the parent or the event, both alive until
	 * the field is complete) unless a resolver made it: then owned too. */
    json_object *value = NULL, *owned = NULL;
    gql_resolver_fn fn = gql_group_resolver(p->resolvers, g, field);
    if (p->event && is_root && field != &gql_v_schema_field && field != &gql_v_type_field) {
        value = p->root;
    } else if (fn != NULL) {
        json_object *empty = NULL;
        if (args == NULL && (empty = gql_empty_args(st)) == NULL)
            return GQL_ENOMEM;
        if (gql_arena_take_for(st) == NULL) {
            json_object_put(empty);
            gql_args_give(st, args);
            return GQL_ENOMEM;
        }
        gql_resolve_info info = {
            .parent = parent,
            .args = args != NULL ? args : empty,
            .variables = p->variables,
            .field_name = field->name,
            .response_key = g->key,
            .parent_type = ptype,
            .field = field,
            .return_type = field->type,
            .schema = p->schema,
            .path = path,
            .arena = st->arena,
            .state = st,
        };
        int rc = fn(&info, p->ctx, &value);
        owned = value;
        json_object_put(empty);
        if (args != NULL && value == args) { /* returned as the value: it is theirs now */
            json_object_put(args);
            args = NULL;
        }
        *cursor = NULL; /* the resolver may have changed parent */
        if (rc != 0) {
            json_object_put(value);
            value = NULL;
            const char *msg = st->err_msg != NULL ? st->err_msg : "Internal server error.";
            const char *code = st->err_msg != NULL ? st->err_code : "INTERNAL_SERVER_ERROR";
            rc = gql_x_record(st, msg, code, g, NULL, path);
            free(st->err_msg);
            free(st->err_code);
            st->err_msg = st->err_code = NULL;
            gql_args_give(st, args);
            return rc < 0 ? rc : gql_field_null(st, field->type, start);
        }
    } else {
        json_object *v = NULL;
        if (ptab != NULL && gql_json_table_member(ptab, field->name, cursor, &v))
            value = v;
    }
    gql_args_give(st, args);
    int rc = gql_x_complete(st, field->type, &fc, path, value);
    json_object_put(owned);
    if (rc == GQL_X_NULLED)
        return gql_field_null(st, field->type, start);
    return rc;
}

/* g's field on t when it is a String or ID field without arguments or
 * resolver (its value is the parent's member, serialised as itself when a
 * string); else NULL. */
static const gql_field *gql_plain_text_field(struct gql_exec_state *st, const gql_type *t, gql_group *g)
{
    const gql_resolvers *r = st->p->resolvers;
    unsigned long version = r != NULL ? r->version : 0;
    if (g->text_type == t && g->text_version == version)
        return g->text_field;
    const gql_field *f = g->typename_field ? NULL : gql_group_field(st, t, g);
    if (f != NULL) {
        const gql_typeref *u = f->type->kind == GQL_TYPE_NON_NULL ? f->type->of_type : f->type;
        if (f->nargs != 0 || u->kind != GQL_TYPE_NAMED ||
            (u->named->builtin != GQL_SCALAR_STRING && u->named->builtin != GQL_SCALAR_ID) ||
            gql_group_resolver(r, g, f) != NULL)
            f = NULL;
    }
    g->text_type = t;
    g->text_version = version;
    g->text_field = f;
    return f;
}

/* ExecuteSelectionSet: appends {"key":value,...} to st->out. On
 * GQL_X_NULLED the text written so far is left for the caller to cut. */
static int gql_execute_fields(struct gql_exec_state *st, const gql_type *t, json_object *parent,
                              const gql_exec_path *path, gql_group *groups)
{
    gql_sbuf *out = st->out;
    int is_root = path == NULL && t == gql_schema_root(st->p->schema, st->p->operation->operation);
    int first = 1;
    struct lh_entry *cursor = NULL;
    /* The parent's members, read by every field without a resolver. */
    struct lh_table *ptab =
        json_object_is_type(parent, json_type_object) ? json_object_get_object(parent) : NULL;
    gql_jsonw_byte(out, '{');
    for (gql_group *g = groups; g != NULL; g = g->next) {
        gql_exec_path step = {path, g->key, 0};
        size_t mark = out->len;
        gql_jsonw_raw(out, g->key_json + first, g->key_json_len - (size_t)first);
        /* Most fields are a String or ID read from the parent: write it
		 * without the general path (which handles anything else). */
        const gql_field *f;
        json_object *v = NULL;
        if (ptab != NULL && !is_root && (f = gql_plain_text_field(st, t, g)) != NULL &&
            gql_json_table_member(ptab, f->name, &cursor, &v) &&
            json_object_get_type(v) == json_type_string) {
            gql_jsonw_string(out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
            first = 0;
            continue;
        }
        int rc = gql_execute_field(st, t, parent, ptab, &cursor, g, is_root, &step);
        if (rc == GQL_X_ABSENT) {
            gql_jsonw_truncate(out, mark);
            continue;
        }
        if (rc != GQL_X_OK)
            return rc;
        first = 0;
    }
    gql_jsonw_byte(out, '}');
    return out->oom ? GQL_ENOMEM : GQL_X_OK;
}

int gql_x_complete_object(struct gql_exec_state *st, const gql_type *t, const gql_fctx *fc,
                          const gql_exec_path *path, json_object *v)
{
    gql_group *g = fc->g;
    gql_submemo *m = g->subs;
    while (m != NULL && m->type != t)
        m = m->next;
    if (m == NULL) {
        gql_group *head = NULL, *tail = NULL;
        gql_visited *visited = NULL;
        gql_error_list errs;
        gql_error_list_init(&errs);
        int rc = 0;
        for (const gql_nref *n = g->nodes; n != NULL && rc == 0; n = n->next)
            if (n->sel->selection_set != NULL)
                rc = gql_collect(st, t, n->sel->selection_set, &head, &tail, &visited, &errs);
        if (rc == 0 && !errs.oom && (m = gql_arena_alloc(st->carena, sizeof(*m))) != NULL) {
            m->type = t;
            m->groups = head;
            m->next = g->subs;
            g->subs = m;
            rc = -100; /* success marker */
        } else if (rc == GQL_EINVAL) {
            rc = gql_record_list_error(st, &errs, path);
        } else {
            rc = GQL_ENOMEM;
        }
        gql_error_list_deinit(&errs);
        if (rc != -100) {
            if (st->plan != NULL)
                st->plan->broken = 1;
            return rc < 0 ? rc : GQL_X_NULLED;
        }
    }
    return gql_execute_fields(st, t, v, path, m->groups);
}

/* ---- plans ---- */

static int gql_value_has_variable(const gql_value *v)
{
    if (v->kind == GQL_VALUE_VARIABLE)
        return 1;
    if (v->kind == GQL_VALUE_LIST)
        for (const gql_value *i = v->items; i != NULL; i = i->next)
            if (gql_value_has_variable(i))
                return 1;
    if (v->kind == GQL_VALUE_OBJECT)
        for (const gql_object_field *f = v->fields; f != NULL; f = f->next)
            if (gql_value_has_variable(f->value))
                return 1;
    return 0;
}

/* 1 if a @skip or @include in ss (or below) takes a variable. */
static int gql_conditions_vary(const gql_selection_set *ss)
{
    if (ss == NULL)
        return 0;
    for (const gql_selection *s = ss->selections; s != NULL; s = s->next) {
        for (const gql_directive *d = s->directives; d != NULL; d = d->next) {
            if (strcmp(d->name, "skip") != 0 && strcmp(d->name, "include") != 0)
                continue;
            for (const gql_argument *a = d->args; a != NULL; a = a->next)
                if (gql_value_has_variable(a->value))
                    return 1;
        }
        if (gql_conditions_vary(s->selection_set))
            return 1;
    }
    return 0;
}

gql_exec_plan *gql_exec_plan_new(const gql_document *doc)
{
    for (const gql_definition *d = doc->definitions; d != NULL; d = d->next)
        if ((d->kind == GQL_DEF_OPERATION || d->kind == GQL_DEF_FRAGMENT) &&
            gql_conditions_vary(d->selection_set))
            return NULL;
    gql_exec_plan *pl = calloc(1, sizeof(*pl));
    if (pl == NULL || (pl->arena = gql_arena_new()) == NULL) {
        free(pl);
        return NULL;
    }
    return pl;
}

void gql_exec_plan_free(gql_exec_plan *pl)
{
    if (pl == NULL)
        return;
    gql_arena_free(pl->arena);
    free(pl);
}

static int gql_exec_begin(struct gql_exec_state *st, const gql_exec_params *p, gql_sbuf *out)
{
    memset(st, 0, sizeof(*st));
    st->p = p;
    st->out = out;
    st->reuse = p->reuse != NULL ? p->reuse : &st->own;
    if (p->plan != NULL && !p->plan->broken) {
        st->plan = p->plan;
        st->carena = p->plan->arena;
        return 0;
    }
    st->carena = gql_arena_new();
    return st->carena == NULL ? GQL_ENOMEM : 0;
}

static void gql_exec_end(struct gql_exec_state *st)
{
    if (st->plan == NULL)
        gql_arena_free(st->carena);
    if (st->arena != NULL && st->reuse != &st->own && st->reuse->arena == NULL) {
        gql_arena_reset(st->arena);
        st->reuse->arena = st->arena;
    } else {
        gql_arena_free(st->arena);
    }
    gql_exec_reuse_deinit(&st->own);
    json_object_put(st->errors);
    free(st->err_msg);
    free(st->err_code);
}

/* Collects the root fields; on an error, records it (no path). */
static int gql_collect_root(struct gql_exec_state *st, const gql_type **root, gql_group **groups)
{
    const gql_exec_params *p = st->p;
    *groups = NULL;
    *root = gql_schema_root(p->schema, p->operation->operation);
    if (*root == NULL) {
        char msg[128];
        snprintf(msg, sizeof(msg), "Schema is not configured to execute %s operation.",
                 gql_operation_name(p->operation->operation));
        int rc = gql_x_record(st, msg, NULL, NULL, &p->operation->loc, NULL);
        return rc < 0 ? rc : GQL_EINVAL;
    }
    gql_plan_op *po = st->plan != NULL ? st->plan->ops : NULL;
    while (po != NULL && po->op != p->operation)
        po = po->next;
    if (po != NULL && po->root == *root) {
        *groups = po->groups;
        return 0;
    }
    gql_group *tail = NULL;
    gql_visited *visited = NULL;
    gql_error_list errs;
    gql_error_list_init(&errs);
    int rc = gql_collect(st, *root, p->operation->selection_set, groups, &tail, &visited, &errs);
    if (rc == 0 && !errs.oom && st->plan != NULL) {
        po = gql_arena_alloc(st->carena, sizeof(*po));
        if (po != NULL) {
            po->op = p->operation;
            po->root = *root;
            po->groups = *groups;
            po->next = st->plan->ops;
            st->plan->ops = po;
        } else {
            rc = GQL_ENOMEM;
        }
    }
    if (rc != 0 && st->plan != NULL)
        st->plan->broken = 1;
    if (rc == GQL_EINVAL) {
        rc = gql_record_list_error(st, &errs, NULL);
        if (rc == 0)
            rc = GQL_EINVAL;
    } else if (rc == 0 && errs.oom) {
        rc = GQL_ENOMEM;
    }
    gql_error_list_deinit(&errs);
    return rc;
}

int gql_exec_operation(const gql_exec_params *p, gql_sbuf *data, json_object **errors)
{
    struct gql_exec_state st;
    *errors = NULL;
    size_t start = data->len;
    int rc = gql_exec_begin(&st, p, data);
    if (rc != 0)
        return rc;
    const gql_type *root;
    gql_group *groups;
    rc = gql_collect_root(&st, &root, &groups);
    if (rc == 0) {
        /* Mutations run their fields serially; with synchronous resolvers
		 * that is the same loop, in document order. */
        rc = gql_execute_fields(&st, root, p->root, NULL, groups);
        if (rc == GQL_X_NULLED)
            rc = GQL_EINVAL;
    }
    if (rc == GQL_EINVAL) { /* null at the top */
        gql_jsonw_truncate(data, start);
        gql_sbuf_putn(data, "null", 4);
        rc = 0;
    }
    if (rc == 0 && data->oom)
        rc = GQL_ENOMEM;
    if (rc == 0) {
        *errors = st.errors;
        st.errors = NULL;
    }
    gql_exec_end(&st);
    return rc;
}

int gql_exec_first_root_field(const gql_exec_params *p, const gql_selection **field, const gql_type **type,
                              gql_error_list *errs)
{
    struct gql_exec_state st;
    gql_sbuf unused = {0};
    *field = NULL;
    *type = NULL;
    int rc = gql_exec_begin(&st, p, &unused);
    if (rc != 0)
        return rc;
    gql_group *groups;
    rc = gql_collect_root(&st, type, &groups);
    if (rc == 0 && groups == NULL)
        rc = GQL_EINVAL;
    if (rc == 0)
        *field = groups->nodes->sel;
    if (rc == GQL_EINVAL) {
        json_object *m = NULL;
        if (st.errors != NULL &&
            json_object_object_get_ex(json_object_array_get_idx(st.errors, 0), "message", &m))
            rc = gql_error_list_add(errs, NULL, 0, NULL, 0, "%s", json_object_get_string(m)) != 0
                     ? GQL_ENOMEM
                     : GQL_EINVAL;
        else if (gql_error_list_add(errs, NULL, 0, NULL, 0, "The subscription has no field.") != 0)
            rc = GQL_ENOMEM;
    }
    gql_exec_end(&st);
    gql_sbuf_free(&unused);
    return rc;
}
