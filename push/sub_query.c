/* Subscriptions over the shared GraphQL engine (lib/gql/gql_engine.h): the
 * document is parsed and validated against the schema by the engine (with its
 * document cache); each distinct (document, operation, coerced variables) is
 * one sub_query, interned by the engine's prepared key, so every subscription
 * with the same key shares one payload per message. */
#include "config.h"

#include "sub_query.h"

#include "gql/gql_engine.h"
#include "stream_entry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQ_BUCKETS 4096
#define SQ_MAX_QUERY 16384 /* bytes of a subscription document */

struct sub_query {
    uint32_t refs;
    uint32_t hash;
    struct sub_query *next;        /* cache chain */
    struct sub_query_cache *cache; /* NULL once the cache is gone */
    gql_engine *engine;            /* borrowed from the cache (outlives queries in use) */
    gql_prepared *prep;            /* a reference */
    char *op_name;                 /* NULL: the only operation */
    json_object *vars;             /* a reference, or NULL */
    char *key;                     /* gql_prepared_key */
    int reads_sender;              /* the document names a field `sender` */
    int reads_online;              /* the document names a field `online` */
};

struct sub_query_cache {
    gql_engine *engine;
    sub_query_user_fn lookup;
    size_t count;
    struct sub_query *buckets[SQ_BUCKETS];
};

static sub_query_user_fn user_lookup;

static json_object *error_array(const char *code, const char *msg)
{
    json_object *arr = json_object_new_array(), *e = json_object_new_object(),
                *ext = json_object_new_object();
    if (!arr || !e || !ext) {
        json_object_put(arr);
        json_object_put(e);
        json_object_put(ext);
        return NULL;
    }
    json_object_object_add(e, "message", json_object_new_string(msg));
    json_object_object_add(ext, "code", json_object_new_string(code));
    json_object_object_add(e, "extensions", ext);
    json_object_array_add(arr, e);
    return arr;
}

/* The "errors" array of an engine response (a new reference); puts response. */
static json_object *errors_of(json_object *response)
{
    json_object *errs = NULL;
    if (response && json_object_object_get_ex(response, "errors", &errs))
        errs = json_object_get(errs);
    json_object_put(response);
    return errs ? errs : error_array("INTERNAL_SERVER_ERROR", "The subscription failed.");
}

/* What one execution renders: the message, and whether the viewer may see
 * other users' emails (crm-api blanks them for a patient viewer). */
struct render_ctx {
    struct push_message *m;
    int hide_email;
};

/* Message.sender: the user, looked up once per message (the cache's hook). */
static int resolve_sender(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct render_ctx *rc = ctx;
    json_object *given = NULL;
    /* A lastMessage of inboxUpdated carries its sender, rendered for the viewer. */
    if (info->parent && json_object_object_get_ex(info->parent, "sender", &given)) {
        *out = json_object_get(given);
        return 0;
    }
    if (!rc || !rc->m)
        return gql_resolve_error(info, "INTERNAL_SERVER_ERROR", "The sender could not be loaded.");
    struct push_message *m = rc->m;
    if (!m->sender && user_lookup)
        m->sender = user_lookup(m->sender_id);
    const struct push_user *u = m->sender;
    if (!u)
        return gql_resolve_error(info, "INTERNAL_SERVER_ERROR", "The sender could not be loaded.");
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, u->id);
    json_object *o = json_object_new_object();
    if (!o)
        return GQL_ENOMEM;
    json_object_object_add(o, "id", json_object_new_string(id));
    /* As crm-api's User for a patient viewer: the field is there, empty. */
    json_object_object_add(o, "email", json_object_new_string(rc->hide_email ? "" : u->email));
    json_object_object_add(o, "displayName", json_object_new_string(u->display_name));
    json_object_object_add(o, "role", json_object_new_string(u->role));
    json_object_object_add(o, "createdAt", json_object_new_string(u->created_at));
    *out = o;
    return 0;
}

struct sub_query_cache *sub_query_cache_new(const struct gql_schema *schema, sub_query_user_fn fn)
{
    struct sub_query_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    gql_engine_options opts = {0};
    opts.parse.max_bytes = SQ_MAX_QUERY;
    opts.disable_introspection = 1;
    c->engine = gql_engine_new(schema, &opts);
    if (!c->engine || gql_engine_register(c->engine, "Message.sender", resolve_sender) != 0) {
        sub_query_cache_free(c);
        return NULL;
    }
    c->lookup = fn;
    user_lookup = fn;
    return c;
}

