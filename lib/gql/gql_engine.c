/* The engine: a resolver table, a bounded LRU of prepared documents keyed by
 * their text (a hash table over a doubly linked recency list), and the
 * request steps of the spec: GetOperation, CoerceVariableValues, execution,
 * and the response object. */
#include "config.h"

#include "gql/gql_engine.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_coerce.h"
#include "gql/gql_exec_private.h"
#include "gql/gql_introspect.h"
#include "gql/gql_jsonw.h"

struct gql_prepared {
    unsigned refs;              /* holders: the cache and each caller */
    uint64_t hash;              /* hash of text */
    char *text;                 /* the document text (cache key) */
    size_t len;                 /* its length */
    gql_document *doc;          /* parsed, validated document */
    gql_exec_plan *plan;        /* collected fields kept across executions, or NULL */
    struct gql_op_vars *vars;   /* variable types per operation, made on first use */
    struct gql_prepared *hnext; /* next in the hash bucket */
    struct gql_prepared *prev;  /* more recently used */
    struct gql_prepared *next;  /* less recently used */
};

/* The resolved variable types of one operation of a prepared document. */
struct gql_op_vars {
    const gql_definition *op;
    gql_var_types *types;
    struct gql_op_vars *next;
};

struct gql_engine {
    const gql_schema *schema; /* borrowed */
    gql_engine_options opts;  /* options with defaults filled in */
    gql_resolvers *resolvers; /* user and introspection resolvers */
    gql_prepared **buckets;   /* nbuckets chains */
    size_t nbuckets;          /* power of two, >= 2 * cache_entries */
    gql_prepared *mru, *lru;  /* recency list ends */
    gql_engine_stats stats;   /* counters */
    gql_sbuf out;             /* response text buffer, reused per request */
    int out_busy;             /* 1 while a request writes into `out` */
    gql_exec_reuse reuse;     /* executor scratch kept between requests */
};

gql_engine *gql_engine_new(const gql_schema *s, const gql_engine_options *opts)
{
    gql_engine *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->schema = s;
    if (opts != NULL)
        e->opts = *opts;
    if (e->opts.cache_entries == 0)
        e->opts.cache_entries = GQL_ENGINE_CACHE_ENTRIES;
    e->nbuckets = 16;
    while (e->nbuckets < 2 * e->opts.cache_entries)
        e->nbuckets *= 2;
    e->buckets = calloc(e->nbuckets, sizeof(*e->buckets));
    e->resolvers = gql_resolvers_new(s);
    if (e->buckets == NULL || e->resolvers == NULL || gql_introspect_register(e->resolvers) != 0) {
        gql_engine_free(e);
        return NULL;
    }
    return e;
}

static void gql_prepared_free(gql_prepared *p)
{
    while (p->vars != NULL) {
        struct gql_op_vars *next = p->vars->next;
        gql_var_types_free(p->vars->types);
        free(p->vars);
        p->vars = next;
    }
    gql_exec_plan_free(p->plan);
    gql_doc_free(p->doc);
    free(p->text);
    free(p);
}

void gql_prepared_release(gql_prepared *p)
{
    if (p != NULL && --p->refs == 0)
        gql_prepared_free(p);
}

/* Unlinks p from the cache and drops the cache's reference. */
static void gql_cache_remove(gql_engine *e, gql_prepared *p)
{
    gql_prepared **pp = &e->buckets[p->hash & (e->nbuckets - 1)];
    while (*pp != p)
        pp = &(*pp)->hnext;
    *pp = p->hnext;
    if (p->prev != NULL)
        p->prev->next = p->next;
    else
        e->mru = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    else
        e->lru = p->prev;
    e->stats.entries--;
    gql_prepared_release(p);
}

void gql_engine_free(gql_engine *e)
{
    if (e == NULL)
        return;
    while (e->buckets != NULL && e->lru != NULL)
        gql_cache_remove(e, e->lru);
    free(e->buckets);
    gql_resolvers_free(e->resolvers);
    gql_exec_reuse_deinit(&e->reuse);
    gql_sbuf_free(&e->out);
    free(e);
}

