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
static struct snap *wait_head, *wait_tail; /* rooms queued for a load query */
static int queries;                        /* load queries in flight */
static int answering;                      /* a query's answer is being applied */

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
    if (s) {
        if (!s->loaded && !s->loading)
            inbox_snap_reload(s); /* its last load failed: a delivery waits on this one */
        return s;
    }
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

static struct push_user *user_text(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    json_object *o = json_tokener_parse(PQgetvalue(res, row, col));
    struct push_user *u = o ? user_of(o) : NULL;
    json_object_put(o);
    return u;
}

static struct push_message *message_text(const PGresult *res, int row, int col, int64_t room_id)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    json_object *o = json_tokener_parse(PQgetvalue(res, row, col)), *ju = NULL;
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

/* Fills s from row r; -1 when the row is not what the statement returns. */
static int fill(struct snap *s, const PGresult *res, int r)
{
    json_object *members = json_tokener_parse(PQgetvalue(res, r, PSQL_IR_MEMBERS));
    json_object *tags = json_tokener_parse(PQgetvalue(res, r, PSQL_IR_TAGS));
    if (!members || !json_object_is_type(members, json_type_array) || !tags ||
        !json_object_is_type(tags, json_type_array)) {
        json_object_put(members);
        json_object_put(tags);
        return -1;
    }
    snap_clear(s);
    s->tags = tags;
    s->name = strdup(PQgetvalue(res, r, PSQL_IR_NAME));
    if (!s->name) {
        crm_oom();
    }
    snprintf(s->created, sizeof s->created, "%s", PQgetvalue(res, r, PSQL_IR_CREATED));
    snprintf(s->updated, sizeof s->updated, "%s", PQgetvalue(res, r, PSQL_IR_UPDATED));
    snprintf(s->public_updated, sizeof s->public_updated, "%s", PQgetvalue(res, r, PSQL_IR_PUBLIC_UPDATED));
    snprintf(s->status, sizeof s->status, "%s", PQgetvalue(res, r, PSQL_IR_STATUS));
    s->total = strtoll(PQgetvalue(res, r, PSQL_IR_TOTAL), NULL, 10);
    s->assignee = user_text(res, r, PSQL_IR_ASSIGNEE);
    s->assignee_id = s->assignee ? s->assignee->id : 0;
    s->patient = user_text(res, r, PSQL_IR_PATIENT);
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
    s->last = message_text(res, r, PSQL_IR_LAST, s->room_id);
    s->last_public = message_text(res, r, PSQL_IR_PUBLIC, s->room_id);
    s->applied_ms = s->last ? s->last->ms : 0;
    s->applied_seq = s->last ? s->last->seq : 0;
    s->ntail = 0; /* the load counted everything up to its newest message */
    s->cover_ms = s->applied_ms;
    s->cover_seq = s->applied_seq;
    s->loaded = 1;
    /* What the stream holds beyond the newest persisted message: oldest first. */
    for (size_t k = 0; k < INBOX_RECENT; k++) {
        struct push_message *m = recent[(recent_next + k) % INBOX_RECENT];
        if (m && m->room_id == s->room_id)
            apply_entry(s, m);
    }
    return 0;
}