void sub_query_cache_free(struct sub_query_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SQ_BUCKETS; i++)
        for (struct sub_query *q = c->buckets[i], *next; q; q = next) {
            next = q->next;
            q->cache = NULL;
            q->next = NULL;
        }
    gql_engine_free(c->engine);
    free(c);
}

size_t sub_query_cache_size(const struct sub_query_cache *c)
{
    return c ? c->count : 0;
}

struct sub_query *sub_query_ref(struct sub_query *q)
{
    q->refs++;
    return q;
}

void sub_query_unref(struct sub_query *q)
{
    if (!q || --q->refs > 0)
        return;
    if (q->cache) {
        struct sub_query **p = &q->cache->buckets[q->hash % SQ_BUCKETS];
        while (*p && *p != q)
            p = &(*p)->next;
        if (*p)
            *p = q->next;
        q->cache->count--;
    }
    gql_prepared_release(q->prep);
    json_object_put(q->vars);
    free(q->op_name);
    free(q->key);
    free(q);
}

int sub_query_needs_sender(const struct sub_query *q)
{
    return q->reads_sender;
}

int sub_query_needs_online(const struct sub_query *q)
{
    return q->reads_online;
}

static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Coerced arguments of field into args; -1 with *errors. */
static int read_args(const char *field, json_object *jargs, struct sub_args *args, json_object **errors)
{
    json_object *room = NULL, *after = NULL;
    memset(args, 0, sizeof *args);
    if (strcmp(field, "inboxUpdated") == 0) {
        args->kind = SUB_KIND_INBOX;
        return 0;
    }
    args->kind = strcmp(field, "typing") == 0 ? SUB_KIND_TYPING : SUB_KIND_MESSAGES;
    json_object_object_get_ex(jargs, "roomId", &room);
    json_object_object_get_ex(jargs, "after", &after);
    const char *r = room && json_object_is_type(room, json_type_string) ? json_object_get_string(room) : NULL;
    if (!r || crm_decimal_id_parse(r, strlen(r), &args->room_id) < 0) {
        *errors = error_array("BAD_USER_INPUT", "Argument \"roomId\" is not a room id.");
        return -1;
    }
    if (after && !json_object_is_type(after, json_type_null)) {
        const char *a = json_object_is_type(after, json_type_string) ? json_object_get_string(after) : NULL;
        if (!a || crm_stream_id_parse(a, strlen(a), &args->after_ms, &args->after_seq) < 0) {
            *errors = error_array("BAD_USER_INPUT", "Argument \"after\" is not a cursor.");
            return -1;
        }
        args->has_after = 1;
    }
    return 0;
}

int sub_query_prepare(struct sub_query_cache *cache, json_object *payload, struct sub_query **out,
                      struct sub_args *args, json_object **errors)
{
    json_object *jq = NULL, *jvars = NULL, *jop = NULL;
    *out = NULL;
    *errors = NULL;
    json_object_object_get_ex(payload, "query", &jq);
    json_object_object_get_ex(payload, "variables", &jvars);
    json_object_object_get_ex(payload, "operationName", &jop);
    if (jvars && !json_object_is_type(jvars, json_type_object))
        jvars = NULL;
    const char *op_name =
        jop && json_object_is_type(jop, json_type_string) ? json_object_get_string(jop) : NULL;
    const char *text = json_object_get_string(jq);
    size_t len = (size_t)json_object_get_string_len(jq);

    gql_error_list el;
    gql_error_list_init(&el);
    gql_prepared *prep = NULL;
    int rc = gql_engine_prepare(cache->engine, text, len, &prep, &el);
    if (rc != 0) {
        *errors = errors_of(gql_engine_error_response(&el, gql_engine_error_code(rc)));
        gql_error_list_deinit(&el);
        return -1;
    }
    gql_error_list_deinit(&el);