int gql_engine_register(gql_engine *e, const char *type_dot_field, gql_resolver_fn fn)
{
    return gql_resolvers_add(e->resolvers, type_dot_field, fn);
}

void gql_engine_set_type_resolver(gql_engine *e, gql_type_resolver_fn fn)
{
    gql_resolvers_set_type_resolver(e->resolvers, fn);
}

/* One pass over the text, eight bytes per step (multiply and xor-shift,
 * as in MurmurHash3's finaliser). A hit is confirmed with memcmp, so the
 * hash only spreads the buckets. */
static uint64_t gql_hash(const char *s, size_t n)
{
    const uint64_t m = 0xff51afd7ed558ccdULL;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, s + i, 8);
        h = (h ^ w) * m;
        h ^= h >> 32;
    }
    w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * m;
    h ^= h >> 33;
    h *= m;
    return h ^ (h >> 29);
}

static void gql_lru_front(gql_engine *e, gql_prepared *p)
{
    if (e->mru == p)
        return;
    if (p->prev != NULL)
        p->prev->next = p->next;
    if (p->next != NULL)
        p->next->prev = p->prev;
    else if (e->lru == p)
        e->lru = p->prev;
    p->prev = NULL;
    p->next = e->mru;
    if (e->mru != NULL)
        e->mru->prev = p;
    e->mru = p;
    if (e->lru == NULL)
        e->lru = p;
}

int gql_engine_prepare(gql_engine *e, const char *text, size_t len, gql_prepared **out, gql_error_list *errs)
{
    *out = NULL;
    uint64_t h = gql_hash(text, len);
    for (gql_prepared *p = e->buckets[h & (e->nbuckets - 1)]; p != NULL; p = p->hnext)
        if (p->hash == h && p->len == len && memcmp(p->text, text, len) == 0) {
            gql_lru_front(e, p);
            p->refs++;
            e->stats.hits++;
            *out = p;
            return 0;
        }
    e->stats.misses++;
    gql_document *doc = NULL;
    int rc = gql_doc_parse(text, len, &e->opts.parse, &doc, errs);
    if (rc == GQL_ENOMEM)
        return rc;
    if (rc != 0)
        return GQL_ESYNTAX;
    rc = gql_validate(e->schema, doc, &e->opts.validate, errs);
    if (rc == 0 && e->opts.disable_introspection) {
        rc = gql_introspect_forbid(e->schema, doc, errs);
        if (rc > 0)
            rc = GQL_EVALID;
    }
    if (rc != 0) {
        gql_doc_free(doc);
        return rc == GQL_ENOMEM ? rc : GQL_EVALID;
    }
    gql_prepared *p = calloc(1, sizeof(*p));
    if (p == NULL || (p->text = malloc(len + 1)) == NULL) {
        free(p);
        gql_doc_free(doc);
        return GQL_ENOMEM;
    }
    memcpy(p->text, text, len);
    p->text[len] = '\0';
    p->len = len;
    p->hash = h;
    p->doc = doc;
    p->plan = gql_exec_plan_new(doc); /* NULL: executions collect for themselves */
    p->refs = 2;                      /* the cache's and the caller's */
    size_t b = h & (e->nbuckets - 1);
    p->hnext = e->buckets[b];
    e->buckets[b] = p;
    gql_lru_front(e, p);
    e->stats.entries++;
    while (e->stats.entries > e->opts.cache_entries) {
        gql_cache_remove(e, e->lru);
        e->stats.evictions++;
    }
    *out = p;
    return 0;
}

const gql_document *gql_prepared_document(const gql_prepared *p)
{
    return p->doc;
}

