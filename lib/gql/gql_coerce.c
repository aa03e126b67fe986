/* Input coercion. Variable values arrive as JSON (coerceInputValue), argument
 * values as literals (valueFromAST); both produce json-c values. Messages are
 * graphql-js 16's, since clients and the differential tests compare them. */
#include "config.h"

#include "gql/gql_coerce.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_jsfmt.h"
#include "gql/gql_jsonw.h"

#define GQL_MAX_INT 2147483647.0
#define GQL_MIN_INT (-2147483648.0)

/* One step of the path inside a variable's value, innermost last. */
typedef struct gql_cpath {
    const struct gql_cpath *prev; /* enclosing step, NULL at the variable */
    const char *key;              /* field name, or NULL for a list index */
    size_t index;                 /* list index when key is NULL */
} gql_cpath;

/* State of coercing one variable. */
typedef struct gql_vctx {
    const gql_variable_def *def; /* the variable's definition (error location) */
    gql_error_list *errs;        /* where errors go */
    size_t *nerr;                /* errors so far over all variables */
    int stop;                    /* 1 once the error limit was reached */
    int oom;                     /* 1 once an allocation failed */
    size_t max_list;             /* bound on list lengths */
    int extend;                  /* 1: input objects may take their defaults in place */
} gql_vctx;

static void gql_print_cpath(gql_sbuf *b, const gql_cpath *p)
{
    if (p == NULL)
        return;
    gql_print_cpath(b, p->prev);
    if (p->key != NULL)
        gql_sbuf_printf(b, ".%s", p->key);
    else
        gql_sbuf_printf(b, "[%zu]", p->index);
}

/* Records `Variable "$x" got invalid value V[ at "x.path"]; MSG`. */
static void gql_var_error(gql_vctx *c, const gql_cpath *path, json_object *invalid, const char *msg)
{
    if (c->stop)
        return;
    if (*c->nerr >= GQL_MAX_VARIABLE_ERRORS) {
        if (gql_error_list_add(c->errs, NULL, 0, NULL, 0,
                               "Too many errors processing variables, error limit "
                               "reached. Execution aborted.") != 0)
            c->oom = 1;
        c->stop = 1;
        return;
    }
    gql_sbuf b = {0};
    gql_sbuf_printf(&b, "Variable \"$%s\" got invalid value ", c->def->name);
    gql_js_inspect(&b, invalid);
    if (path != NULL) {
        gql_sbuf_printf(&b, " at \"%s", c->def->name);
        gql_print_cpath(&b, path);
        gql_sbuf_puts(&b, "\"");
    }
    gql_sbuf_puts(&b, "; ");
    gql_sbuf_puts(&b, msg);
    if (b.oom || gql_error_list_add(c->errs, NULL, 0, &c->def->loc, 1, "%s", gql_sbuf_str(&b)) != 0)
        c->oom = 1;
    (*c->nerr)++;
    gql_sbuf_free(&b);
}

static void gql_enum_suggest(gql_sbuf *b, const gql_type *t, const char *input)
{
    const char **names = malloc((t->nvalues + 1) * sizeof(*names));
    if (names == NULL) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < t->nvalues; i++)
        names[i] = t->values[i].name;
    gql_did_you_mean(b, "the enum value", input, names, t->nvalues);
    free(names);
}

/* parseValue of a leaf type. Returns 0 with *out, or 1 with msg filled. */
static int gql_parse_leaf(const gql_type *t, json_object *v, json_object **out, gql_sbuf *msg)
{
    double d;
    json_type jt = json_object_get_type(v);
    if (t->kind == GQL_KIND_ENUM) {
        if (jt != json_type_string) {
            gql_sbuf b = {0};
            gql_js_inspect(&b, v);
            gql_sbuf_printf(msg, "Enum \"%s\" cannot represent non-string value: %s.", t->name,
                            gql_sbuf_str(&b));
            gql_enum_suggest(msg, t, gql_sbuf_str(&b));
            gql_sbuf_free(&b);
            return 1;
        }
        const char *s = json_object_get_string(v);
        if (gql_type_enum_value(t, s) == NULL) {
            gql_sbuf_printf(msg, "Value \"%s\" does not exist in \"%s\" enum.", s, t->name);
            gql_enum_suggest(msg, t, s);
            return 1;
        }
        *out = json_object_get(v);
        return 0;
    }
    if (!t->builtin) { /* custom scalar: parseValue is the identity */
        *out = json_object_get(v);
        return 0;
    }
    if (jt == json_type_string &&
        strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
        /* Deliberate: our strings are C strings; U+0000 is refused. */
        gql_sbuf_printf(msg, "%s cannot represent a string containing U+0000.", t->name);
        return 1;
    }
    if (t->builtin == GQL_SCALAR_INT) {
        if (!gql_json_integer(v, &d)) {
            gql_sbuf_puts(msg, "Int cannot represent non-integer value: ");
            gql_js_inspect(msg, v);
            return 1;
        }
        if (d > GQL_MAX_INT || d < GQL_MIN_INT) {
            gql_sbuf_puts(msg, "Int cannot represent non 32-bit signed integer value: ");
            gql_js_inspect(msg, v);
            return 1;
        }
        *out = jt == json_type_int ? json_object_get(v) : json_object_new_int64((int64_t)d);
    } else if (t->builtin == GQL_SCALAR_FLOAT) {
        if (jt != json_type_int && jt != json_type_double) {
            gql_sbuf_puts(msg, "Float cannot represent non numeric value: ");
            gql_js_inspect(msg, v);
            return 1;
        }
        *out = json_object_get(v);
    } else if (t->builtin == GQL_SCALAR_STRING) {
        if (jt != json_type_string) {
            gql_sbuf_puts(msg, "String cannot represent a non string value: ");
            gql_js_inspect(msg, v);
            return 1;
        }
        *out = json_object_get(v);
    } else if (t->builtin == GQL_SCALAR_BOOLEAN) {
        if (jt != json_type_boolean) {
            gql_sbuf_puts(msg, "Boolean cannot represent a non boolean value: ");
            gql_js_inspect(msg, v);
            return 1;
        }
        *out = json_object_get(v);
    } else { /* ID */
        if (jt == json_type_string) {
            *out = json_object_get(v);
        } else if (gql_json_integer(v, &d)) {
            gql_sbuf n = {0};
            gql_js_number(&n, d);
            *out = n.oom ? NULL : json_object_new_string(gql_sbuf_str(&n));
            gql_sbuf_free(&n);
        } else {
            gql_sbuf_puts(msg, "ID cannot represent value: ");
            gql_js_inspect(msg, v);
            return 1;
        }
    }
    return *out == NULL ? GQL_ENOMEM : 0;
}

