#include "config.h"

#include "message.h"

#include "iso_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

int api_message_from_entry(struct api_message *m, const char *id, size_t id_len,
                           const struct crm_stream_entry *e)
{
    memset(m, 0, sizeof *m);
    if (crm_stream_id_parse(id, id_len, &m->ms, &m->seq) != 0)
        return -1;
    m->room_id = e->room_id;
    m->sender_id = e->sender_id;
    m->internal = e->internal;
    m->body = dup_n(e->body, e->body_len);
    m->key = dup_n(e->key, e->key_len);
    if (!m->body || !m->key) {
        api_message_deinit(m);
        return -1;
    }
    return 0;
}

void api_message_deinit(struct api_message *m)
{
    free(m->body);
    free(m->key);
    m->body = m->key = NULL;
}

/* Writes v in decimal at buf, NUL-terminated; returns the digits written (at
 * most 20). snprintf's format machinery was a visible share of a send's answer. */
static size_t put_u64(char *buf, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

static void put_i64(char *buf, int64_t v)
{
    if (v < 0) {
        *buf++ = '-';
        put_u64(buf, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(buf, (uint64_t)v);
    }
}

void api_message_cursor(const struct api_message *m, char *buf)
{
    /* Two 20-digit numbers and '-' fit CRM_ENTRY_ID_MAX (42 and more). */
    _Static_assert(CRM_ENTRY_ID_MAX >= 42, "a stream id fits the cursor buffer");
    size_t n = put_u64(buf, m->ms);
    buf[n++] = '-';
    put_u64(buf + n, m->seq);
}

void api_format_ms(uint64_t ms, char *buf)
{
    crm_iso_time(ms, buf);
}

/* The keys are string literals and each is added once: json-c then neither copies
 * nor looks them up (this object is built for every sendMessage answer). */
static void put(json_object *o, const char *key, json_object *v)
{
    json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

json_object *api_message_to_json(const struct api_message *m)
{
    char cursor[CRM_ENTRY_ID_MAX], created[32], room[24], sender[24];
    api_message_cursor(m, cursor);
    api_format_ms(m->ms, created);
    put_i64(room, m->room_id);
    put_i64(sender, m->sender_id);
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object *id = json_object_new_string(cursor);
    put(o, "id", id);
    put(o, "roomId", json_object_new_string(room));
    put(o, "senderId", json_object_new_string(sender));
    put(o, "body", json_object_new_string(m->body));
    put(o, "idempotencyKey", json_object_new_string(m->key));
    put(o, "createdAt", json_object_new_string(created));
    put(o, "status", json_object_new_string(m->persisted ? "PERSISTED" : "PENDING"));
    /* The cursor is the id: one string, shared. */
    put(o, "cursor", id ? json_object_get(id) : NULL);
    put(o, "internal", json_object_new_boolean(m->internal));
    return o;
}

int api_message_cmp(const struct api_message *a, const struct api_message *b)
{
    if (a->ms != b->ms)
        return a->ms < b->ms ? -1 : 1;
    if (a->seq != b->seq)
        return a->seq < b->seq ? -1 : 1;
    return 0;
}
