/* CompleteValue: non-null, lists, leaf serialisation (graphql-js 16's
 * serialize functions of Int, Float, String, Boolean, ID and enums), abstract
 * types and objects. Values are written as JSON text into the state's
 * output buffer (gql_jsonw prints exactly what json-c would). */
#include "config.h"

#include "gql/gql_exec_private.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_jsfmt.h"
#include "gql/gql_jsonw.h"

#define GQL_MAX_INT 2147483647.0
#define GQL_MIN_INT (-2147483648.0)

gql_type_resolver_fn gql_x_type_resolver(const gql_resolvers *r);

/* Records msg as a field error at path and asks for null propagation. */
static int gql_raise(struct gql_exec_state *st, const gql_fctx *fc, const gql_exec_path *path,
                     const gql_sbuf *msg)
{
    if (msg->oom)
        return GQL_ENOMEM;
    int rc = gql_x_record(st, gql_sbuf_str(msg), NULL, fc->g, NULL, path);
    return rc < 0 ? rc : GQL_X_NULLED;
}

/* JavaScript's Number(string) for a non-empty string: 1 and *d, or 0 (NaN). */
static int gql_js_string_number(const char *s, double *d)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0) {
        *d = 0;
        return 1;
    }
    char buf[400];
    if (n >= sizeof(buf))
        return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *p = buf;
    int neg = 0;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (strcmp(p, "Infinity") == 0) {
        *d = neg ? -INFINITY : INFINITY;
        return 1;
    }
    if (p == buf && p[0] == '0' &&
        (p[1] == 'x' || p[1] == 'X' || p[1] == 'o' || p[1] == 'O' || p[1] == 'b' || p[1] == 'B')) {
        int base = (p[1] == 'x' || p[1] == 'X') ? 16 : (p[1] == 'o' || p[1] == 'O') ? 8 : 2;
        if (p[2] == '\0')
            return 0;
        double v = 0;
        for (const char *q = p + 2; *q != '\0'; q++) {
            int dv = isdigit((unsigned char)*q)    ? *q - '0'
                     : isxdigit((unsigned char)*q) ? tolower((unsigned char)*q) - 'a' + 10
                                                   : 99;
            if (dv >= base)
                return 0;
            v = v * base + dv;
        }
        *d = v;
        return 1;
    }
    /* Decimal: digits [. digits] [e[+-]digits], at least one digit. */
    const char *q = p;
    int digits = 0;
    while (isdigit((unsigned char)*q)) {
        q++;
        digits++;
    }
    if (*q == '.') {
        q++;
        while (isdigit((unsigned char)*q)) {
            q++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!isdigit((unsigned char)*q))
            return 0;
        while (isdigit((unsigned char)*q))
            q++;
    }
    if (*q != '\0')
        return 0;
    *d = strtod(buf, NULL);
    return 1;
}

/* Appends the JSON of a value made by coercion (rare paths), as json-c
 * prints it; takes o. */
static int gql_put_new(struct gql_exec_state *st, json_object *o)
{
    if (o == NULL)
        return GQL_ENOMEM;
    gql_jsonw_value(st->out, o);
    json_object_put(o);
    return GQL_X_OK;
}

/* Appends the number d as a JSON string, as String(d) prints it. */
static int gql_put_number_string(struct gql_exec_state *st, double d)
{
    gql_sbuf m = {0};
    gql_js_number(&m, d);
    if (m.oom)
        return GQL_ENOMEM;
    gql_jsonw_string(st->out, m.p, m.len);
    gql_sbuf_free(&m);
    return GQL_X_OK;
}