/* A coerced object built lazily over the given one: while the coerced
 * values are the given values themselves, in the given key order, nothing
 * is allocated and the result is the given object (shared, like every
 * coerced value). The first difference copies the prefix seen so far. */
typedef struct gql_lazy_obj {
    json_object *given;    /* the input object */
    struct lh_entry *next; /* given's entry the next key must match */
    json_object *out;      /* the object being built, or NULL while shared */
} gql_lazy_obj;

static void gql_lazy_init(gql_lazy_obj *lz, json_object *given)
{
    lz->given = given;
    lz->next = given != NULL ? lh_table_head(json_object_get_object(given)) : NULL;
    lz->out = NULL;
}

/* Starts the copy: the given entries before lz->next. */
static int gql_lazy_materialize(gql_lazy_obj *lz)
{
    if (lz->out != NULL)
        return 0;
    if ((lz->out = json_object_new_object()) == NULL)
        return GQL_ENOMEM;
    if (lz->given == NULL)
        return 0;
    for (struct lh_entry *e = lh_table_head(json_object_get_object(lz->given)); e != lz->next;
         e = lh_entry_next(e)) {
        json_object *v = json_object_get((json_object *)lh_entry_v(e));
        if (json_object_object_add(lz->out, (const char *)lh_entry_k(e), v) != 0) {
            json_object_put(v);
            return GQL_ENOMEM;
        }
    }
    return 0;
}

/* Adds key: value (value is taken). */
static int gql_lazy_add(gql_lazy_obj *lz, const char *key, json_object *value)
{
    if (lz->out == NULL && lz->next != NULL && lh_entry_v(lz->next) == value &&
        strcmp((const char *)lh_entry_k(lz->next), key) == 0) {
        lz->next = lh_entry_next(lz->next);
        json_object_put(value); /* the given object holds it */
        return 0;
    }
    if (gql_lazy_materialize(lz) != 0 || json_object_object_add(lz->out, key, value) != 0) {
        json_object_put(value);
        return GQL_ENOMEM;
    }
    return 0;
}

/* The result (a new reference), or NULL when memory runs out. */
static json_object *gql_lazy_finish(gql_lazy_obj *lz)
{
    if (lz->out == NULL && lz->next == NULL && lz->given != NULL)
        return json_object_get(lz->given);
    if (gql_lazy_materialize(lz) != 0)
        return NULL;
    json_object *o = lz->out;
    lz->out = NULL;
    return o;
}

