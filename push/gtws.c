#include "config.h"

#include "gtws.h"

#include "json_strict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void do_close(struct gtws *g, const struct gtws_ops *ops, void *host, int code, const char *reason)
{
    if (g->state == GTWS_CLOSED)
        return;
    g->state = GTWS_CLOSED;
    ops->close(host, code, reason);
}

static void send_json(const struct gtws_ops *ops, void *host, json_object *o)
{
    size_t len = 0;
    const char *s =
        json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (s)
        ops->send(host, s, len);
}

/* A field that graphql-ws allows to be absent, null or an object. */
static int optional_object(json_object *msg, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(msg, key, &v) || v == NULL)
        return 1;
    return json_object_is_type(v, json_type_object);
}

static int optional_string(json_object *msg, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(msg, key, &v) || v == NULL)
        return 1;
    return json_object_is_type(v, json_type_string);
}

/* The non-empty string id of a message, or NULL. */
static const char *message_id(json_object *msg, size_t *len)
{
    json_object *v;
    if (!json_object_object_get_ex(msg, "id", &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    *len = (size_t)json_object_get_string_len(v);
    return *len ? json_object_get_string(v) : NULL;
}

static void on_init(struct gtws *g, const struct gtws_ops *ops, void *host, json_object *msg)
{
    if (!optional_object(msg, "payload")) {
        do_close(g, ops, host, GTWS_CLOSE_BAD_REQUEST, "Invalid message received");
        return;
    }
    if (g->state != GTWS_WAIT_INIT) {
        do_close(g, ops, host, GTWS_CLOSE_TOO_MANY_INITS, "Too many initialisation requests");
        return;
    }
    g->state = GTWS_INIT_PENDING;
    json_object *payload = NULL, *token = NULL;
    json_object_object_get_ex(msg, "payload", &payload);
    if (!payload || !json_object_object_get_ex(payload, "token", &token) ||
        !json_object_is_type(token, json_type_string) || json_object_get_string_len(token) == 0) {
        do_close(g, ops, host, GTWS_CLOSE_FORBIDDEN, "Forbidden");
        return;
    }
    ops->init(host, json_object_get_string(token), (size_t)json_object_get_string_len(token));
}

static void on_ping(struct gtws *g, const struct gtws_ops *ops, void *host, json_object *msg, int is_ping)
{
    if (!optional_object(msg, "payload")) {
        do_close(g, ops, host, GTWS_CLOSE_BAD_REQUEST, "Invalid message received");
        return;
    }
    if (!is_ping)
        return;
    json_object *payload = NULL;
    json_object_object_get_ex(msg, "payload", &payload);
    json_object *pong = json_object_new_object();
    if (!pong)
        return;
    json_object_object_add(pong, "type", json_object_new_string("pong"));
    if (payload)
        json_object_object_add(pong, "payload", json_object_get(payload));
    send_json(ops, host, pong);
    json_object_put(pong);
}

static void on_subscribe(struct gtws *g, const struct gtws_ops *ops, void *host, json_object *msg)
{
    size_t id_len = 0;
    const char *id = message_id(msg, &id_len);
    json_object *payload = NULL, *query = NULL;
    if (!id || !json_object_object_get_ex(msg, "payload", &payload) ||
        !json_object_is_type(payload, json_type_object) ||
        !json_object_object_get_ex(payload, "query", &query) ||
        !json_object_is_type(query, json_type_string) || !optional_object(payload, "variables") ||
        !optional_string(payload, "operationName") || !optional_object(payload, "extensions")) {
        do_close(g, ops, host, GTWS_CLOSE_BAD_REQUEST, "Invalid message received");
        return;
    }
    if (id_len > GTWS_MAX_ID) {
        do_close(g, ops, host, GTWS_CLOSE_BAD_REQUEST, "Subscription id too long");
        return;
    }
    if (g->state != GTWS_READY) {
        do_close(g, ops, host, GTWS_CLOSE_UNAUTHORIZED, "Unauthorized");
        return;
    }
    if (ops->has_id(host, id, id_len)) {
        char reason[GTWS_MAX_ID + 40];
        snprintf(reason, sizeof reason, "Subscriber for %.*s already exists", (int)id_len, id);
        /* A close reason is at most 123 bytes. */
        reason[sizeof reason - 1 < 123 ? sizeof reason - 1 : 123] = '\0';
        do_close(g, ops, host, GTWS_CLOSE_DUPLICATE, reason);
        return;
    }
    ops->subscribe(host, id, id_len, payload);
}

static void on_complete(struct gtws *g, const struct gtws_ops *ops, void *host, json_object *msg)
{
    size_t id_len = 0;
    const char *id = message_id(msg, &id_len);
    if (!id) {
        do_close(g, ops, host, GTWS_CLOSE_BAD_REQUEST, "Invalid message received");
        return;
    }
    if (g->state == GTWS_READY)
        ops->complete(host, id, id_len);
}

void gtws_on_text(struct gtws *g, const struct gtws_ops *ops, void *host, const char *text, size_t len)
{
    if (g->state == GTWS_CLOSED)
        return;
    const char *err = NULL;
    json_object *msg = crm_json_parse_strict(text, len, GTWS_MAX_DEPTH, &err);
    json_object *type = NULL;
    if (!msg || !json_object_is_type(msg, json_type_object) ||
        !json_object_object_get_ex(msg, "type", &type) || !json_object_is_type(type, json_type_string)) {
        json_object_put(msg);
        do_close(g, ops, host, GTWS_CLOSE_BAD_REQUEST, "Invalid message received");
        return;
    }
    const char *t = json_object_get_string(type);
    if (strcmp(t, "connection_init") == 0)
        on_init(g, ops, host, msg);
    else if (strcmp(t, "ping") == 0)
        on_ping(g, ops, host, msg, 1);
    else if (strcmp(t, "pong") == 0)
        on_ping(g, ops, host, msg, 0);
    else if (strcmp(t, "subscribe") == 0)
        on_subscribe(g, ops, host, msg);
    else if (strcmp(t, "complete") == 0)
        on_complete(g, ops, host, msg);
    else
        do_close(g, ops, host, GTWS_CLOSE_BAD_REQUEST, "Unexpected message received");
    json_object_put(msg);
}

void gtws_init_done(struct gtws *g, const struct gtws_ops *ops, void *host, int ok)
{
    if (g->state != GTWS_INIT_PENDING)
        return;
    if (!ok) {
        do_close(g, ops, host, GTWS_CLOSE_FORBIDDEN, "Forbidden");
        return;
    }
    g->state = GTWS_READY;
    static const char ack[] = "{\"type\":\"connection_ack\"}";
    ops->send(host, ack, sizeof ack - 1);
}

void gtws_init_timeout(struct gtws *g, const struct gtws_ops *ops, void *host)
{
    if (g->state == GTWS_WAIT_INIT)
        do_close(g, ops, host, GTWS_CLOSE_INIT_TIMEOUT, "Connection initialisation timeout");
}

void gtws_close(struct gtws *g, const struct gtws_ops *ops, void *host, int code, const char *reason)
{
    do_close(g, ops, host, code, reason);
}

size_t gtws_json_string(char *out, size_t cap, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    if (cap < 3)
        return 0;
    out[n++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc = 0;
        switch (c) {
        case '"':
            esc = '"';
            break;
        case '\\':
            esc = '\\';
            break;
        case '\n':
            esc = 'n';
            break;
        case '\r':
            esc = 'r';
            break;
        case '\t':
            esc = 't';
            break;
        case '\b':
            esc = 'b';
            break;
        case '\f':
            esc = 'f';
            break;
        default:
            break;
        }
        if (esc) {
            if (n + 2 >= cap)
                return 0;
            out[n++] = '\\';
            out[n++] = esc;
        } else if (c < 0x20) {
            if (n + 6 >= cap)
                return 0;
            memcpy(out + n, "\\u00", 4);
            out[n + 4] = hex[c >> 4];
            out[n + 5] = hex[c & 15];
            n += 6;
        } else {
            if (n + 1 >= cap)
                return 0;
            out[n++] = (char)c;
        }
    }
    if (n + 1 >= cap)
        return 0;
    out[n++] = '"';
    out[n] = '\0';
    return n;
}

void gtws_send_error(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id, size_t id_len,
                     json_object *errors)
{
    if (g->state == GTWS_CLOSED)
        return;
    json_object *o = json_object_new_object();
    if (!o)
        return;
    json_object_object_add(o, "id", json_object_new_string_len(id, (int)id_len));
    json_object_object_add(o, "type", json_object_new_string("error"));
    json_object_object_add(o, "payload", json_object_get(errors));
    send_json(ops, host, o);
    json_object_put(o);
}

/* [{"message": msg, "extensions": {"code": code}}], or NULL out of memory. */
static json_object *error_list(const char *code, const char *msg)
{
    json_object *errs = json_object_new_array();
    json_object *e = json_object_new_object();
    json_object *ext = json_object_new_object();
    if (errs && e && ext) {
        json_object_object_add(e, "message", json_object_new_string(msg));
        json_object_object_add(ext, "code", json_object_new_string(code));
        json_object_object_add(e, "extensions", ext);
        json_object_array_add(errs, e);
        return errs;
    }
    json_object_put(errs);
    json_object_put(e);
    json_object_put(ext);
    return NULL;
}

void gtws_send_error_msg(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id,
                         size_t id_len, const char *code, const char *msg)
{
    json_object *errs = error_list(code, msg);
    if (errs)
        gtws_send_error(g, ops, host, id, id_len, errs);
    json_object_put(errs);
}

void gtws_send_complete(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id, size_t id_len)
{
    char buf[GTWS_MAX_ID * 6 + 64];
    char idj[GTWS_MAX_ID * 6 + 3];
    if (g->state == GTWS_CLOSED || !gtws_json_string(idj, sizeof idj, id, id_len))
        return;
    int n = snprintf(buf, sizeof buf, "{\"id\":%s,\"type\":\"complete\"}", idj);
    if (n > 0 && (size_t)n < sizeof buf)
        ops->send(host, buf, (size_t)n);
}

size_t gtws_next_head(char *out, size_t cap, const char *id_json, size_t id_json_len)
{
    int n = snprintf(out, cap, "{\"id\":%.*s,\"type\":\"next\",\"payload\":", (int)id_json_len, id_json);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

void gtws_sub_errors(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id_json,
                     size_t id_json_len, json_object *errors)
{
    if (g->state == GTWS_CLOSED)
        return;
    size_t n = 0;
    const char *e = json_object_to_json_string_length(
        errors, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    char *msg = e ? malloc(id_json_len + n + 64) : NULL;
    if (!msg)
        return;
    int len = sprintf(msg, "{\"id\":%.*s,\"type\":\"error\",\"payload\":%s}", (int)id_json_len, id_json, e);
    ops->send(host, msg, (size_t)len);
    free(msg);
}

void gtws_sub_error(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id_json,
                    size_t id_json_len, const char *code, const char *msg)
{
    json_object *errs = error_list(code, msg);
    if (errs)
        gtws_sub_errors(g, ops, host, id_json, id_json_len, errs);
    json_object_put(errs);
}
