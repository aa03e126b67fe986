#include "config.h"

#include "rooms.h"

#include "log.h"
#include "message.h"
#include "payload_cache.h"
#include "room_table.h"
#include "sub.h"
#include "sub_query.h"
#include "user_cache.h"
#include "ws_conn.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ROOM_BITS 16 /* 65536 buckets */

/* A message's (sender, idempotency key) and the position it was first seen at. */
struct seen_key {
    uint64_t hash, ms, seq;
};

struct room {
    struct room_group g;   /* first: the table's part (id, subscriptions) */
    size_t reading_sender; /* subscriptions whose selection may read the sender */
    /* The newest ROOM_SEEN_KEYS (sender, key) pairs sent here: a send that a
     * dying Redis primary had added (and this process delivered) but no
     * replica received is refused to its client, who retries with the same
     * key, and the promoted replica accepts it again at a new position. */
    struct seen_key seen[ROOM_SEEN_KEYS];
    unsigned nseen, next_seen;
};

static struct room_table *rooms;

static struct room *room_find(int64_t id)
{
    return rooms ? (struct room *)room_table_find(rooms, id) : NULL;
}

static uint64_t sender_key_hash(const struct push_message *m)
{
    /* FNV-1a over the sender id and the key: 16 entries, 64 bits, no
     * collision to expect; a collision would only hold back one message. */
    uint64_t h = 1469598103934665603ULL;
    uint64_t id = (uint64_t)m->sender_id;
    for (int i = 0; i < 8; i++, id >>= 8)
        h = (h ^ (id & 0xff)) * 1099511628211ULL;
    for (size_t i = 0; i < m->key_len; i++)
        h = (h ^ (unsigned char)m->key[i]) * 1099511628211ULL;
    return h;
}

/* The first position m's (sender, key) was seen at in r, noting m's when it is
 * new and note is set; NULL for none (or a message without a key). */
static const struct seen_key *seen_at(struct room *r, const struct push_message *m, int note)
{
    if (!m->key_len || (!note && !r->nseen))
        return NULL;
    uint64_t h = sender_key_hash(m);
    for (unsigned i = 0; i < r->nseen; i++)
        if (r->seen[i].hash == h)
            return &r->seen[i];
    if (!note)
        return NULL;
    struct seen_key *e = &r->seen[r->next_seen];
    r->next_seen = (r->next_seen + 1) % ROOM_SEEN_KEYS;
    if (r->nseen < ROOM_SEEN_KEYS)
        r->nseen++;
    *e = (struct seen_key){h, m->ms, m->seq};
    return e;
}

/* 1 when m repeats, at a new position, a message s was sent (or passed) at first. */
static int repeats_for(const struct sub *s, const struct seen_key *first, const struct push_message *m)
{
    return first && (first->ms != m->ms || first->seq != m->seq) &&
           push_pos_cmp(first->ms, first->seq, s->last_ms, s->last_seq) <= 0;
}

static void log_repeat(const struct push_message *m, const struct seen_key *first)
{
    log_info("room %" PRId64 ": entry %s repeats the sender and key of %" PRIu64 "-%" PRIu64
             " (a send retried after a Redis failover): not sent again to who had it",
             m->room_id, m->id, first->ms, first->seq);
}

int rooms_repeat(const struct sub *s, const struct push_message *m)
{
    struct room *r = s->room;
    /* Replays only look: the live entries are the ones a failover can repeat. */
    const struct seen_key *first = r ? seen_at(r, m, 0) : NULL;
    if (!repeats_for(s, first, m))
        return 0;
    log_repeat(m, first);
    return 1;
}

void rooms_add(struct sub *s)
{
    if (!rooms)
        rooms = room_table_new(ROOM_BITS, sizeof(struct room));
    struct room *r = (struct room *)room_table_join(rooms, s->room_id, s);
    s->room = r;
    r->reading_sender += sub_query_needs_sender(s->q) != 0;
    /* Starts loading the subscriber's role, so that its first note finds it. */
    push_user_unref(user_cache_lookup(s->conn->user_id));
}

int rooms_may_see(const struct sub *s, const struct push_message *m)
{
    if (!m->internal)
        return 1;
    struct push_user *u = user_cache_lookup(s->conn->user_id);
    int staff = u && (strcmp(u->role, "STAFF") == 0 || strcmp(u->role, "ADMIN") == 0);
    push_user_unref(u);
    return staff;
}

int rooms_read_sender(int64_t room_id)
{
    struct room *r = room_find(room_id);
    return r && r->reading_sender > 0;
}

void rooms_remove(struct sub *s)
{
    struct room *r = s->room;
    if (!r)
        return;
    s->room = NULL;
    r->reading_sender -= sub_query_needs_sender(s->q) != 0;
    free(room_table_leave(rooms, &r->g, s));
}

/* Holds m for a subscription that is replaying; 0, or -1 when it was dropped. */
static int hold(struct sub *s, struct push_message *m)
{
    if (s->nheld == ROOMS_MAX_HELD) {
        sub_fail(s, "RATE_LIMITED", "Too many messages arrived while replaying; resubscribe with after.");
        return -1;
    }
    if (s->nheld == s->capheld) {
        uint32_t cap = s->capheld ? s->capheld * 2 : 16;
        struct push_message **h = realloc(s->held, cap * sizeof *h);
        if (!h) {
            crm_oom();
        }
        s->held = h;
        s->capheld = cap;
    }
    s->held[s->nheld++] = push_message_ref(m);
    return 0;
}

void rooms_deliver(struct push_message *m)
{
    struct room *r = room_find(m->room_id);
    if (!r)
        return;
    /* Work per entry is done once: one payload per selection, one frame per
     * (selection, id); each socket gets a reference queued, written at the
     * flush that ends this loop turn. */
    const struct seen_key *first = seen_at(r, m, 1);
    int repeat = first && (first->ms != m->ms || first->seq != m->seq);
    if (repeat)
        log_repeat(m, first);
    struct payload_cache pc;
    payload_cache_init(&pc);
    for (struct sub *s = r->g.subs, *next; s; s = next) {
        next = s->room_next;
        if (s->conn->dead || s->conn->closing)
            continue;
        if (s->state == SUB_REPLAY) {
            hold(s, m);
            continue;
        }
        if (s->state != SUB_LIVE || push_pos_cmp(m->ms, m->seq, s->last_ms, s->last_seq) <= 0)
            continue;
        if (!rooms_may_see(s, m) || (repeat && repeats_for(s, first, m))) {
            /* an internal note and s is not staff's, or one s had: passed over */
            s->last_ms = m->ms;
            s->last_seq = m->seq;
            continue;
        }
        struct push_buf *frame = payload_cache_frame(&pc, s, m);
        if (frame) {
            if (ws_conn_send_frame(s->conn, frame) == 0) {
                s->last_ms = m->ms;
                s->last_seq = m->seq;
            }
            push_buf_unref(frame);
            continue;
        }
        struct push_buf *payload = payload_cache_payload(&pc, s, m);
        sub_send_payload(s, m, payload);
        push_buf_unref(payload);
    }
    payload_cache_release(&pc);
}

void rooms_shutdown(void)
{
    room_table_free(rooms, NULL);
    rooms = NULL;
}