/* coerceInputValue. Returns 0 (errors, if any, went to c) or GQL_ENOMEM. */
static int gql_coerce_input(gql_vctx *c, json_object *v, const gql_typeref *t, const gql_cpath *path,
                            json_object **out)
{
    *out = NULL;
    if (c->stop)
        return 0;
    if (t->kind == GQL_TYPE_NON_NULL) {
        if (v != NULL)
            return gql_coerce_input(c, v, t->of_type, path, out);
        gql_sbuf m = {0};
        gql_sbuf_puts(&m, "Expected non-nullable type \"");
        gql_print_typeref(&m, t);
        gql_sbuf_puts(&m, "\" not to be null.");
        gql_var_error(c, path, v, gql_sbuf_str(&m));
        int oom = m.oom;
        gql_sbuf_free(&m);
        return oom ? GQL_ENOMEM : 0;
    }
    if (v == NULL)
        return 0;
    if (t->kind == GQL_TYPE_LIST) {
        if (!json_object_is_type(v, json_type_array)) {
            json_object *item = NULL;
            int rc = gql_coerce_input(c, v, t->of_type, path, &item);
            if (rc != 0)
                return rc;
            *out = json_object_new_array_ext(1);
            if (*out == NULL || json_object_array_add(*out, item) != 0) {
                json_object_put(item);
                return GQL_ENOMEM;
            }
            return 0;
        }
        size_t n = json_object_array_length(v);
        if (n > c->max_list) {
            char m[128];
            snprintf(m, sizeof(m), "List of %zu items is longer than the limit of %zu.", n, c->max_list);
            gql_var_error(c, path, v, m);
            return 0;
        }
        *out = json_object_new_array_ext((int)n);
        if (*out == NULL)
            return GQL_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            gql_cpath step = {path, NULL, i};
            json_object *item = NULL;
            int rc = gql_coerce_input(c, json_object_array_get_idx(v, i), t->of_type, &step, &item);
            if (rc == 0 && json_object_array_add(*out, item) != 0) {
                json_object_put(item);
                rc = GQL_ENOMEM;
            }
            if (rc != 0)
                return rc;
        }
        return 0;
    }
    const gql_type *nt = t->named;
    if ((nt->builtin == GQL_SCALAR_STRING || nt->builtin == GQL_SCALAR_ID) &&
        json_object_get_type(v) == json_type_string &&
        memchr(json_object_get_string(v), '\0', (size_t)json_object_get_string_len(v)) == NULL) {
        *out = json_object_get(v); /* the common case, as gql_parse_leaf decides it */
        return 0;
    }
    if (nt->kind == GQL_KIND_INPUT_OBJECT) {
        if (!json_object_is_type(v, json_type_object)) {
            char m[256];
            snprintf(m, sizeof(m), "Expected type \"%s\" to be an object.", nt->name);
            gql_var_error(c, path, v, m);
            return 0;
        }
        gql_lazy_obj lz;
        gql_lazy_init(&lz, v);
        struct lh_table *vt = json_object_get_object(v);
        struct lh_entry *cursor = NULL;
        size_t present = 0;
        int rc = 0;
        for (size_t i = 0; i < nt->ninput_fields && rc == 0; i++) {
            const gql_input_value *f = &nt->input_fields[i];
            json_object *fv = NULL, *cv = NULL;
            struct lh_entry *fe = gql_json_table_entry(vt, f->name, &cursor);
            if (fe == NULL) {
                if (f->default_value != NULL) {
                    rc = gql_coerce_literal(f->default_value, f->type, NULL, c->max_list, &cv);
                    if (rc == 0 && c->extend && lz.out == NULL && lz.next == NULL) {
                        /* Every given field came before, in order: the
                         * default joins the given object itself (the
                         * caller's to change), which then stays shared
                         * instead of being copied with it. The key is the
                         * schema's, which outlives the request. */
                        if (json_object_object_add_ex(v, f->name, cv,
                                                      JSON_C_OBJECT_ADD_KEY_IS_NEW |
                                                          JSON_C_OBJECT_ADD_CONSTANT_KEY) != 0) {
                            json_object_put(cv);
                            rc = GQL_ENOMEM;
                        }
                        present++;
                        cursor = NULL; /* the table may have grown */
                    } else if (rc == 0)
                        rc = gql_lazy_add(&lz, f->name, cv);
                    else if (rc > 0)
                        rc = 0;
                } else if (f->type->kind == GQL_TYPE_NON_NULL) {
                    gql_sbuf m = {0};
                    gql_sbuf_printf(&m, "Field \"%s\" of required type \"", f->name);
                    gql_print_typeref(&m, f->type);
                    gql_sbuf_puts(&m, "\" was not provided.");
                    gql_var_error(c, path, v, gql_sbuf_str(&m));
                    if (m.oom)
                        rc = GQL_ENOMEM;
                    gql_sbuf_free(&m);
                }
                continue;
            }
            present++;
            fv = (json_object *)lh_entry_v(fe);
            gql_cpath step = {path, f->name, 0};
            rc = gql_coerce_input(c, fv, f->type, &step, &cv);
            if (rc == 0 && lz.out == NULL && lz.next == fe && cv == fv) {
                lz.next = lh_entry_next(fe); /* still the given object's own entry */
                json_object_put(cv);
            } else if (rc == 0) {
                rc = gql_lazy_add(&lz, f->name, cv);
            }
        }
        if (rc == 0 && (*out = gql_lazy_finish(&lz)) == NULL)
            rc = GQL_ENOMEM;
        json_object_put(lz.out);
        if (rc != 0 || (size_t)vt->count == present)
            return rc; /* every given key is a field */
        const char **names = malloc((nt->ninput_fields + 1) * sizeof(*names));
        if (names == NULL)
            return GQL_ENOMEM;
        for (size_t i = 0; i < nt->ninput_fields; i++)
            names[i] = nt->input_fields[i].name;
        int oom = 0;
        json_object_object_foreach(v, key, val)
        {
            (void)val;
            if (oom || gql_type_input_field(nt, key) != NULL)
                continue;
            gql_sbuf m = {0};
            gql_sbuf_printf(&m, "Field \"%s\" is not defined by type \"%s\".", key, nt->name);
            gql_did_you_mean(&m, NULL, key, names, nt->ninput_fields);
            gql_var_error(c, path, v, gql_sbuf_str(&m));
            oom = m.oom;
            gql_sbuf_free(&m);
        }
        free(names);
        return oom ? GQL_ENOMEM : 0;
    }
    gql_sbuf m = {0};
    int rc = gql_parse_leaf(nt, v, out, &m);
    if (rc == 1)
        gql_var_error(c, path, v, gql_sbuf_str(&m));
    if (m.oom)
        rc = GQL_ENOMEM;
    gql_sbuf_free(&m);
    return rc < 0 ? rc : 0;
}

