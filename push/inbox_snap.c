#include "config.h"

#include "inbox_snap.h"

#include "log.h"
#include "metrics.h"
#include "pg_link.h"
#include "pushd.h"
#include "stream_entry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAP_BUCKETS 16384

static struct snap *table[SNAP_BUCKETS];
static struct snap *lru_head, *lru_tail;
static size_t count;
static snap_ready_fn on_ready;
static struct push_message *recent[INBOX_RECENT]; /* a ring of the last entries */
static size_t recent_next;

static struct snap **slot(int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    return &table[h >> 50];
}

void inbox_snap_init(snap_ready_fn ready)
{
    on_ready = ready;
}

size_t inbox_snap_count(void)
{
    return count;
}

static void lru_unlink(struct snap *s)
{
    if (s->lru_prev)
        s->lru_prev->lru_next = s->lru_next;
    else
        lru_head = s->lru_next;
    if (s->lru_next)
        s->lru_next->lru_prev = s->lru_prev;
    else
        lru_tail = s->lru_prev;
    s->lru_prev = s->lru_next = NULL;
}

static void lru_front(struct snap *s)
{
    s->lru_prev = NULL;
    s->lru_next = lru_head;
    if (lru_head)
        lru_head->lru_prev = s;
    lru_head = s;
    if (!lru_tail)
        lru_tail = s;
}

/* Drops what a load filled in. */
static void snap_clear(struct snap *s)
{
    free(s->name);
    s->name = NULL;
    json_object_put(s->tags);
    s->tags = NULL;
    push_user_unref(s->assignee);
    push_user_unref(s->patient);
    s->assignee = s->patient = NULL;
    for (size_t i = 0; i < s->nmembers; i++)
        push_user_unref(s->members[i].u);
    free(s->members);
    s->members = NULL;
    s->nmembers = 0;
    push_message_unref(s->last);
    push_message_unref(s->last_public);
    s->last = s->last_public = NULL;
    s->loaded = 0;
}

static void snap_free(struct snap *s)
{
    struct snap **p = slot(s->room_id);
    while (*p != s)
        p = &(*p)->next;
    *p = s->next;
    lru_unlink(s);
    snap_clear(s);
    free(s);
    count--;
    push_metrics.inbox_rooms = count;
}

struct snap *inbox_snap_find(int64_t room_id)
{
    for (struct snap *s = *slot(room_id); s; s = s->next)
        if (s->room_id == room_id) {
            lru_unlink(s);
            lru_front(s);
            return s;
        }
    return NULL;
}

/* Over the bound: the least recently used snapshots that nothing waits for go. */
static void evict(void)
{
    for (struct snap *s = lru_tail, *prev; s && count > INBOX_SNAP_MAX; s = prev) {
        prev = s->lru_prev;
        if (!s->loading && !s->pins) {
            snap_free(s);
            push_metrics.inbox_evictions++;
        }
    }
}

struct snap *inbox_snap_get(int64_t room_id)
{
    struct snap *s = inbox_snap_find(room_id);
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (!s) {
        crm_oom();
    }
    s->room_id = room_id;
    struct snap **sl = slot(room_id);
    s->next = *sl;
    *sl = s;
    lru_front(s);
    count++;
    push_metrics.inbox_rooms = count;
    evict();
    inbox_snap_reload(s);
    return s;
}

struct snap_member *inbox_snap_member(struct snap *s, int64_t user_id)
{
    for (size_t i = 0; i < s->nmembers; i++)
        if (s->members[i].u->id == user_id)
            return &s->members[i];
    return NULL;
}