/* Serialises v (not null) for leaf type t. */
static int gql_complete_leaf(struct gql_exec_state *st, const gql_type *t, const gql_fctx *fc,
                             const gql_exec_path *path, json_object *v)
{
    json_type jt = json_object_get_type(v);
    gql_sbuf m = {0};
    double d = 0;
    int rc;
    if (t->kind == GQL_KIND_ENUM) {
        if (jt == json_type_string && gql_type_enum_value(t, json_object_get_string(v)) != NULL) {
            gql_jsonw_value(st->out, v);
            return GQL_X_OK;
        }
        gql_sbuf_printf(&m, "Enum \"%s\" cannot represent value: ", t->name);
        gql_js_inspect(&m, v);
        goto raise;
    }
    if (!t->builtin) { /* custom scalar: serialize is the identity */
        gql_jsonw_value(st->out, v);
        return GQL_X_OK;
    }
    if (t->builtin == GQL_SCALAR_STRING) {
        if (jt == json_type_string) {
            gql_jsonw_value(st->out, v);
            return GQL_X_OK;
        }
        if (jt == json_type_boolean) {
            if (json_object_get_boolean(v))
                gql_sbuf_putn(st->out, "\"true\"", 6);
            else
                gql_sbuf_putn(st->out, "\"false\"", 7);
            return GQL_X_OK;
        }
        if ((jt == json_type_int || jt == json_type_double) && isfinite(json_object_get_double(v)))
            return gql_put_number_string(st, json_object_get_double(v));
        gql_sbuf_puts(&m, "String cannot represent value: ");
        gql_js_inspect(&m, v);
        goto raise;
    }
    if (t->builtin == GQL_SCALAR_BOOLEAN) {
        if (jt == json_type_boolean) {
            gql_jsonw_value(st->out, v);
            return GQL_X_OK;
        }
        if ((jt == json_type_int || jt == json_type_double) && isfinite(json_object_get_double(v))) {
            if (json_object_get_double(v) != 0)
                gql_sbuf_putn(st->out, "true", 4);
            else
                gql_sbuf_putn(st->out, "false", 5);
            return GQL_X_OK;
        }
        gql_sbuf_puts(&m, "Boolean cannot represent a non boolean value: ");
        gql_js_inspect(&m, v);
        goto raise;
    }
    if (t->builtin == GQL_SCALAR_ID) {
        if (jt == json_type_string) {
            gql_jsonw_value(st->out, v);
            return GQL_X_OK;
        }
        if (gql_json_integer(v, &d))
            return gql_put_number_string(st, d);
        gql_sbuf_puts(&m, "ID cannot represent value: ");
        gql_js_inspect(&m, v);
        goto raise;
    }
    /* Int and Float: booleans count as 1/0, numeric strings as numbers. */
    int is_int = t->builtin == GQL_SCALAR_INT;
    int num_ok = 0;
    if (jt == json_type_boolean) {
        d = json_object_get_boolean(v) ? 1 : 0;
        num_ok = 1;
    } else if (jt == json_type_int || jt == json_type_double) {
        d = json_object_get_double(v);
        num_ok = 1;
    } else if (jt == json_type_string && json_object_get_string_len(v) > 0) {
        num_ok = gql_js_string_number(json_object_get_string(v), &d);
    }
    if (is_int) {
        if (!num_ok || !gql_is_integral(d)) {
            gql_sbuf_puts(&m, "Int cannot represent non-integer value: ");
            gql_js_inspect(&m, v);
            goto raise;
        }
        if (d > GQL_MAX_INT || d < GQL_MIN_INT) {
            gql_sbuf_puts(&m, "Int cannot represent non 32-bit signed integer value: ");
            gql_js_inspect(&m, v);
            goto raise;
        }
        if (jt == json_type_int)
            gql_jsonw_value(st->out, v);
        else
            gql_jsonw_int(st->out, (int64_t)d);
        return GQL_X_OK;
    }
    if (!num_ok || !isfinite(d)) {
        gql_sbuf_puts(&m, "Float cannot represent non numeric value: ");
        gql_js_inspect(&m, v);
        goto raise;
    }
    if (jt == json_type_int || jt == json_type_double) {
        gql_jsonw_value(st->out, v);
        return GQL_X_OK;
    }
    return gql_put_new(st, json_object_new_double(d));
raise:
    rc = gql_raise(st, fc, path, &m);
    gql_sbuf_free(&m);
    return rc;
}

