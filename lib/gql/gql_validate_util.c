/* gql_validate_util: the helpers the validation rules share: arena
 * containers, error reporting with graphql-js's error cap, the schema as
 * graphql-js's type map sees it, and the printing of types and values. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gql/gql_validate_private.h"

/* ---- memory and containers ---- */

void gql_v_nomem(gql_vctx *c)
{
    longjmp(c->escape, GQL_V_JMP_NOMEM);
}

void *gql_valloc(gql_vctx *c, size_t n)
{
    void *p = gql_arena_calloc(c->arena, n == 0 ? 1 : n);
    if (p == NULL)
        gql_v_nomem(c);
    return p;
}

void gql_vvec_push(gql_vctx *c, gql_vvec *v, const void *item)
{
    if (v->n == v->cap) {
        size_t cap = v->cap == 0 ? 8 : v->cap * 2;
        void **items = gql_valloc(c, cap * sizeof(*items));
        if (v->n > 0)
            memcpy(items, v->items, v->n * sizeof(*items));
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = (void *)(uintptr_t)item;
}

void *gql_vvec_top(const gql_vvec *v)
{
    return v->n == 0 ? NULL : v->items[v->n - 1];
}

void *gql_vvec_pop(gql_vvec *v)
{
    return v->n == 0 ? NULL : v->items[--v->n];
}

static uint64_t gql_vmap_hash(const char *s, const void *p1, const void *p2, int i)
{
    uint64_t h = 1469598103934665603ULL;
    if (s != NULL)
        for (const unsigned char *u = (const unsigned char *)s; *u != '\0'; u++)
            h = (h ^ *u) * 1099511628211ULL;
    uintptr_t parts[3] = {(uintptr_t)p1, (uintptr_t)p2, (uintptr_t)(unsigned)i};
    for (int k = 0; k < 3; k++) {
        h ^= parts[k] + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static int gql_vmap_match(const gql_vmap_slot *e, const char *s, const void *p1, const void *p2, int i)
{
    if (e->p1 != p1 || e->p2 != p2 || e->i != i)
        return 0;
    if (e->s == NULL || s == NULL)
        return e->s == s;
    return strcmp(e->s, s) == 0;
}

gql_vmap_slot *gql_vmap_find(const gql_vmap *m, const char *s, const void *p1, const void *p2, int i)
{
    if (m->cap == 0)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t k = (size_t)gql_vmap_hash(s, p1, p2, i) & mask;; k = (k + 1) & mask) {
        gql_vmap_slot *e = &m->slots[k];
        if (!e->used)
            return NULL;
        if (gql_vmap_match(e, s, p1, p2, i))
            return e;
    }
}

gql_vmap_slot *gql_vmap_put(gql_vctx *c, gql_vmap *m, const char *s, const void *p1, const void *p2, int i,
                            int *created)
{
    gql_vmap_slot *e = gql_vmap_find(m, s, p1, p2, i);
    if (e != NULL) {
        if (created != NULL)
            *created = 0;
        return e;
    }
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap == 0 ? 16 : m->cap * 2;
        gql_vmap_slot *slots = gql_valloc(c, cap * sizeof(*slots));
        for (size_t k = 0; k < m->cap; k++) {
            gql_vmap_slot *o = &m->slots[k];
            if (!o->used)
                continue;
            size_t j = (size_t)gql_vmap_hash(o->s, o->p1, o->p2, o->i) & (cap - 1);
            while (slots[j].used)
                j = (j + 1) & (cap - 1);
            slots[j] = *o;
        }
        m->slots = slots;
        m->cap = cap;
    }
    size_t j = (size_t)gql_vmap_hash(s, p1, p2, i) & (m->cap - 1);
    while (m->slots[j].used)
        j = (j + 1) & (m->cap - 1);
    e = &m->slots[j];
    e->s = s;
    e->p1 = p1;
    e->p2 = p2;
    e->i = i;
    e->used = 1;
    e->val = NULL;
    m->n++;
    if (created != NULL)
        *created = 1;
    return e;
}

void *gql_vmap_sget(const gql_vmap *m, const char *s)
{
    gql_vmap_slot *e = gql_vmap_find(m, s, NULL, NULL, 0);
    return e == NULL ? NULL : e->val;
}

void gql_vmap_sset(gql_vctx *c, gql_vmap *m, const char *s, const void *val)
{
    gql_vmap_put(c, m, s, NULL, NULL, 0, NULL)->val = (void *)(uintptr_t)val;
}

void gql_vbuf_add(gql_vctx *c, gql_vbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap == 0 ? 64 : b->cap;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *ns = gql_valloc(c, cap);
        if (b->n > 0)
            memcpy(ns, b->s, b->n);
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void gql_vbuf_puts(gql_vctx *c, gql_vbuf *b, const char *s)
{
    gql_vbuf_add(c, b, s, strlen(s));
}

void gql_vbuf_printf(gql_vctx *c, gql_vbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        gql_vbuf_add(c, b, small, (size_t)n);
        return;
    }
    char *big = gql_valloc(c, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    gql_vbuf_add(c, b, big, (size_t)n);
}

const char *gql_vbuf_str(gql_vctx *c, gql_vbuf *b)
{
    if (b->s == NULL)
        gql_vbuf_add(c, b, "", 0);
    return b->s;
}

/* ---- errors ---- */

void gql_v_report(gql_vctx *c, const gql_loc *locs, size_t nlocs, const char *fmt, ...)
{
    if (c->nreported >= GQL_VALIDATE_MAX_ERRORS) {
        if (gql_error_list_add(c->errors, NULL, 0, NULL, 0, "%s",
                               "Too many validation errors, error limit reached. "
                               "Validation aborted.") != 0)
            gql_v_nomem(c);
        longjmp(c->escape, GQL_V_JMP_ABORT);
    }
    va_list ap;
    va_start(ap, fmt);
    int rc = gql_error_list_vadd(c->errors, NULL, 0, locs, nlocs, fmt, ap);
    va_end(ap);
    if (rc != 0)
        gql_v_nomem(c);
    c->nreported++;
}

/* ---- the schema as graphql-js's type map has it ---- */

static int gql_v_ref_uses(const gql_typeref *r, unsigned *bits)
{
    const gql_type *t = gql_typeref_named(r);
    if (t == NULL)
        return 0;
    if (strcmp(t->name, "Int") == 0)
        *bits |= 1u;
    else if (strcmp(t->name, "Float") == 0)
        *bits |= 2u;
    else if (strcmp(t->name, "ID") == 0)
        *bits |= 4u;
    return 0;
}

static void gql_v_args_use(const gql_input_value *args, size_t n, unsigned *bits)
{
    for (size_t i = 0; i < n; i++)
        gql_v_ref_uses(args[i].type, bits);
}

/* Which of Int, Float and ID the schema refers to: graphql-js leaves the
 * others out of its type map. */
static unsigned gql_v_reachable_scalars(gql_vctx *c)
{
    if (c->scalars_checked)
        return c->reachable_scalars;
    unsigned bits = 0;
    size_t nt = gql_schema_type_count(c->schema);
    for (size_t i = 0; i < nt; i++) {
        const gql_type *t = gql_schema_type_at(c->schema, i);
        for (size_t f = 0; f < t->nfields; f++) {
            gql_v_ref_uses(t->fields[f].type, &bits);
            gql_v_args_use(t->fields[f].args, t->fields[f].nargs, &bits);
        }
        gql_v_args_use(t->input_fields, t->ninput_fields, &bits);
    }
    size_t nd;
    const gql_directive_def *d = gql_schema_directives(c->schema, &nd);
    for (size_t i = 0; i < nd; i++)
        gql_v_args_use(d[i].args, d[i].nargs, &bits);
    c->reachable_scalars = bits;
    c->scalars_checked = 1;
    return bits;
}

static int gql_v_type_in_map(gql_vctx *c, const gql_type *t)
{
    if (!t->builtin)
        return 1;
    unsigned bit = 0;
    if (strcmp(t->name, "Int") == 0)
        bit = 1u;
    else if (strcmp(t->name, "Float") == 0)
        bit = 2u;
    else if (strcmp(t->name, "ID") == 0)
        bit = 4u;
    return bit == 0 || (gql_v_reachable_scalars(c) & bit) != 0;
}

const gql_type *gql_v_type(gql_vctx *c, const char *name)
{
    if (name[0] == '_' && name[1] == '_') {
        for (size_t i = 0; i < gql_v_nintrospection_types; i++)
            if (strcmp(gql_v_introspection_types[i]->name, name) == 0)
                return gql_v_introspection_types[i];
        return NULL;
    }
    const gql_type *t = gql_schema_type(c->schema, name);
    if (t == NULL || !gql_v_type_in_map(c, t))
        return NULL;
    return t;
}

const gql_vvec *gql_v_type_names(gql_vctx *c)
{
    if (c->type_names_done)
        return &c->type_names;
    size_t nt = gql_schema_type_count(c->schema);
    for (size_t i = 0; i < nt; i++) {
        const gql_type *t = gql_schema_type_at(c->schema, i);
        if (gql_v_type_in_map(c, t))
            gql_vvec_push(c, &c->type_names, t->name);
    }
    for (size_t i = 0; i < gql_v_nintrospection_names; i++)
        gql_vvec_push(c, &c->type_names, gql_v_introspection_names[i]);
    for (const gql_definition *d = c->doc->definitions; d != NULL; d = d->next)
        if (!d->is_extension && d->kind >= GQL_DEF_SCALAR && d->kind <= GQL_DEF_INPUT_OBJECT)
            gql_vvec_push(c, &c->type_names, d->name);
    c->type_names_done = 1;
    return &c->type_names;
}

const gql_typeref *gql_v_named_ref(gql_vctx *c, const gql_type *t)
{
    if (t == NULL)
        return NULL;
    gql_vmap_slot *e = gql_vmap_put(c, &c->named_refs, NULL, t, NULL, 0, NULL);
    if (e->val == NULL) {
        gql_typeref *r = gql_valloc(c, sizeof(*r));
        r->kind = GQL_TYPE_NAMED;
        r->named = t;
        e->val = r;
    }
    return e->val;
}

const gql_typeref *gql_v_type_from_ast(gql_vctx *c, const gql_type_ref *t)
{
    if (t->kind == GQL_TYPE_NAMED)
        return gql_v_named_ref(c, gql_v_type(c, t->name));
    const gql_typeref *inner = gql_v_type_from_ast(c, t->of_type);
    if (inner == NULL)
        return NULL;
    gql_typeref *r = gql_valloc(c, sizeof(*r));
    r->kind = t->kind;
    r->of_type = inner;
    return r;
}

const gql_type *gql_v_named(const gql_typeref *r)
{
    return r == NULL ? NULL : gql_typeref_named(r);
}

const gql_typeref *gql_v_nullable(const gql_typeref *r)
{
    return r != NULL && r->kind == GQL_TYPE_NON_NULL ? r->of_type : r;
}

int gql_v_same_type(const gql_type *a, const gql_type *b)
{
    if (a == b)
        return 1;
    return a != NULL && b != NULL && strcmp(a->name, b->name) == 0;
}

int gql_v_typeref_equal(const gql_typeref *a, const gql_typeref *b)
{
    while (a != NULL && b != NULL) {
        if (a->kind != b->kind)
            return 0;
        if (a->kind == GQL_TYPE_NAMED)
            return gql_v_same_type(a->named, b->named);
        a = a->of_type;
        b = b->of_type;
    }
    return a == b;
}

/* graphql-js schema.isSubType(abstractType, maybeSubType). */
int gql_v_is_sub_type(const gql_type *abstract, const gql_type *maybe_sub)
{
    if (abstract == NULL || maybe_sub == NULL)
        return 0;
    if (abstract->kind == GQL_KIND_UNION || abstract->kind == GQL_KIND_INTERFACE) {
        for (size_t i = 0; i < abstract->npossible_types; i++)
            if (gql_v_same_type(abstract->possible_types[i], maybe_sub))
                return 1;
    }
    if (abstract->kind == GQL_KIND_INTERFACE && maybe_sub->kind == GQL_KIND_INTERFACE) {
        for (size_t i = 0; i < maybe_sub->ninterfaces; i++)
            if (gql_v_same_type(maybe_sub->interfaces[i], abstract))
                return 1;
    }
    return 0;
}

/* graphql-js doTypesOverlap. */
int gql_v_types_overlap(const gql_type *a, const gql_type *b)
{
    if (gql_v_same_type(a, b))
        return 1;
    if (gql_type_is_abstract(a)) {
        if (gql_type_is_abstract(b)) {
            for (size_t i = 0; i < a->npossible_types; i++)
                if (gql_v_is_sub_type(b, a->possible_types[i]))
                    return 1;
            return 0;
        }
        return gql_v_is_sub_type(a, b);
    }
    if (gql_type_is_abstract(b))
        return gql_v_is_sub_type(b, a);
    return 0;
}

const gql_field *gql_v_plain_field(const gql_type *parent, const char *name)
{
    if (parent == NULL || (parent->kind != GQL_KIND_OBJECT && parent->kind != GQL_KIND_INTERFACE))
        return NULL;
    for (size_t i = 0; i < parent->nfields; i++)
        if (strcmp(parent->fields[i].name, name) == 0)
            return &parent->fields[i];
    return NULL;
}

const gql_field *gql_v_field_def(gql_vctx *c, const gql_type *parent, const char *name)
{
    if (parent == NULL)
        return NULL;
    if (name[0] == '_' && name[1] == '_') {
        const gql_type *q = gql_schema_root(c->schema, GQL_OP_QUERY);
        if (strcmp(name, "__schema") == 0 && gql_v_same_type(q, parent))
            return &gql_v_schema_field;
        if (strcmp(name, "__type") == 0 && gql_v_same_type(q, parent))
            return &gql_v_type_field;
        if (strcmp(name, "__typename") == 0 && gql_type_is_composite(parent))
            return &gql_v_typename_field;
    }
    return gql_v_plain_field(parent, name);
}

/* graphql-js 16.9+ lists @oneOf among the specified directives; our schema
 * loader does not know it, so validation adds it. */
static const gql_directive_def gql_v_one_of = {
    .name = "oneOf",
    .locations = GQL_DLOC_INPUT_OBJECT,
    .builtin = 1,
};

const gql_directive_def *gql_v_directive(gql_vctx *c, const char *name)
{
    const gql_directive_def *d = gql_schema_directive(c->schema, name);
    if (d == NULL && strcmp(name, "oneOf") == 0)
        d = &gql_v_one_of;
    return d;
}

/* ---- printing ---- */

static void gql_v_put_typeref(gql_vctx *c, gql_vbuf *b, const gql_typeref *r)
{
    switch (r->kind) {
    case GQL_TYPE_NAMED:
        gql_vbuf_puts(c, b, r->named->name);
        break;
    case GQL_TYPE_LIST:
        gql_vbuf_puts(c, b, "[");
        gql_v_put_typeref(c, b, r->of_type);
        gql_vbuf_puts(c, b, "]");
        break;
    case GQL_TYPE_NON_NULL:
        gql_v_put_typeref(c, b, r->of_type);
        gql_vbuf_puts(c, b, "!");
        break;
    }
}

const char *gql_v_typeref_str(gql_vctx *c, const gql_typeref *r)
{
    gql_vbuf b = {0};
    gql_v_put_typeref(c, &b, r);
    return gql_vbuf_str(c, &b);
}

static void gql_v_put_type_ast(gql_vctx *c, gql_vbuf *b, const gql_type_ref *t)
{
    switch (t->kind) {
    case GQL_TYPE_NAMED:
        gql_vbuf_puts(c, b, t->name);
        break;
    case GQL_TYPE_LIST:
        gql_vbuf_puts(c, b, "[");
        gql_v_put_type_ast(c, b, t->of_type);
        gql_vbuf_puts(c, b, "]");
        break;
    case GQL_TYPE_NON_NULL:
        gql_v_put_type_ast(c, b, t->of_type);
        gql_vbuf_puts(c, b, "!");
        break;
    }
}

const char *gql_v_type_ast_str(gql_vctx *c, const gql_type_ref *t)
{
    gql_vbuf b = {0};
    gql_v_put_type_ast(c, &b, t);
    return gql_vbuf_str(c, &b);
}

/* graphql-js printString: JSON-like escapes of C0, C1, " and \. */
static void gql_v_put_string(gql_vctx *c, gql_vbuf *b, const char *s)
{
    gql_vbuf_puts(c, b, "\"");
    for (const unsigned char *u = (const unsigned char *)s; *u != '\0'; u++) {
        char esc[8];
        if (*u == '"')
            gql_vbuf_puts(c, b, "\\\"");
        else if (*u == '\\')
            gql_vbuf_puts(c, b, "\\\\");
        else if (*u == '\b')
            gql_vbuf_puts(c, b, "\\b");
        else if (*u == '\t')
            gql_vbuf_puts(c, b, "\\t");
        else if (*u == '\n')
            gql_vbuf_puts(c, b, "\\n");
        else if (*u == '\f')
            gql_vbuf_puts(c, b, "\\f");
        else if (*u == '\r')
            gql_vbuf_puts(c, b, "\\r");
        else if (*u < 0x20 || *u == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04X", *u);
            gql_vbuf_puts(c, b, esc);
        } else if (*u == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f) {
            snprintf(esc, sizeof(esc), "\\u%04X", u[1]);
            gql_vbuf_puts(c, b, esc);
            u++;
        } else
            gql_vbuf_add(c, b, (const char *)u, 1);
    }
    gql_vbuf_puts(c, b, "\"");
}

/* Length in UTF-16 units, as JavaScript counts. */
static size_t gql_v_utf16_len(const char *s, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char u = (unsigned char)s[i];
        if ((u & 0xc0) == 0x80)
            continue;
        len += u >= 0xf0 ? 2 : 1;
    }
    return len;
}

static int gql_v_is_ws(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* graphql-js printBlockString (not minimized). */
static void gql_v_put_block_string(gql_vctx *c, gql_vbuf *b, const char *value)
{
    gql_vbuf esc = {0};
    for (const char *p = value; *p != '\0'; p++) {
        if (strncmp(p, "\"\"\"", 3) == 0) {
            gql_vbuf_puts(c, &esc, "\\\"\"\"");
            p += 2;
        } else
            gql_vbuf_add(c, &esc, p, 1);
    }
    const char *ev = gql_vbuf_str(c, &esc);
    size_t vlen = strlen(value), evlen = strlen(ev);
    /* Split into lines at \r\n, \n or \r. */
    size_t nlines = 1;
    int later_lines_indented = 1;
    for (size_t i = 0; i < evlen; i++) {
        if (ev[i] == '\r' || ev[i] == '\n') {
            if (ev[i] == '\r' && ev[i + 1] == '\n')
                i++;
            nlines++;
            char next = ev[i + 1];
            if (next != '\0' && next != '\r' && next != '\n' && !gql_v_is_ws(next))
                later_lines_indented = 0;
        }
    }
    int single = nlines == 1;
    int force_leading = nlines > 1 && later_lines_indented;
    int trailing_triple = evlen >= 4 && strcmp(ev + evlen - 4, "\\\"\"\"") == 0;
    int trailing_quote = vlen > 0 && value[vlen - 1] == '"' && !trailing_triple;
    int trailing_slash = vlen > 0 && value[vlen - 1] == '\\';
    int force_trailing = trailing_quote || trailing_slash;
    int multi =
        !single || gql_v_utf16_len(value, vlen) > 70 || force_trailing || force_leading || trailing_triple;
    int skip_leading = single && gql_v_is_ws(value[0]);
    gql_vbuf_puts(c, b, "\"\"\"");
    if ((multi && !skip_leading) || force_leading)
        gql_vbuf_puts(c, b, "\n");
    gql_vbuf_puts(c, b, ev);
    if (multi || force_trailing)
        gql_vbuf_puts(c, b, "\n");
    gql_vbuf_puts(c, b, "\"\"\"");
}

static void gql_v_put_value(gql_vctx *c, gql_vbuf *b, const gql_value *v)
{
    switch (v->kind) {
    case GQL_VALUE_VARIABLE:
        gql_vbuf_puts(c, b, "$");
        gql_vbuf_puts(c, b, v->str);
        break;
    case GQL_VALUE_INT:
    case GQL_VALUE_FLOAT:
    case GQL_VALUE_ENUM:
        gql_vbuf_puts(c, b, v->str);
        break;
    case GQL_VALUE_STRING:
        if (v->block)
            gql_v_put_block_string(c, b, v->str);
        else
            gql_v_put_string(c, b, v->str);
        break;
    case GQL_VALUE_BOOLEAN:
        gql_vbuf_puts(c, b, v->boolean ? "true" : "false");
        break;
    case GQL_VALUE_NULL:
        gql_vbuf_puts(c, b, "null");
        break;
    case GQL_VALUE_LIST:
        gql_vbuf_puts(c, b, "[");
        for (const gql_value *i = v->items; i != NULL; i = i->next) {
            gql_v_put_value(c, b, i);
            if (i->next != NULL)
                gql_vbuf_puts(c, b, ", ");
        }
        gql_vbuf_puts(c, b, "]");
        break;
    case GQL_VALUE_OBJECT:
        gql_vbuf_puts(c, b, "{");
        for (const gql_object_field *f = v->fields; f != NULL; f = f->next) {
            gql_vbuf_puts(c, b, f->name);
            gql_vbuf_puts(c, b, ": ");
            gql_v_put_value(c, b, f->value);
            if (f->next != NULL)
                gql_vbuf_puts(c, b, ", ");
        }
        gql_vbuf_puts(c, b, "}");
        break;
    }
}

const char *gql_v_value_str(gql_vctx *c, const gql_value *v)
{
    gql_vbuf b = {0};
    gql_v_put_value(c, &b, v);
    return gql_vbuf_str(c, &b);
}

void gql_v_unique_name(gql_vctx *c, gql_vmap *seen, const char *what, const char *name, const gql_loc *loc)
{
    const gql_loc *first = gql_vmap_sget(seen, name);
    if (first != NULL) {
        gql_loc locs[2] = {*first, *loc};
        gql_v_report(c, locs, 2, "There can be only one %s named \"%s\".", what, name);
    } else {
        gql_vmap_sset(c, seen, name, loc);
    }
}

void gql_v_unique_names(gql_vctx *c, const gql_vvec *names, const gql_vvec *locs, const char *what,
                        const char *sigil)
{
    gql_vmap groups = {0};
    gql_vvec order = {0};
    for (size_t i = 0; i < names->n; i++) {
        int created;
        gql_vmap_slot *e = gql_vmap_put(c, &groups, names->items[i], NULL, NULL, 0, &created);
        if (created) {
            e->val = gql_valloc(c, sizeof(gql_vvec));
            gql_vvec_push(c, &order, names->items[i]);
        }
        gql_vvec_push(c, e->val, locs->items[i]);
    }
    for (size_t i = 0; i < order.n; i++) {
        const gql_vvec *g = gql_vmap_sget(&groups, order.items[i]);
        if (g->n < 2)
            continue;
        gql_loc *l = gql_valloc(c, g->n * sizeof(*l));
        for (size_t k = 0; k < g->n; k++)
            l[k] = *(const gql_loc *)g->items[k];
        gql_v_report(c, l, g->n, "There can be only one %s named \"%s%s\".", what, sigil,
                     (const char *)order.items[i]);
    }
}