/* Turns the AST type of a variable into a schema typeref inside buf. */
static const gql_typeref *gql_typeref_from_ast(const gql_schema *s, const gql_type_ref *ast, gql_typeref *buf,
                                               size_t *used)
{
    if (*used >= GQL_MAX_TYPE_DEPTH)
        return NULL;
    gql_typeref *r = &buf[(*used)++];
    r->kind = ast->kind;
    r->named = NULL;
    r->of_type = NULL;
    if (ast->kind == GQL_TYPE_NAMED) {
        r->named = gql_schema_type(s, ast->name);
        return r->named != NULL && gql_type_is_input(r->named) ? r : NULL;
    }
    r->of_type = gql_typeref_from_ast(s, ast->of_type, buf, used);
    return r->of_type != NULL ? r : NULL;
}

/* Errs gets "Variable "$name" <what>" with the variable's type printed. */
static int gql_variable_error(gql_error_list *errs, const gql_variable_def *vd, const char *pre,
                              const char *post)
{
    gql_sbuf ts = {0};
    gql_print_type_ast(&ts, vd->type);
    int rc = ts.oom || gql_error_list_add(errs, NULL, 0, &vd->loc, 1, "Variable \"$%s\" %s\"%s\"%s", vd->name,
                                          pre, gql_sbuf_str(&ts), post) != 0
                 ? GQL_ENOMEM
                 : 0;
    gql_sbuf_free(&ts);
    return rc;
}

struct gql_var_types {
    size_t n;                  /* variables of the operation */
    const gql_typeref **types; /* each one's type, NULL when not an input type */
    gql_typeref refs[];        /* storage of the types */
};

/* Wrappers in an AST type, the named type included: [Int!] is 3. */
static size_t gql_type_ast_depth(const gql_type_ref *t)
{
    size_t d = 0;
    for (; t != NULL; t = t->of_type)
        d++;
    return d;
}

gql_var_types *gql_var_types_new(const gql_schema *s, const gql_definition *op)
{
    size_t n = 0, depth = 0;
    for (const gql_variable_def *vd = op->variables; vd != NULL; vd = vd->next, n++)
        depth += gql_type_ast_depth(vd->type); /* bounded by the document's size */
    if (depth > (SIZE_MAX - sizeof(gql_var_types)) / sizeof(gql_typeref))
        return NULL;
    gql_var_types *vt = malloc(sizeof(*vt) + depth * sizeof(gql_typeref));
    if (vt == NULL)
        return NULL;
    vt->n = n;
    vt->types = malloc((n != 0 ? n : 1) * sizeof(*vt->types));
    if (vt->types == NULL) {
        free(vt);
        return NULL;
    }
    size_t at = 0, i = 0;
    for (const gql_variable_def *vd = op->variables; vd != NULL; vd = vd->next, i++) {
        size_t used = 0; /* each chain has room for its whole length at refs + at */
        vt->types[i] = gql_typeref_from_ast(s, vd->type, vt->refs + at, &used);
        at += gql_type_ast_depth(vd->type);
    }
    return vt;
}

void gql_var_types_free(gql_var_types *vt)
{
    if (vt != NULL)
        free(vt->types);
    free(vt);
}

int gql_coerce_variables(const gql_schema *s, const gql_definition *op, json_object *inputs, size_t max_list,
                         json_object **out, gql_error_list *errs)
{
    return gql_coerce_variables_typed(s, op, NULL, inputs, max_list, out, errs);
}