static const char *str_of(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int64_t int_of(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* A user of the load's JSON (a reference), or NULL when it is not one. */
static struct push_user *user_of(json_object *o)
{
    const char *id = str_of(o, "id"), *email = str_of(o, "email"), *name = str_of(o, "displayName"),
               *role = str_of(o, "role"), *created = str_of(o, "createdAt");
    int64_t uid;
    if (!id || !email || !name || !role || !created || crm_decimal_id_parse(id, strlen(id), &uid) < 0)
        return NULL;
    struct push_user *u = push_user_new(uid, email, strlen(email), name, strlen(name), role, strlen(role),
                                        created, strlen(created));
    if (!u) {
        crm_oom();
    }
    return u;
}

static struct push_user *user_text(const PGresult *res, int col)
{
    if (PQgetisnull(res, 0, col))
        return NULL;
    json_object *o = json_tokener_parse(PQgetvalue(res, 0, col));
    struct push_user *u = o ? user_of(o) : NULL;
    json_object_put(o);
    return u;
}

static struct push_message *message_text(const PGresult *res, int col, int64_t room_id)
{
    if (PQgetisnull(res, 0, col))
        return NULL;
    json_object *o = json_tokener_parse(PQgetvalue(res, 0, col)), *ju = NULL;
    const char *body = o ? str_of(o, "body") : NULL, *key = o ? str_of(o, "key") : NULL;
    struct push_message *m = NULL;
    if (body && key) {
        m = push_message_new((uint64_t)int_of(o, "ms"), (uint64_t)int_of(o, "seq"), room_id,
                             int_of(o, "sender"), key, strlen(key), body, strlen(body), 1);
        if (!m) {
            crm_oom();
        }
        json_object *in = NULL;
        m->internal = json_object_object_get_ex(o, "internal", &in) && json_object_get_boolean(in);
        if (json_object_object_get_ex(o, "user", &ju))
            m->sender = user_of(ju);
    }
    json_object_put(o);
    return m;
}

static void apply_entry(struct snap *s, struct push_message *m);

/* Fills s from the row; -1 when the row is not what the statement returns. */
static int fill(struct snap *s, const PGresult *res)
{
    if (PQntuples(res) != 1 || PQnfields(res) != PSQL_IR_PATIENT + 1)
        return -1;
    json_object *members = json_tokener_parse(PQgetvalue(res, 0, PSQL_IR_MEMBERS));
    json_object *tags = json_tokener_parse(PQgetvalue(res, 0, PSQL_IR_TAGS));
    if (!members || !json_object_is_type(members, json_type_array) || !tags ||
        !json_object_is_type(tags, json_type_array)) {
        json_object_put(members);
        json_object_put(tags);
        return -1;
    }
    snap_clear(s);
    s->tags = tags;
    s->name = strdup(PQgetvalue(res, 0, PSQL_IR_NAME));
    if (!s->name) {
        crm_oom();
    }
    snprintf(s->created, sizeof s->created, "%s", PQgetvalue(res, 0, PSQL_IR_CREATED));
    snprintf(s->updated, sizeof s->updated, "%s", PQgetvalue(res, 0, PSQL_IR_UPDATED));
    snprintf(s->status, sizeof s->status, "%s", PQgetvalue(res, 0, PSQL_IR_STATUS));
    s->total = strtoll(PQgetvalue(res, 0, PSQL_IR_TOTAL), NULL, 10);
    s->assignee = user_text(res, PSQL_IR_ASSIGNEE);
    s->assignee_id = s->assignee ? s->assignee->id : 0;
    s->patient = user_text(res, PSQL_IR_PATIENT);
    size_t n = json_object_array_length(members);
    s->members = calloc(n ? n : 1, sizeof *s->members);
    if (!s->members) {
        crm_oom();
    }
    for (size_t i = 0; i < n; i++) {
        json_object *jm = json_object_array_get_idx(members, i), *v = NULL;
        struct push_user *u = user_of(jm);
        if (!u)
            continue;
        struct snap_member *sm = &s->members[s->nmembers++];
        sm->u = u;
        sm->has_read = json_object_object_get_ex(jm, "readMs", &v) && !json_object_is_type(v, json_type_null);
        sm->read_ms = (uint64_t)int_of(jm, "readMs");
        sm->read_seq = (uint64_t)int_of(jm, "readSeq");
        const char *at = str_of(jm, "readAt");
        snprintf(sm->read_at, sizeof sm->read_at, "%s", at ? at : "");
        sm->unread = int_of(jm, "unread");
    }
    json_object_put(members);
    s->last = message_text(res, PSQL_IR_LAST, s->room_id);
    s->last_public = message_text(res, PSQL_IR_PUBLIC, s->room_id);
    s->applied_ms = s->last ? s->last->ms : 0;
    s->applied_seq = s->last ? s->last->seq : 0;
    s->loaded = 1;
    /* What the stream holds beyond the newest persisted message: oldest first. */
    for (size_t k = 0; k < INBOX_RECENT; k++) {
        struct push_message *m = recent[(recent_next + k) % INBOX_RECENT];
        if (m && m->room_id == s->room_id)
            apply_entry(s, m);
    }
    return 0;
}

static void on_loaded(const PGresult *res, void *arg)
{
    struct snap *s = arg; /* never evicted while loading */
    s->loading = 0;
    if (!res)
        log_warn("inbox: room %" PRId64 " could not be loaded", s->room_id);
    else if (PQntuples(res) == 0)
        snap_clear(s); /* no such room: nobody is sent anything */
    else if (fill(s, res) < 0)
        log_warn("inbox: room %" PRId64 ": unexpected snapshot row", s->room_id);
    if (s->reload) {
        s->reload = 0;
        inbox_snap_reload(s); /* a change came during the load: one more */
        return;
    }
    s->pins++;
    on_ready(s);
    s->pins--;
    evict();
}

void inbox_snap_reload(struct snap *s)
{
    if (s->loading) {
        s->reload = 1;
        return;
    }
    char room[24];
    snprintf(room, sizeof room, "%" PRId64, s->room_id);
    const char *params[] = {room};
    s->loading = 1;
    push_metrics.inbox_loads++;
    if (pg_link_query(pushd->pg, PSQL_INBOX_ROOM, 1, params, INBOX_LOAD_MS, on_loaded, s) < 0) {
        s->loading = 0;
        log_warn("inbox: room %" PRId64 ": load not queued", s->room_id);
    }
}

static void apply_entry(struct snap *s, struct push_message *m)
{
    if (push_pos_cmp(m->ms, m->seq, s->applied_ms, s->applied_seq) <= 0)
        return; /* counted already (persisted, or applied) */
    push_message_unref(s->last);
    s->last = push_message_ref(m);
    if (!m->internal) {
        push_message_unref(s->last_public);
        s->last_public = push_message_ref(m);
    }
    push_iso8601(m->ms, s->updated);
    s->total++;
    for (size_t i = 0; i < s->nmembers; i++) {
        struct snap_member *sm = &s->members[i];
        if (sm->u->id == m->sender_id || (m->internal && strcmp(sm->u->role, "PATIENT") == 0))
            continue;
        if (!sm->has_read || push_pos_cmp(m->ms, m->seq, sm->read_ms, sm->read_seq) > 0)
            sm->unread++;
    }
    s->applied_ms = m->ms;
    s->applied_seq = m->seq;
}

struct snap *inbox_snap_entry(struct push_message *m)
{
    push_message_unref(recent[recent_next]);
    recent[recent_next] = push_message_ref(m);
    recent_next = (recent_next + 1) % INBOX_RECENT;
    struct snap *s = inbox_snap_find(m->room_id);
    if (!s || !s->loaded || s->loading)
        return NULL; /* a load in flight applies it from the ring */
    apply_entry(s, m);
    return s;
}

int inbox_snap_read(struct snap *s, int64_t user_id, uint64_t ms, uint64_t seq, const char *read_at)
{
    struct snap_member *sm = s->loaded && !s->loading ? inbox_snap_member(s, user_id) : NULL;
    if (!sm) {
        inbox_snap_reload(s);
        return 0;
    }
    if (!sm->has_read || push_pos_cmp(ms, seq, sm->read_ms, sm->read_seq) > 0) {
        sm->has_read = 1;
        sm->read_ms = ms;
        sm->read_seq = seq;
        snprintf(sm->read_at, sizeof sm->read_at, "%s", read_at);
    }
    if (push_pos_cmp(sm->read_ms, sm->read_seq, s->applied_ms, s->applied_seq) >= 0) {
        sm->unread = 0;
        return 1;
    }
    inbox_snap_reload(s); /* read up to the middle: counted again by the database */
    return 0;
}

void inbox_snap_shutdown(void)
{
    while (lru_head)
        snap_free(lru_head);
    for (size_t i = 0; i < INBOX_RECENT; i++) {
        push_message_unref(recent[i]);
        recent[i] = NULL;
    }
}