int gql_engine_operation_type(const gql_prepared *p, const char *op_name, gql_operation *op)
{
    char buf[64];
    const char *msg;
    const gql_definition *d = gql_exec_find_operation(p->doc, op_name, buf, sizeof(buf), &msg);
    if (d == NULL)
        return GQL_EINVAL;
    *op = d->operation;
    return 0;
}

/* {"errors":[{"message": msg}]} */
static int gql_message_response(const char *msg, json_object **response)
{
    gql_error_list l;
    gql_error_list_init(&l);
    int rc = gql_error_list_add(&l, NULL, 0, NULL, 0, "%s", msg);
    *response = rc == 0 ? gql_engine_error_response(&l, NULL) : NULL;
    gql_error_list_deinit(&l);
    return *response == NULL ? GQL_ENOMEM : 0;
}

/* The variable types of op, resolved on the first execution of the
 * document and kept with it (NULL when memory runs out: coercion resolves
 * them itself). The prepared document is the engine's own allocation, so
 * this memo may be written through the const pointer callers hold. */
static const gql_var_types *gql_prepared_var_types(gql_engine *e, const gql_prepared *cp,
                                                   const gql_definition *op)
{
    gql_prepared *p = (gql_prepared *)cp;
    for (struct gql_op_vars *v = p->vars; v != NULL; v = v->next)
        if (v->op == op)
            return v->types;
    struct gql_op_vars *v = malloc(sizeof(*v));
    if (v == NULL)
        return NULL;
    v->types = gql_var_types_new(e->schema, op);
    if (v->types == NULL) {
        free(v);
        return NULL;
    }
    v->op = op;
    v->next = p->vars;
    p->vars = v;
    return v->types;
}

/* GetOperation + CoerceVariableValues. Returns 0 with *op and *vars, or 0
 * with *response set to the error response, or GQL_ENOMEM. */
static int gql_engine_begin(gql_engine *e, const gql_prepared *p, const char *op_name, json_object *variables,
                            const gql_definition **op, json_object **vars, json_object **response)
{
    char buf[512];
    const char *msg;
    *vars = NULL;
    *response = NULL;
    *op = gql_exec_find_operation(p->doc, op_name, buf, sizeof(buf), &msg);
    if (*op == NULL)
        return gql_message_response(msg, response);
    gql_error_list errs;
    gql_error_list_init(&errs);
    int rc = (e->opts.variables_owned ? gql_coerce_variables_extend : gql_coerce_variables_typed)(
        e->schema, *op, gql_prepared_var_types(e, p, *op), variables, e->opts.max_input_list, vars, &errs);
    if (rc == GQL_EINVAL) {
        *response = gql_engine_error_response(&errs, NULL);
        rc = *response == NULL ? GQL_ENOMEM : 0;
    }
    gql_error_list_deinit(&errs);
    return rc;
}

struct gql_response {
    size_t len;   /* bytes of text, NUL excluded */
    int has_data; /* 1: "data" is present */
    char text[];  /* the JSON */
};

/* The response of an execution: {"errors":E,"data":D}, "errors" left out
 * when errors is NULL. */
static gql_response *gql_response_make(const char *errors, size_t elen, const char *data, size_t dlen)
{
    static const char ek[] = "\"errors\":", dk[] = "\"data\":";
    size_t n = 1 + (errors != NULL ? sizeof(ek) - 1 + elen + 1 : 0) + sizeof(dk) - 1 + dlen + 1;
    gql_response *r = malloc(sizeof(*r) + n + 1);
    if (r == NULL)
        return NULL;
    char *t = r->text;
    *t++ = '{';
    if (errors != NULL) {
        memcpy(t, ek, sizeof(ek) - 1);
        t += sizeof(ek) - 1;
        memcpy(t, errors, elen);
        t += elen;
        *t++ = ',';
    }
    memcpy(t, dk, sizeof(dk) - 1);
    t += sizeof(dk) - 1;
    memcpy(t, data, dlen);
    t += dlen;
    *t++ = '}';
    *t = '\0';
    r->len = (size_t)(t - r->text);
    r->has_data = 1;
    return r;
}