static int gql_coerce_variables_in(const gql_schema *s, const gql_definition *op, const gql_var_types *vt,
                                   json_object *inputs, size_t max_list, int extend, json_object **out,
                                   gql_error_list *errs)
{
    *out = NULL;
    if (max_list == 0)
        max_list = GQL_MAX_INPUT_LIST;
    if (inputs != NULL && !json_object_is_type(inputs, json_type_object))
        inputs = NULL;
    /* Coerced variables share `inputs` itself when it holds exactly the
	 * defined variables, in order, with values that coerce to themselves. */
    gql_lazy_obj lz;
    gql_lazy_init(&lz, inputs);
    struct lh_entry *cursor = NULL;
    size_t nerr = 0, start = errs->count;
    int rc = 0;
    size_t idx = 0;
    for (const gql_variable_def *vd = op->variables; vd != NULL; vd = vd->next, idx++) {
        gql_vctx c = {vd, errs, &nerr, 0, 0, max_list, extend};
        gql_typeref buf[GQL_MAX_TYPE_DEPTH];
        size_t used = 0;
        const gql_typeref *t =
            vt != NULL && idx < vt->n ? vt->types[idx] : gql_typeref_from_ast(s, vd->type, buf, &used);
        json_object *given = NULL;
        int present = inputs != NULL && gql_json_member(inputs, vd->name, &cursor, &given);
        if (t == NULL) {
            rc = gql_variable_error(errs, vd, "expected value of type ",
                                    " which cannot be used as an input type.");
            nerr++;
        } else if (!present) {
            if (vd->default_value != NULL) {
                json_object *cv = NULL;
                int lrc = gql_coerce_literal(vd->default_value, t, NULL, max_list, &cv);
                if (lrc < 0)
                    rc = lrc;
                else if (lrc == 0)
                    rc = gql_lazy_add(&lz, vd->name, cv);
            } else if (t->kind == GQL_TYPE_NON_NULL) {
                rc = gql_variable_error(errs, vd, "of required type ", " was not provided.");
                nerr++;
            }
        } else if (given == NULL && t->kind == GQL_TYPE_NON_NULL) {
            rc = gql_variable_error(errs, vd, "of non-null type ", " must not be null.");
            nerr++;
        } else {
            json_object *cv = NULL;
            size_t before = errs->count;
            rc = gql_coerce_input(&c, given, t, NULL, &cv);
            if (c.oom)
                rc = GQL_ENOMEM;
            if (rc == 0 && errs->count == before)
                rc = gql_lazy_add(&lz, vd->name, cv);
            else
                json_object_put(cv);
            if (c.stop)
                break;
        }
        if (rc != 0)
            break;
        if (nerr > GQL_MAX_VARIABLE_ERRORS)
            break;
    }
    if (rc == 0 && (errs->count > start || nerr > 0))
        rc = GQL_EINVAL;
    if (rc == 0 && errs->oom)
        rc = GQL_ENOMEM;
    if (rc == 0 && (*out = gql_lazy_finish(&lz)) == NULL)
        rc = GQL_ENOMEM;
    json_object_put(lz.out);
    return rc;
}

int gql_coerce_variables_typed(const gql_schema *s, const gql_definition *op, const gql_var_types *vt,
                               json_object *inputs, size_t max_list, json_object **out, gql_error_list *errs)
{
    return gql_coerce_variables_in(s, op, vt, inputs, max_list, 0, out, errs);
}

int gql_coerce_variables_extend(const gql_schema *s, const gql_definition *op, const gql_var_types *vt,
                                json_object *inputs, size_t max_list, json_object **out, gql_error_list *errs)
{
    return gql_coerce_variables_in(s, op, vt, inputs, max_list, 1, out, errs);
}

static int gql_missing_var(const gql_value *v, json_object *vars)
{
    return v->kind == GQL_VALUE_VARIABLE && (vars == NULL || !json_object_object_get_ex(vars, v->str, NULL));
}

/* valueFromASTUntyped, for custom scalars. */
static int gql_untyped(const gql_value *v, json_object *vars, json_object **out)
{
    *out = NULL;
    switch (v->kind) {
    case GQL_VALUE_INT: {
        errno = 0;
        long long n = strtoll(v->str, NULL, 10);
        *out = errno == 0 ? json_object_new_int64(n) : json_object_new_double(strtod(v->str, NULL));
        break;
    }
    case GQL_VALUE_FLOAT:
        *out = json_object_new_double(strtod(v->str, NULL));
        break;
    case GQL_VALUE_STRING:
    case GQL_VALUE_ENUM:
        *out = json_object_new_string(v->str);
        break;
    case GQL_VALUE_BOOLEAN:
        *out = json_object_new_boolean(v->boolean);
        break;
    case GQL_VALUE_NULL:
        return 0;
    case GQL_VALUE_VARIABLE: {
        json_object *x = NULL;
        if (vars != NULL && json_object_object_get_ex(vars, v->str, &x))
            *out = json_object_get(x);
        return 0;
    }
    case GQL_VALUE_LIST:
        *out = json_object_new_array();
        if (*out == NULL)
            return GQL_ENOMEM;
        for (const gql_value *i = v->items; i != NULL; i = i->next) {
            json_object *x = NULL;
            if (gql_untyped(i, vars, &x) != 0 || json_object_array_add(*out, x) != 0) {
                json_object_put(x);
                return GQL_ENOMEM;
            }
        }
        return 0;
    case GQL_VALUE_OBJECT:
        *out = json_object_new_object();
        if (*out == NULL)
            return GQL_ENOMEM;
        for (const gql_object_field *f = v->fields; f != NULL; f = f->next) {
            if (gql_missing_var(f->value, vars))
                continue;
            json_object *x = NULL;
            if (gql_untyped(f->value, vars, &x) != 0 || json_object_object_add(*out, f->name, x) != 0) {
                json_object_put(x);
                return GQL_ENOMEM;
            }
        }
        return 0;
    }
    return *out == NULL ? GQL_ENOMEM : 0;
}

