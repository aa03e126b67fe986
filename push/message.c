#include "config.h"

#include "message.h"

#include "iso_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct push_message *push_message_new(uint64_t ms, uint64_t seq, int64_t room_id, int64_t sender_id,
                                      const char *key, size_t key_len, const char *body, size_t body_len,
                                      int persisted)
{
    struct push_message *m = malloc(sizeof *m + key_len + body_len + 2);
    if (!m)
        return NULL;
    m->refs = 1;
    m->persisted = persisted ? 1 : 0;
    m->internal = 0;
    m->ms = ms;
    m->seq = seq;
    m->room_id = room_id;
    m->sender_id = sender_id;
    m->sender = NULL;
    snprintf(m->id, sizeof m->id, "%" PRIu64 "-%" PRIu64, ms, seq);
    m->key = (char *)(m + 1);
    memcpy(m->key, key, key_len);
    m->key[key_len] = '\0';
    m->key_len = key_len;
    m->body = m->key + key_len + 1;
    memcpy(m->body, body, body_len);
    m->body[body_len] = '\0';
    m->body_len = body_len;
    return m;
}

struct push_message *push_message_ref(struct push_message *m)
{
    m->refs++;
    return m;
}

void push_message_unref(struct push_message *m)
{
    if (!m || --m->refs > 0)
        return;
    push_user_unref(m->sender);
    free(m);
}

struct push_user *push_user_new(int64_t id, const char *email, size_t email_len, const char *name,
                                size_t name_len, const char *role, size_t role_len, const char *created,
                                size_t created_len)
{
    struct push_user *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->refs = 1;
    u->id = id;
    snprintf(u->role, sizeof u->role, "%.*s", (int)role_len, role);
    snprintf(u->created_at, sizeof u->created_at, "%.*s", (int)created_len, created);
    u->email = strndup(email, email_len);
    u->display_name = strndup(name, name_len);
    if (!u->email || !u->display_name) {
        push_user_unref(u);
        return NULL;
    }
    return u;
}

struct push_user *push_user_ref(struct push_user *u)
{
    u->refs++;
    return u;
}

void push_user_unref(struct push_user *u)
{
    if (!u || --u->refs > 0)
        return;
    free(u->email);
    free(u->display_name);
    free(u);
}

void push_iso8601(uint64_t ms, char out[PUSH_TIME_MAX])
{
    crm_iso_time(ms, out);
}

struct push_buf *push_buf_new(size_t len)
{
    if (len > UINT32_MAX)
        return NULL;
    struct push_buf *b = malloc(sizeof *b + len);
    if (!b)
        return NULL;
    b->refs = 1;
    b->len = (uint32_t)len;
    return b;
}

struct push_buf *push_buf_ref(struct push_buf *b)
{
    b->refs++;
    return b;
}

void push_buf_unref(struct push_buf *b)
{
    if (b && --b->refs == 0)
        free(b);
}