/* A response of a json-c error response (no "data"). */
static int gql_response_of_json(json_object *o, gql_response **out)
{
    size_t n = 0;
    const char *s = gql_engine_render(o, &n);
    gql_response *r = s != NULL ? malloc(sizeof(*r) + n + 1) : NULL;
    if (r != NULL) {
        memcpy(r->text, s, n + 1);
        r->len = n;
        r->has_data = 0;
        *out = r;
    }
    json_object_put(o);
    return r != NULL ? 0 : GQL_ENOMEM;
}

const char *gql_response_text(const gql_response *r, size_t *len)
{
    if (len != NULL)
        *len = r->len;
    return r->text;
}

int gql_response_has_data(const gql_response *r)
{
    return r->has_data;
}

void gql_response_free(gql_response *r)
{
    free(r);
}

static int gql_engine_run(gql_engine *e, const gql_prepared *p, const char *op_name, json_object *variables,
                          json_object *root, void *ctx, int event, gql_response **response)
{
    const gql_definition *op;
    json_object *vars, *early;
    *response = NULL;
    int rc = gql_engine_begin(e, p, op_name, variables, &op, &vars, &early);
    if (rc != 0)
        return rc;
    if (early != NULL)
        return gql_response_of_json(early, response);
    gql_exec_params params = {
        .schema = e->schema,
        .doc = p->doc,
        .operation = op,
        .variables = vars,
        .root = root,
        .ctx = ctx,
        .resolvers = e->resolvers,
        .introspection = !e->opts.disable_introspection,
        .event = event,
        .max_list = e->opts.max_input_list,
        .plan = p->plan,
        .reuse = &e->reuse,
    };
    /* The engine's buffer, unless a resolver is executing a request on
	 * this same engine (then a buffer of our own). */
    gql_sbuf own = {0};
    gql_sbuf *out = e->out_busy ? &own : &e->out;
    e->out_busy = 1;
    out->len = 0;
    json_object *errors = NULL;
    rc = gql_exec_operation(&params, out, &errors);
    if (out == &e->out)
        e->out_busy = 0;
    json_object_put(vars);
    if (rc == 0) {
        const char *et = NULL;
        size_t elen = 0;
        if (errors != NULL && (et = gql_engine_render(errors, &elen)) == NULL)
            rc = GQL_ENOMEM;
        else if ((*response = gql_response_make(et, elen, out->p, out->len)) == NULL)
            rc = GQL_ENOMEM;
    }
    json_object_put(errors);
    gql_sbuf_free(&own);
    return rc;
}

int gql_engine_execute(gql_engine *e, const gql_prepared *p, const char *op_name, json_object *variables,
                       json_object *root, void *ctx, gql_response **response)
{
    return gql_engine_run(e, p, op_name, variables, root, ctx, 0, response);
}

int gql_engine_execute_event(gql_engine *e, const gql_prepared *p, const char *op_name,
                             json_object *variables, json_object *event, void *ctx, gql_response **response)
{
    return gql_engine_run(e, p, op_name, variables, event, ctx, 1, response);
}