/* parseLiteral of a leaf type: 0 with *out, GQL_COERCE_INVALID, GQL_ENOMEM. */
static int gql_literal_leaf(const gql_value *v, const gql_type *t, json_object *vars, json_object **out)
{
    *out = NULL;
    if (t->kind == GQL_KIND_ENUM) {
        if (v->kind != GQL_VALUE_ENUM || gql_type_enum_value(t, v->str) == NULL)
            return GQL_COERCE_INVALID;
        *out = json_object_new_string(v->str);
    } else if (!t->builtin) {
        int rc = gql_untyped(v, vars, out);
        if (rc != 0) {
            json_object_put(*out);
            *out = NULL;
        }
        return rc;
    } else if (t->builtin == GQL_SCALAR_INT) {
        if (v->kind != GQL_VALUE_INT)
            return GQL_COERCE_INVALID;
        double d = strtod(v->str, NULL);
        if (d > GQL_MAX_INT || d < GQL_MIN_INT)
            return GQL_COERCE_INVALID;
        *out = json_object_new_int64((int64_t)d);
    } else if (t->builtin == GQL_SCALAR_FLOAT) {
        if (v->kind != GQL_VALUE_INT && v->kind != GQL_VALUE_FLOAT)
            return GQL_COERCE_INVALID;
        double d = strtod(v->str, NULL);
        if (!isfinite(d))
            return GQL_COERCE_INVALID;
        *out = json_object_new_double(d);
    } else if (t->builtin == GQL_SCALAR_STRING) {
        if (v->kind != GQL_VALUE_STRING)
            return GQL_COERCE_INVALID;
        *out = json_object_new_string(v->str);
    } else if (t->builtin == GQL_SCALAR_BOOLEAN) {
        if (v->kind != GQL_VALUE_BOOLEAN)
            return GQL_COERCE_INVALID;
        *out = json_object_new_boolean(v->boolean);
    } else { /* ID */
        if (v->kind != GQL_VALUE_STRING && v->kind != GQL_VALUE_INT)
            return GQL_COERCE_INVALID;
        *out = json_object_new_string(v->str);
    }
    return *out == NULL ? GQL_ENOMEM : 0;
}

int gql_coerce_literal(const gql_value *v, const gql_typeref *t, json_object *vars, size_t max_list,
                       json_object **out)
{
    *out = NULL;
    if (max_list == 0)
        max_list = GQL_MAX_INPUT_LIST;
    if (v->kind == GQL_VALUE_VARIABLE) {
        json_object *x = NULL;
        if (vars == NULL || !json_object_object_get_ex(vars, v->str, &x))
            return GQL_COERCE_INVALID;
        if (x == NULL && t->kind == GQL_TYPE_NON_NULL)
            return GQL_COERCE_INVALID;
        *out = json_object_get(x);
        return 0;
    }
    if (t->kind == GQL_TYPE_NON_NULL) {
        if (v->kind == GQL_VALUE_NULL)
            return GQL_COERCE_INVALID;
        return gql_coerce_literal(v, t->of_type, vars, max_list, out);
    }
    if (v->kind == GQL_VALUE_NULL)
        return 0;
    if (t->kind == GQL_TYPE_LIST) {
        if (v->kind != GQL_VALUE_LIST) {
            json_object *x = NULL;
            int rc = gql_coerce_literal(v, t->of_type, vars, max_list, &x);
            if (rc != 0)
                return rc;
            *out = json_object_new_array_ext(1);
            if (*out == NULL || json_object_array_add(*out, x) != 0) {
                json_object_put(x);
                return GQL_ENOMEM;
            }
            return 0;
        }
        if (v->count > max_list)
            return GQL_COERCE_INVALID;
        json_object *arr = json_object_new_array_ext((int)v->count);
        if (arr == NULL)
            return GQL_ENOMEM;
        for (const gql_value *i = v->items; i != NULL; i = i->next) {
            json_object *x = NULL;
            int rc = 0;
            if (gql_missing_var(i, vars)) {
                if (t->of_type->kind == GQL_TYPE_NON_NULL)
                    rc = GQL_COERCE_INVALID;
            } else {
                rc = gql_coerce_literal(i, t->of_type, vars, max_list, &x);
            }
            if (rc == 0 && json_object_array_add(arr, x) != 0) {
                json_object_put(x);
                rc = GQL_ENOMEM;
            }
            if (rc != 0) {
                json_object_put(arr);
                return rc;
            }
        }
        *out = arr;
        return 0;
    }
    const gql_type *nt = t->named;
    if (nt->kind == GQL_KIND_INPUT_OBJECT) {
        if (v->kind != GQL_VALUE_OBJECT)
            return GQL_COERCE_INVALID;
        json_object *obj = json_object_new_object();
        if (obj == NULL)
            return GQL_ENOMEM;
        for (size_t i = 0; i < nt->ninput_fields; i++) {
            const gql_input_value *f = &nt->input_fields[i];
            const gql_object_field *node = NULL;
            for (const gql_object_field *of = v->fields; of != NULL; of = of->next)
                if (strcmp(of->name, f->name) == 0) {
                    node = of;
                    break;
                }
            json_object *x = NULL;
            int rc = 0;
            if (node == NULL || gql_missing_var(node->value, vars)) {
                if (f->default_value != NULL)
                    rc = gql_coerce_literal(f->default_value, f->type, NULL, max_list, &x);
                else if (f->type->kind == GQL_TYPE_NON_NULL)
                    rc = GQL_COERCE_INVALID;
                else
                    continue;
            } else {
                rc = gql_coerce_literal(node->value, f->type, vars, max_list, &x);
            }
            if (rc == 0 && json_object_object_add(obj, f->name, x) != 0) {
                json_object_put(x);
                rc = GQL_ENOMEM;
            }
            if (rc != 0) {
                json_object_put(obj);
                return rc;
            }
        }
        *out = obj;
        return 0;
    }
    return gql_literal_leaf(v, nt, vars, out);
}

