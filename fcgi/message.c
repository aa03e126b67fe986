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

void api_message_cursor(const struct api_message *m, char *buf)
{
    snprintf(buf, CRM_ENTRY_ID_MAX, "%" PRIu64 "-%" PRIu64, m->ms, m->seq);
}

void api_format_ms(uint64_t ms, char *buf)
{
    crm_iso_time(ms, buf);
}

json_object *api_message_to_json(const struct api_message *m)
{
    char cursor[CRM_ENTRY_ID_MAX], created[32], room[24], sender[24];
    api_message_cursor(m, cursor);
    api_format_ms(m->ms, created);
    snprintf(room, sizeof room, "%" PRId64, m->room_id);
    snprintf(sender, sizeof sender, "%" PRId64, m->sender_id);
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "id", json_object_new_string(cursor));
    json_object_object_add(o, "roomId", json_object_new_string(room));
    json_object_object_add(o, "senderId", json_object_new_string(sender));
    json_object_object_add(o, "body", json_object_new_string(m->body));
    json_object_object_add(o, "idempotencyKey", json_object_new_string(m->key));
    json_object_object_add(o, "createdAt", json_object_new_string(created));
    json_object_object_add(o, "status", json_object_new_string(m->persisted ? "PERSISTED" : "PENDING"));
    json_object_object_add(o, "cursor", json_object_new_string(cursor));
    json_object_object_add(o, "internal", json_object_new_boolean(m->internal));
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