int gql_engine_subscription_field(gql_engine *e, const gql_prepared *p, const char *op_name,
                                  json_object *variables, const char **field, json_object **args,
                                  json_object **errors)
{
    const gql_definition *op;
    json_object *vars;
    *field = NULL;
    *args = NULL;
    int rc = gql_engine_begin(e, p, op_name, variables, &op, &vars, errors);
    if (rc != 0)
        return rc;
    if (*errors != NULL)
        return GQL_EINVAL;
    if (op->operation != GQL_OP_SUBSCRIPTION) {
        json_object_put(vars);
        rc = gql_message_response("The operation is not a subscription.", errors);
        return rc != 0 ? rc : GQL_EINVAL;
    }
    gql_exec_params params = {
        .schema = e->schema,
        .doc = p->doc,
        .operation = op,
        .variables = vars,
        .resolvers = e->resolvers,
        .max_list = e->opts.max_input_list,
    };
    gql_error_list errs;
    gql_error_list_init(&errs);
    const gql_selection *sel = NULL;
    const gql_type *root = NULL;
    rc = gql_exec_first_root_field(&params, &sel, &root, &errs);
    const gql_field *f = rc == 0 ? gql_type_field(root, sel->name) : NULL;
    if (rc == 0 && f == NULL) {
        rc = gql_error_list_add(&errs, NULL, 0, &sel->loc, 1, "The subscription field \"%s\" is not defined.",
                                sel->name) != 0
                 ? GQL_ENOMEM
                 : GQL_EINVAL;
    }
    if (rc == 0) {
        rc = gql_coerce_arguments(f->args, f->nargs, sel->args, sel->loc, vars, e->opts.max_input_list, args,
                                  &errs);
        if (rc == 0)
            *field = f->name;
    }
    if (rc == GQL_EINVAL) {
        *errors = gql_engine_error_response(&errs, NULL);
        if (*errors == NULL)
            rc = GQL_ENOMEM;
    }
    gql_error_list_deinit(&errs);
    json_object_put(vars);
    return rc;
}

int gql_prepared_key(gql_engine *e, const gql_prepared *p, const char *op_name, json_object *variables,
                     char **out)
{
    const gql_definition *op;
    json_object *vars, *resp;
    *out = NULL;
    int rc = gql_engine_begin(e, p, op_name, variables, &op, &vars, &resp);
    if (rc != 0)
        return rc;
    if (resp != NULL) {
        json_object_put(resp);
        return GQL_EINVAL;
    }
    /* Coerced variables come in definition order with defaults applied,
	 * so equal requests print equally whatever the client's key order. */
    const char *v =
        json_object_to_json_string_ext(vars, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (v == NULL || asprintf(out, "%016llx:%zu:%s:%s", (unsigned long long)p->hash, p->len,
                              op->name != NULL ? op->name : "", v) < 0) {
        *out = NULL;
        rc = GQL_ENOMEM;
    }
    json_object_put(vars);
    return rc;
}

const char *gql_engine_render(json_object *response, size_t *len)
{
    size_t n = 0;
    const char *s = json_object_to_json_string_length(
        response, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (len != NULL)
        *len = s != NULL ? n : 0;
    return s;
}

json_object *gql_engine_error_response(const gql_error_list *errs, const char *code)
{
    json_object *arr = gql_error_list_to_json(errs);
    json_object *r = json_object_new_object();
    if (arr == NULL || r == NULL)
        goto fail;
    if (code != NULL) {
        size_t n = json_object_array_length(arr);
        for (size_t i = 0; i < n; i++) {
            json_object *ext = json_object_new_object();
            json_object *c = json_object_new_string(code);
            if (ext == NULL || c == NULL || json_object_object_add(ext, "code", c) != 0) {
                json_object_put(ext);
                json_object_put(c);
                goto fail;
            }
            if (json_object_object_add(json_object_array_get_idx(arr, i), "extensions", ext) != 0) {
                json_object_put(ext);
                goto fail;
            }
        }
    }
    if (json_object_object_add(r, "errors", arr) != 0) {
        arr = NULL;
        goto fail;
    }
    return r;
fail:
    json_object_put(arr);
    json_object_put(r);
    return NULL;
}

const char *gql_engine_error_code(int rc)
{
    if (rc == GQL_ESYNTAX)
        return "GRAPHQL_PARSE_FAILED";
    if (rc == GQL_EVALID)
        return "GRAPHQL_VALIDATION_FAILED";
    return "INTERNAL_SERVER_ERROR";
}

void gql_engine_get_stats(const gql_engine *e, gql_engine_stats *out)
{
    *out = e->stats;
}