/* Appends one argument error with one location. */
static int gql_arg_error(gql_error_list *errs, gql_loc loc, const gql_sbuf *m)
{
    if (m->oom)
        return GQL_ENOMEM;
    if (gql_error_list_add(errs, NULL, 0, &loc, 1, "%s", gql_sbuf_str(m)) != 0)
        return GQL_ENOMEM;
    return GQL_EINVAL;
}

/* Adds key to o (copied unless constant_key: then a schema name); takes x.
 * The key is new: definitions are unique and o starts empty. */
static int gql_arg_add(json_object *o, const char *key, json_object *x, int constant_key)
{
    unsigned opts = JSON_C_OBJECT_ADD_KEY_IS_NEW | (constant_key ? JSON_C_OBJECT_ADD_CONSTANT_KEY : 0);
    if (json_object_object_add_ex(o, key, x, opts) != 0) {
        json_object_put(x);
        return GQL_ENOMEM;
    }
    return 0;
}

/* CoerceArgumentValues into `into`. */
static int gql_coerce_args(const gql_input_value *defs, size_t ndefs, const gql_argument *args,
                           gql_loc node_loc, json_object *vars, size_t max_list, json_object *into,
                           int constant_keys, gql_error_list *errs)
{
    int rc = 0;
    for (size_t i = 0; i < ndefs && rc == 0; i++) {
        const gql_input_value *d = &defs[i];
        const gql_argument *a = args;
        while (a != NULL && strcmp(a->name, d->name) != 0)
            a = a->next;
        json_object *x = NULL;
        gql_sbuf m = {0};
        int use_default = 0;
        if (a == NULL) {
            if (d->default_value != NULL) {
                use_default = 1;
            } else if (d->type->kind == GQL_TYPE_NON_NULL) {
                gql_sbuf_printf(&m, "Argument \"%s\" of required type \"", d->name);
                gql_print_typeref(&m, d->type);
                gql_sbuf_puts(&m, "\" was not provided.");
                rc = gql_arg_error(errs, node_loc, &m);
            }
        } else {
            const gql_value *vn = a->value;
            int is_null = vn->kind == GQL_VALUE_NULL;
            int skip = 0;
            json_object *vv = NULL;
            if (vn->kind == GQL_VALUE_VARIABLE) {
                struct lh_entry *cur = NULL;
                if (vars == NULL || !gql_json_member(vars, vn->str, &cur, &vv)) {
                    skip = 1;
                    if (d->default_value != NULL) {
                        use_default = 1;
                    } else if (d->type->kind == GQL_TYPE_NON_NULL) {
                        gql_sbuf_printf(&m, "Argument \"%s\" of required type \"", d->name);
                        gql_print_typeref(&m, d->type);
                        gql_sbuf_printf(&m,
                                        "\" was provided the variable \"$%s\" "
                                        "which was not provided a runtime value.",
                                        vn->str);
                        rc = gql_arg_error(errs, vn->loc, &m);
                    }
                }
                is_null = vv == NULL;
            }
            if (!skip && rc == 0) {
                if (is_null && d->type->kind == GQL_TYPE_NON_NULL) {
                    gql_sbuf_printf(&m, "Argument \"%s\" of non-null type \"", d->name);
                    gql_print_typeref(&m, d->type);
                    gql_sbuf_puts(&m, "\" must not be null.");
                    rc = gql_arg_error(errs, vn->loc, &m);
                } else if (vn->kind == GQL_VALUE_VARIABLE) {
                    /* valueFromAST of a variable is its coerced value,
					 * found above */
                    rc = gql_arg_add(into, d->name, json_object_get(vv), constant_keys);
                } else {
                    int lrc = gql_coerce_literal(vn, d->type, vars, max_list, &x);
                    if (lrc == GQL_COERCE_INVALID) {
                        gql_sbuf_printf(&m, "Argument \"%s\" has invalid value ", d->name);
                        gql_print_value(&m, vn);
                        gql_sbuf_puts(&m, ".");
                        rc = gql_arg_error(errs, vn->loc, &m);
                    } else if (lrc < 0) {
                        rc = lrc;
                    } else {
                        rc = gql_arg_add(into, d->name, x, constant_keys);
                    }
                }
            }
        }
        if (use_default && rc == 0) {
            int lrc = gql_coerce_literal(d->default_value, d->type, NULL, max_list, &x);
            if (lrc < 0)
                rc = lrc;
            else if (lrc == 0)
                rc = gql_arg_add(into, d->name, x, constant_keys);
        }
        gql_sbuf_free(&m);
    }
    if (rc != 0)
        gql_json_clear(into);
    return rc;
}