static int gql_complete_abstract(struct gql_exec_state *st, const gql_type *t, const gql_fctx *fc,
                                 const gql_exec_path *path, json_object *v)
{
    gql_type_resolver_fn hook = gql_x_type_resolver(st->p->resolvers);
    const char *name = NULL;
    json_object *tn = NULL;
    if (hook != NULL)
        name = hook(t, v, st->p->ctx);
    else if (json_object_object_get_ex(v, "__typename", &tn) && json_object_is_type(tn, json_type_string))
        name = json_object_get_string(tn);
    gql_sbuf m = {0};
    const gql_type *rt = name != NULL ? gql_x_type(st, name) : NULL;
    if (name == NULL)
        gql_sbuf_printf(&m,
                        "Abstract type \"%s\" must resolve to an Object type at runtime "
                        "for field \"%s.%s\". Either the \"%s\" type should provide a "
                        "\"resolveType\" function or each possible type should provide "
                        "an \"isTypeOf\" function.",
                        t->name, fc->ptype->name, fc->fname, t->name);
    else if (rt == NULL)
        gql_sbuf_printf(&m,
                        "Abstract type \"%s\" was resolved to a type \"%s\" that does "
                        "not exist inside the schema.",
                        t->name, name);
    else if (rt->kind != GQL_KIND_OBJECT)
        gql_sbuf_printf(&m, "Abstract type \"%s\" was resolved to a non-object type \"%s\".", t->name, name);
    else if (!gql_schema_is_possible_type(t, rt))
        gql_sbuf_printf(&m, "Runtime Object type \"%s\" is not a possible type for \"%s\".", rt->name,
                        t->name);
    else
        return gql_x_complete_object(st, rt, fc, path, v);
    int rc = gql_raise(st, fc, path, &m);
    gql_sbuf_free(&m);
    return rc;
}

static int gql_complete_list(struct gql_exec_state *st, const gql_typeref *t, const gql_fctx *fc,
                             const gql_exec_path *path, json_object *v)
{
    if (!json_object_is_type(v, json_type_array)) {
        gql_sbuf m = {0};
        gql_sbuf_printf(&m, "Expected Iterable, but did not find one for field \"%s.%s\".", fc->ptype->name,
                        fc->fname);
        int rc = gql_raise(st, fc, path, &m);
        gql_sbuf_free(&m);
        return rc;
    }
    gql_sbuf *out = st->out;
    size_t n = json_object_array_length(v);
    gql_jsonw_byte(out, '[');
    for (size_t i = 0; i < n; i++) {
        gql_exec_path step = {path, NULL, i};
        if (i > 0)
            gql_jsonw_byte(out, ',');
        size_t start = out->len;
        int rc = gql_x_complete(st, t->of_type, fc, &step, json_object_array_get_idx(v, i));
        if (rc == GQL_X_NULLED && t->of_type->kind != GQL_TYPE_NON_NULL) {
            gql_jsonw_truncate(out, start);
            gql_sbuf_putn(out, "null", 4);
            rc = GQL_X_OK;
        }
        if (rc != GQL_X_OK)
            return rc;
    }
    gql_jsonw_byte(out, ']');
    return out->oom ? GQL_ENOMEM : GQL_X_OK;
}

int gql_x_complete(struct gql_exec_state *st, const gql_typeref *t, const gql_fctx *fc,
                   const gql_exec_path *path, json_object *v)
{
    /* The most common leaf first: a String or ID field holding a string
	 * serialises as itself. */
    const gql_typeref *u = t->kind == GQL_TYPE_NON_NULL ? t->of_type : t;
    if (v != NULL && u->kind == GQL_TYPE_NAMED &&
        (u->named->builtin == GQL_SCALAR_STRING || u->named->builtin == GQL_SCALAR_ID) &&
        json_object_get_type(v) == json_type_string) {
        gql_jsonw_string(st->out, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        return GQL_X_OK;
    }
    if (t->kind == GQL_TYPE_NON_NULL) {
        if (v != NULL)
            return gql_x_complete(st, t->of_type, fc, path, v);
        gql_sbuf m = {0};
        gql_sbuf_printf(&m, "Cannot return null for non-nullable field %s.%s.", fc->ptype->name, fc->fname);
        int rc = gql_raise(st, fc, path, &m);
        gql_sbuf_free(&m);
        return rc;
    }
    if (v == NULL) {
        gql_jsonw_raw(st->out, "null", 4);
        return GQL_X_OK;
    }
    if (t->kind == GQL_TYPE_LIST)
        return gql_complete_list(st, t, fc, path, v);
    const gql_type *nt = t->named;
    switch (nt->kind) {
    case GQL_KIND_SCALAR:
    case GQL_KIND_ENUM:
        return gql_complete_leaf(st, nt, fc, path, v);
    case GQL_KIND_INTERFACE:
    case GQL_KIND_UNION:
        return gql_complete_abstract(st, nt, fc, path, v);
    case GQL_KIND_OBJECT:
        return gql_x_complete_object(st, nt, fc, path, v);
    default:
        return GQL_EINVAL;
    }
}
