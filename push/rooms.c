#include "config.h"

#include "rooms.h"

#include "log.h"
#include "message.h"
#include "payload_cache.h"
#include "room_table.h"
#include "seen_keys.h"
#include "sub.h"
#include "sub_query.h"
#include "user_cache.h"
#include "ws_conn.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ROOM_BITS 16 /* 65536 buckets */

struct room {
    struct room_group g;   /* first: the table's part (id, subscriptions) */
    size_t reading_sender; /* subscriptions whose selection may read the sender */
};

static struct room_table *rooms;

static struct room *room_find(int64_t id)
{
    return rooms ? (struct room *)room_table_find(rooms, id) : NULL;
}

/* 1 when m repeats, at a new position, a message s was sent (or passed) at first. */
static int repeats_for(const struct sub *s, const struct seen_pos *first)
{
    return push_pos_cmp(first->ms, first->seq, s->last_ms, s->last_seq) <= 0;
}

static void log_repeat(const struct push_message *m, const struct seen_pos *first)
{
    log_info("room %" PRId64 ": entry %s repeats the sender and key of %" PRIu64 "-%" PRIu64
             " (a send retried after a Redis failover): not sent again to who had it",
             m->room_id, m->id, first->ms, first->seq);
}

int rooms_repeat(const struct sub *s, const struct push_message *m)
{
    /* Replays only look: the live entries are the ones a failover can repeat. */
    struct seen_pos first;
    if (!seen_keys_find(m, &first) || !repeats_for(s, &first))
        return 0;
    log_repeat(m, &first);
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
    /* Noted whether or not a subscriber is here now: one may resume here. */
    struct seen_pos first;
    int repeat = seen_keys_note(m, &first);
    if (repeat)
        log_repeat(m, &first);
    struct room *r = room_find(m->room_id);
    if (!r)
        return;
    /* Work per entry is done once: one payload per selection, one frame per
     * (selection, id); each socket gets a reference queued, written at the
     * flush that ends this loop turn. */
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
        if (!rooms_may_see(s, m) || (repeat && repeats_for(s, &first))) {
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
    seen_keys_shutdown();
}