int gql_coerce_arguments(const gql_input_value *defs, size_t ndefs, const gql_argument *args,
                         gql_loc node_loc, json_object *vars, size_t max_list, json_object **out,
                         gql_error_list *errs)
{
    *out = json_object_new_object();
    if (*out == NULL)
        return GQL_ENOMEM;
    int rc = gql_coerce_args(defs, ndefs, args, node_loc, vars, max_list, *out, 0, errs);
    if (rc != 0) {
        json_object_put(*out);
        *out = NULL;
    }
    return rc;
}

int gql_coerce_arguments_into(const gql_input_value *defs, size_t ndefs, const gql_argument *args,
                              gql_loc node_loc, json_object *vars, size_t max_list, json_object *into,
                              gql_error_list *errs)
{
    return gql_coerce_args(defs, ndefs, args, node_loc, vars, max_list, into, 1, errs);
}

/* astFromValue + print. Returns 1 if something was printed, 0 for
 * "undefined". */
static int gql_print_coerced(gql_sbuf *b, json_object *v, const gql_typeref *t)
{
    if (t->kind == GQL_TYPE_NON_NULL) {
        if (v == NULL)
            return 0;
        return gql_print_coerced(b, v, t->of_type);
    }
    if (v == NULL) {
        gql_sbuf_puts(b, "null");
        return 1;
    }
    if (t->kind == GQL_TYPE_LIST) {
        if (!json_object_is_type(v, json_type_array))
            return gql_print_coerced(b, v, t->of_type);
        gql_sbuf_puts(b, "[");
        size_t n = json_object_array_length(v);
        int any = 0;
        for (size_t i = 0; i < n; i++) {
            gql_sbuf item = {0};
            if (gql_print_coerced(&item, json_object_array_get_idx(v, i), t->of_type)) {
                if (any)
                    gql_sbuf_puts(b, ", ");
                gql_sbuf_puts(b, gql_sbuf_str(&item));
                any = 1;
            }
            if (item.oom)
                b->oom = 1;
            gql_sbuf_free(&item);
        }
        gql_sbuf_puts(b, "]");
        return 1;
    }
    const gql_type *nt = t->named;
    if (nt->kind == GQL_KIND_INPUT_OBJECT) {
        if (!json_object_is_type(v, json_type_object))
            return 0;
        gql_sbuf_puts(b, "{");
        int any = 0;
        for (size_t i = 0; i < nt->ninput_fields; i++) {
            json_object *fv;
            if (!json_object_object_get_ex(v, nt->input_fields[i].name, &fv))
                continue;
            gql_sbuf item = {0};
            if (gql_print_coerced(&item, fv, nt->input_fields[i].type)) {
                if (any)
                    gql_sbuf_puts(b, ", ");
                gql_sbuf_printf(b, "%s: %s", nt->input_fields[i].name, gql_sbuf_str(&item));
                any = 1;
            }
            if (item.oom)
                b->oom = 1;
            gql_sbuf_free(&item);
        }
        gql_sbuf_puts(b, "}");
        return 1;
    }
    double d;
    switch (json_object_get_type(v)) {
    case json_type_boolean:
        gql_sbuf_puts(b, json_object_get_boolean(v) ? "true" : "false");
        return 1;
    case json_type_int:
    case json_type_double:
        d = json_object_get_double(v);
        if (!isfinite(d))
            return 0;
        gql_js_number(b, d);
        return 1;
    case json_type_string: {
        const char *s = json_object_get_string(v);
        if (nt->kind == GQL_KIND_ENUM) {
            gql_sbuf_puts(b, s);
            return 1;
        }
        if (nt->builtin == GQL_SCALAR_ID) {
            const char *p = s + (*s == '-');
            int intlike = (*p == '0' && p[1] == '\0') || (*p >= '1' && *p <= '9');
            for (const char *q = p + 1; intlike && *p != '0' && *q != '\0'; q++)
                intlike = *q >= '0' && *q <= '9';
            if (intlike) {
                gql_sbuf_puts(b, s);
                return 1;
            }
        }
        gql_print_string(b, s);
        return 1;
    }
    default:
        return 0;
    }
}

char *gql_coerce_print_value(json_object *v, const gql_typeref *t, int *oom)
{
    gql_sbuf b = {0};
    *oom = 0;
    if (!gql_print_coerced(&b, v, t) || b.oom) {
        *oom = b.oom;
        gql_sbuf_free(&b);
        return NULL;
    }
    if (b.p == NULL) {
        gql_sbuf_free(&b);
        return strdup("");
    }
    return b.p;
}