/* The end of s's load: res row r (r < 0: no such room), or res NULL (failed). */
static void loaded(struct snap *s, const PGresult *res, int r)
{
    s->loading = 0;
    if (!res)
        log_warn("inbox: room %" PRId64 " could not be loaded", s->room_id);
    else if (r < 0)
        snap_clear(s); /* no such room: nobody is sent anything */
    else if (fill(s, res, r) < 0)
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

struct batch {
    size_t n;
    struct snap *s[INBOX_LOAD_BATCH]; /* never evicted while loading */
};

static void send_batches(void);

static void on_batch(const PGresult *res, void *arg)
{
    struct batch *b = arg;
    queries--;
    answering = 1; /* reloads the deliveries queue wait for the end */
    if (res && PQnfields(res) != PSQL_IR_COUNT)
        res = NULL;
    for (int r = 0, rows = res ? PQntuples(res) : 0; r < rows; r++) {
        int64_t id = strtoll(PQgetvalue(res, r, PSQL_IR_ROOM), NULL, 10);
        for (size_t i = 0; i < b->n; i++)
            if (b->s[i] && b->s[i]->room_id == id) {
                struct snap *s = b->s[i];
                b->s[i] = NULL;
                loaded(s, res, r);
                break;
            }
    }
    for (size_t i = 0; i < b->n; i++)
        if (b->s[i])
            loaded(b->s[i], res, -1);
    free(b);
    answering = 0;
    send_batches();
}

/* Sends the rooms waiting, INBOX_LOAD_BATCH a query, while fewer than
 * INBOX_LOAD_QUERIES are in flight: a process that starts with thousands of
 * rooms to load asks for them in tens of queries, not thousands. */
static void send_batches(void)
{
    while (wait_head && queries < INBOX_LOAD_QUERIES && !answering) {
        struct batch *b = calloc(1, sizeof *b);
        char *ids = malloc(INBOX_LOAD_BATCH * 22 + 3);
        if (!b || !ids) {
            crm_oom();
        }
        size_t len = 0;
        ids[len++] = '{';
        while (wait_head && b->n < INBOX_LOAD_BATCH) {
            struct snap *s = wait_head;
            wait_head = s->load_next;
            s->load_next = NULL;
            b->s[b->n++] = s;
            len += (size_t)snprintf(ids + len, 22, "%s%" PRId64, b->n > 1 ? "," : "", s->room_id);
        }
        if (!wait_head)
            wait_tail = NULL;
        ids[len++] = '}';
        ids[len] = '\0';
        const char *params[] = {ids};
        int rc = pg_link_query(pushd->pg, PSQL_INBOX_ROOMS, 1, params, INBOX_LOAD_MS, on_batch, b);
        free(ids);
        if (rc == 0) {
            queries++;
            continue;
        }
        log_warn("inbox: a load of %zu rooms not queued", b->n);
        queries++; /* on_batch takes it back */
        on_batch(NULL, b);
        return; /* the link refuses: the next reload tries again */
    }
}

void inbox_snap_reload(struct snap *s)
{
    if (s->loading) {
        s->reload = 1;
        return;
    }
    s->loading = 1;
    push_metrics.inbox_loads++;
    if (wait_tail)
        wait_tail->load_next = s;
    else
        wait_head = s;
    wait_tail = s;
    send_batches();
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
        push_iso8601(m->ms, s->public_updated);
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
    if (s->ntail == INBOX_TAIL) { /* the oldest goes: reads before it are counted by a load */
        s->cover_ms = s->tail[0].ms;
        s->cover_seq = s->tail[0].seq;
        memmove(s->tail, s->tail + 1, (INBOX_TAIL - 1) * sizeof *s->tail);
        s->ntail--;
    }
    s->tail[s->ntail++] = (struct snap_entry){m->ms, m->seq, m->sender_id, m->internal};
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
    if (push_pos_cmp(sm->read_ms, sm->read_seq, s->cover_ms, s->cover_seq) >= 0) {
        /* Every message after the position is in the tail: counted here, so
         * a member who reads while others write costs no load. */
        int patient = strcmp(sm->u->role, "PATIENT") == 0;
        sm->unread = 0;
        for (size_t i = 0; i < s->ntail; i++) {
            const struct snap_entry *e = &s->tail[i];
            if (push_pos_cmp(e->ms, e->seq, sm->read_ms, sm->read_seq) > 0 && e->sender_id != user_id &&
                !(e->internal && patient))
                sm->unread++;
        }
        return 1;
    }
    inbox_snap_reload(s); /* read up to before the tail: counted again by the database */
    return 0;
}

void inbox_snap_shutdown(void)
{
    wait_head = wait_tail = NULL; /* the link is gone: its queries answered already */
    while (lru_head)
        snap_free(lru_head);
    for (size_t i = 0; i < INBOX_RECENT; i++) {
        push_message_unref(recent[i]);
        recent[i] = NULL;
    }
}