    gql_operation op;
    const char *field = NULL;
    json_object *jargs = NULL, *resp = NULL;
    char *key = NULL;
    if (gql_engine_operation_type(prep, op_name, &op) == 0 && op != GQL_OP_SUBSCRIPTION) {
        *errors = error_array("BAD_USER_INPUT", "Only subscriptions are served over this WebSocket; send "
                                                "queries and mutations to POST /graphql.");
        goto fail;
    }
    rc = gql_engine_subscription_field(cache->engine, prep, op_name, jvars, &field, &jargs, &resp);
    if (rc != 0) {
        *errors = rc == GQL_ENOMEM ? error_array("INTERNAL_SERVER_ERROR", "Out of memory.") : errors_of(resp);
        goto fail;
    }
    if (strcmp(field, "messageAdded") != 0 && strcmp(field, "typing") != 0 &&
        strcmp(field, "inboxUpdated") != 0) {
        *errors =
            error_array("BAD_USER_INPUT", "This server serves messageAdded, typing and inboxUpdated only.");
        goto fail;
    }
    if (read_args(field, jargs, args, errors) < 0)
        goto fail;
    if (gql_prepared_key(cache->engine, prep, op_name, jvars, &key) != 0) {
        *errors = error_array("INTERNAL_SERVER_ERROR", "The subscription could not be prepared.");
        goto fail;
    }
    json_object_put(jargs);
    uint32_t h = fnv1a(key);
    struct sub_query **slot = &cache->buckets[h % SQ_BUCKETS];
    for (struct sub_query *q = *slot; q; q = q->next)
        if (q->hash == h && strcmp(q->key, key) == 0) {
            free(key);
            gql_prepared_release(prep);
            *out = sub_query_ref(q);
            return 0;
        }
    struct sub_query *q = calloc(1, sizeof *q);
    if (!q || (op_name && !(q->op_name = strdup(op_name)))) {
        free(q);
        free(key);
        gql_prepared_release(prep);
        *errors = error_array("INTERNAL_SERVER_ERROR", "Out of memory.");
        return -1;
    }
    q->refs = 1;
    q->hash = h;
    /* Textual, so never a false "no": a selection of Message.sender names the
     * field, in the operation or a fragment, whatever its alias. */
    q->reads_sender = memmem(text, len, "sender", 6) != NULL;
    q->reads_online = memmem(text, len, "online", 6) != NULL;
    q->cache = cache;
    q->engine = cache->engine;
    q->prep = prep;
    q->key = key;
    q->vars = jvars ? json_object_get(jvars) : NULL;
    q->next = *slot;
    *slot = q;
    cache->count++;
    *out = q;
    return 0;
fail:
    json_object_put(jargs);
    free(key);
    gql_prepared_release(prep);
    return -1;
}

struct push_buf *sub_query_render(const struct sub_query *q, const struct push_message *m, int hide_email)
{
    struct render_ctx rc = {(struct push_message *)m, hide_email};
    char room[24], when[PUSH_TIME_MAX];
    snprintf(room, sizeof room, "%" PRId64, m->room_id);
    push_iso8601(m->ms, when);
    json_object *ev = json_object_new_object();
    if (!ev)
        return NULL;
    json_object_object_add(ev, "id", json_object_new_string(m->id));
    json_object_object_add(ev, "roomId", json_object_new_string(room));
    json_object_object_add(ev, "body", json_object_new_string_len(m->body, (int)m->body_len));
    json_object_object_add(ev, "idempotencyKey", json_object_new_string_len(m->key, (int)m->key_len));
    json_object_object_add(ev, "createdAt", json_object_new_string(when));
    json_object_object_add(ev, "status", json_object_new_string(m->persisted ? "PERSISTED" : "PENDING"));
    json_object_object_add(ev, "cursor", json_object_new_string(m->id));
    json_object_object_add(ev, "internal", json_object_new_boolean(m->internal));
    gql_response *resp = NULL;
    struct push_buf *b = NULL;
    if (gql_engine_execute_event(q->engine, q->prep, q->op_name, q->vars, ev, &rc, &resp) == 0) {
        size_t len = 0;
        const char *s = gql_response_text(resp, &len);
        if ((b = push_buf_new(len)) != NULL)
            memcpy(b->data, s, len);
    }
    gql_response_free(resp);
    json_object_put(ev);
    return b;
}

struct push_buf *sub_query_render_value(const struct sub_query *q, json_object *event)
{
    gql_response *resp = NULL;
    struct push_buf *b = NULL;
    if (gql_engine_execute_event(q->engine, q->prep, q->op_name, q->vars, event, NULL, &resp) == 0) {
        size_t len = 0;
        const char *s = gql_response_text(resp, &len);
        if ((b = push_buf_new(len)) != NULL)
            memcpy(b->data, s, len);
    }
    gql_response_free(resp);
    return b;
}
