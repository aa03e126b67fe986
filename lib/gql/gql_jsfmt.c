/* Message formatting that follows graphql-js 16 character for character:
 * error texts are compared with graphql-js's in the differential tests. */
#include "config.h"

#include "gql/gql_jsfmt.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_suggest.h"

/* graphql-js inspect(): nesting shown, items shown, suggestions shown. */
#define GQL_INSPECT_MAX_DEPTH 2
#define GQL_INSPECT_MAX_ITEMS 10

static int gql_sbuf_grow(gql_sbuf *b, size_t more)
{
    if (b->oom)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->oom = 1;
            return -1;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void gql_sbuf_putn(gql_sbuf *b, const char *s, size_t n)
{
    if (gql_sbuf_grow(b, n) != 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void gql_sbuf_puts(gql_sbuf *b, const char *s)
{
    gql_sbuf_putn(b, s, strlen(s));
}

void gql_sbuf_printf(gql_sbuf *b, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        gql_sbuf_putn(b, small, (size_t)n);
        return;
    }
    if (gql_sbuf_grow(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *gql_sbuf_str(const gql_sbuf *b)
{
    return b->p != NULL ? b->p : "";
}

void gql_sbuf_free(gql_sbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

void gql_js_number(gql_sbuf *b, double d)
{
    if (isnan(d)) {
        gql_sbuf_puts(b, "NaN");
        return;
    }
    if (isinf(d)) {
        gql_sbuf_puts(b, d < 0 ? "-Infinity" : "Infinity");
        return;
    }
    if (d == 0) {
        gql_sbuf_puts(b, "0");
        return;
    }
    /* Shortest precision that reads back the same double. */
    char tmp[40];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* tmp is [-]D[.DDD]e[+-]XX: split into digits and exponent. */
    char digits[24];
    size_t k = 0;
    const char *c = tmp;
    if (*c == '-') {
        gql_sbuf_putn(b, "-", 1);
        c++;
    }
    for (; *c != 'e'; c++)
        if (isdigit((unsigned char)*c))
            digits[k++] = *c;
    while (k > 1 && digits[k - 1] == '0')
        k--;
    int n = atoi(c + 1) + 1; /* value = 0.DIGITS x 10^n */
    if ((int)k <= n && n <= 21) {
        gql_sbuf_putn(b, digits, k);
        for (int i = (int)k; i < n; i++)
            gql_sbuf_putn(b, "0", 1);
    } else if (0 < n && n <= 21) {
        gql_sbuf_putn(b, digits, (size_t)n);
        gql_sbuf_putn(b, ".", 1);
        gql_sbuf_putn(b, digits + n, k - (size_t)n);
    } else if (-6 < n && n <= 0) {
        gql_sbuf_puts(b, "0.");
        for (int i = 0; i < -n; i++)
            gql_sbuf_putn(b, "0", 1);
        gql_sbuf_putn(b, digits, k);
    } else {
        gql_sbuf_putn(b, digits, 1);
        if (k > 1) {
            gql_sbuf_putn(b, ".", 1);
            gql_sbuf_putn(b, digits + 1, k - 1);
        }
        gql_sbuf_printf(b, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
}

void gql_js_quote(gql_sbuf *b, const char *s, size_t len)
{
    gql_sbuf_putn(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = NULL;
        char u[8];
        switch (ch) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            if (ch < 0x20) {
                snprintf(u, sizeof(u), "\\u%04x", ch);
                esc = u;
            }
        }
        if (esc != NULL) {
            gql_sbuf_putn(b, s + run, i - run);
            gql_sbuf_puts(b, esc);
            run = i + 1;
        }
    }
    gql_sbuf_putn(b, s + run, len - run);
    gql_sbuf_putn(b, "\"", 1);
}

static void gql_inspect_at(gql_sbuf *b, json_object *v, int depth)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        gql_sbuf_puts(b, "null");
        return;
    case json_type_boolean:
        gql_sbuf_puts(b, json_object_get_boolean(v) ? "true" : "false");
        return;
    case json_type_int:
        gql_sbuf_printf(b, "%lld", (long long)json_object_get_int64(v));
        return;
    case json_type_double:
        gql_js_number(b, json_object_get_double(v));
        return;
    case json_type_string:
        gql_js_quote(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        return;
    case json_type_array: {
        size_t n = json_object_array_length(v);
        if (n == 0) {
            gql_sbuf_puts(b, "[]");
            return;
        }
        if (depth + 1 > GQL_INSPECT_MAX_DEPTH) {
            gql_sbuf_puts(b, "[Array]");
            return;
        }
        size_t shown = n < GQL_INSPECT_MAX_ITEMS ? n : GQL_INSPECT_MAX_ITEMS;
        gql_sbuf_puts(b, "[");
        for (size_t i = 0; i < shown; i++) {
            if (i > 0)
                gql_sbuf_puts(b, ", ");
            gql_inspect_at(b, json_object_array_get_idx(v, i), depth + 1);
        }
        if (n - shown == 1)
            gql_sbuf_puts(b, ", ... 1 more item");
        else if (n > shown)
            gql_sbuf_printf(b, ", ... %zu more items", n - shown);
        gql_sbuf_puts(b, "]");
        return;
    }
    case json_type_object: {
        if (json_object_object_length(v) == 0) {
            gql_sbuf_puts(b, "{}");
            return;
        }
        if (depth + 1 > GQL_INSPECT_MAX_DEPTH) {
            gql_sbuf_puts(b, "[Object]");
            return;
        }
        int first = 1;
        gql_sbuf_puts(b, "{ ");
        json_object_object_foreach(v, key, val)
        {
            if (!first)
                gql_sbuf_puts(b, ", ");
            first = 0;
            gql_sbuf_puts(b, key);
            gql_sbuf_puts(b, ": ");
            gql_inspect_at(b, val, depth + 1);
        }
        gql_sbuf_puts(b, " }");
        return;
    }
    }
}

void gql_js_inspect(gql_sbuf *b, json_object *v)
{
    gql_inspect_at(b, v, 0);
}

void gql_print_typeref(gql_sbuf *b, const gql_typeref *t)
{
    switch (t->kind) {
    case GQL_TYPE_NAMED:
        gql_sbuf_puts(b, t->named->name);
        break;
    case GQL_TYPE_LIST:
        gql_sbuf_puts(b, "[");
        gql_print_typeref(b, t->of_type);
        gql_sbuf_puts(b, "]");
        break;
    case GQL_TYPE_NON_NULL:
        gql_print_typeref(b, t->of_type);
        gql_sbuf_puts(b, "!");
        break;
    }
}

void gql_print_type_ast(gql_sbuf *b, const gql_type_ref *t)
{
    switch (t->kind) {
    case GQL_TYPE_NAMED:
        gql_sbuf_puts(b, t->name);
        break;
    case GQL_TYPE_LIST:
        gql_sbuf_puts(b, "[");
        gql_print_type_ast(b, t->of_type);
        gql_sbuf_puts(b, "]");
        break;
    case GQL_TYPE_NON_NULL:
        gql_print_type_ast(b, t->of_type);
        gql_sbuf_puts(b, "!");
        break;
    }
}

void gql_print_string(gql_sbuf *b, const char *s)
{
    gql_sbuf_putn(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;
    for (; p[i] != '\0'; i++) {
        char u[8];
        const char *esc = NULL;
        size_t skip = 1;
        switch (p[i]) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            if (p[i] < 0x20 || p[i] == 0x7f) {
                snprintf(u, sizeof(u), "\\u%04X", p[i]);
                esc = u;
            } else if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
                snprintf(u, sizeof(u), "\\u%04X", p[i + 1]);
                esc = u;
                skip = 2;
            }
        }
        if (esc != NULL) {
            gql_sbuf_putn(b, s + run, i - run);
            gql_sbuf_puts(b, esc);
            i += skip - 1;
            run = i + 1;
        }
    }
    gql_sbuf_putn(b, s + run, i - run);
    gql_sbuf_putn(b, "\"", 1);
}

void gql_print_value(gql_sbuf *b, const gql_value *v)
{
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        gql_sbuf_puts(b, "$");
        gql_sbuf_puts(b, v->str);
        break;
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT:
    case GQL_VALUE_ENUM:
        gql_sbuf_puts(b, v->str);
        break;
    case GQL_VALUE_STRING:
        gql_print_string(b, v->str);
        break;
    case GQL_VALUE_BOOLEAN:
        gql_sbuf_puts(b, v->boolean ? "true" : "false");
        break;
    case GQL_VALUE_NULL:
        gql_sbuf_puts(b, "null");
        break;
    case GQL_VALUE_LIST:
        gql_sbuf_puts(b, "[");
        for (const gql_value *i = v->items; i != NULL; i = i->next) {
            gql_print_value(b, i);
            if (i->next != NULL)
                gql_sbuf_puts(b, ", ");
        }
        gql_sbuf_puts(b, "]");
        break;
    case GQL_VALUE_OBJECT:
        gql_sbuf_puts(b, "{");
        for (const gql_object_field *f = v->fields; f != NULL; f = f->next) {
            gql_sbuf_puts(b, f->name);
            gql_sbuf_puts(b, ": ");
            gql_print_value(b, f->value);
            if (f->next != NULL)
                gql_sbuf_puts(b, ", ");
        }
        gql_sbuf_puts(b, "}");
        break;
    }
}

void gql_did_you_mean(gql_sbuf *b, const char *sub, const char *input, const char *const *options, size_t n)
{
    const char **names = malloc((n + 1) * sizeof(*names));
    long k = names != NULL ? gql_suggestion_list(input, options, n, names) : -1;
    char *text = k >= 0 ? gql_did_you_mean_text(sub, names, (size_t)k) : NULL;
    if (text == NULL)
        b->oom = 1;
    else
        gql_sbuf_puts(b, text);
    free(text);
    free(names);
}

int gql_is_integral(double d)
{
    if (!isfinite(d))
        return 0;
    if (d >= 9.0e15 || d <= -9.0e15) /* beyond 2^53 every double is whole */
        return 1;
    return d == (double)(long long)d;
}

int gql_json_integer(json_object *v, double *out)
{
    if (json_object_is_type(v, json_type_int)) {
        *out = (double)json_object_get_int64(v);
        return 1;
    }
    if (json_object_is_type(v, json_type_double)) {
        double d = json_object_get_double(v);
        if (gql_is_integral(d)) {
            *out = d;
            return 1;
        }
    }
    return 0;
}
