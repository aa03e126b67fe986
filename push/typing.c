#include "config.h"

#include "typing.h"

#include "log.h"
#include "message.h"
#include "metrics.h"
#include "presence.h"
#include "pushd.h"
#include "room_table.h"
#include "sub.h"
#include "sub_query.h"
#include "user_cache.h"
#include "user_json.h"
#include "ws_conn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TROOM_BITS 12    /* 4096 buckets */
#define TYPING_RENDERS 8 /* distinct (selection, email hidden) payloads per event */

struct tstate; /* a typist whose true has not lapsed */

struct troom {
    struct room_group g; /* first: the table's part (id, subscriptions) */
    size_t reading_online;
    struct tstate *typists;
};

struct tstate {
    struct tstate *next;
    struct troom *room;
    int64_t user_id;
    struct event *lapse;
};

static struct room_table *table;
static size_t nstates;

static struct troom *troom_find(int64_t id)
{
    return table ? (struct troom *)room_table_find(table, id) : NULL;
}

static void state_free(struct tstate *t)
{
    for (struct tstate **p = &t->room->typists; *p; p = &(*p)->next)
        if (*p == t) {
            *p = t->next;
            break;
        }
    event_free(t->lapse);
    free(t);
    nstates--;
}

void typing_add(struct sub *s)
{
    if (!table)
        table = room_table_new(TROOM_BITS, sizeof(struct troom));
    struct troom *r = (struct troom *)room_table_join(table, s->room_id, s);
    s->group = r;
    r->reading_online += sub_query_needs_online(s->q) != 0;
    s->state = SUB_LIVE;
}

/* What a room owns besides its subscriptions: the typists' lapse timers. */
static void troom_release(struct room_group *g)
{
    struct troom *r = (struct troom *)g;
    while (r->typists)
        state_free(r->typists);
}

void typing_remove(struct sub *s)
{
    struct troom *r = s->group;
    if (!r)
        return;
    s->group = NULL;
    r->reading_online -= sub_query_needs_online(s->q) != 0;
    struct room_group *empty = room_table_leave(table, &r->g, s);
    if (!empty)
        return;
    troom_release(empty);
    free(empty);
}

/* One event on its way: the typist's record, then (if selected) presence. */
struct pending {
    int64_t room_id, user_id;
    int typing;
    struct push_user *u;
};

static void send_event(struct pending *p, int online)
{
    struct troom *r = troom_find(p->room_id);
    if (!r || !p->u)
        return;
    char room[24];
    snprintf(room, sizeof room, "%" PRId64, p->room_id);
    struct {
        const struct sub_query *q;
        int hide;
        struct push_buf *payload;
    } made[TYPING_RENDERS];
    size_t nmade = 0;
    for (struct sub *s = r->g.subs, *next; s; s = next) {
        next = s->room_next;
        if (s->conn->dead || s->conn->closing || s->conn->user_id == p->user_id)
            continue; /* never the typist's own event */
        int hide = s->viewer_patient;
        struct push_buf *payload = NULL;
        for (size_t i = 0; i < nmade && !payload; i++)
            if (made[i].q == s->q && made[i].hide == hide)
                payload = push_buf_ref(made[i].payload);
        if (!payload) {
            json_object *ev = json_object_new_object();
            json_object *u = user_json(p->u->id, p->u->email, p->u->display_name, p->u->role,
                                       p->u->created_at, hide, online);
            if (!ev || !u) {
                crm_oom();
            }
            json_object_object_add(ev, "roomId", json_object_new_string(room));
            json_object_object_add(ev, "user", u);
            json_object_object_add(ev, "typing", json_object_new_boolean(p->typing));
            payload = sub_query_render_value(s->q, ev);
            json_object_put(ev);
            if (!payload) {
                crm_oom();
            }
            if (nmade < TYPING_RENDERS) {
                made[nmade].q = s->q;
                made[nmade].hide = hide;
                made[nmade].payload = push_buf_ref(payload);
                nmade++;
            }
        }
        if (sub_send_value(s, payload) == 0)
            push_metrics.typing_sent++;
        push_buf_unref(payload);
    }
    for (size_t i = 0; i < nmade; i++)
        push_buf_unref(made[i].payload);
}

static void pending_free(struct pending *p)
{
    push_user_unref(p->u);
    free(p);
}

static void on_online(const uint8_t *online, size_t n, void *arg)
{
    struct pending *p = arg;
    send_event(p, n == 1 && online[0]);
    pending_free(p);
}

/* The typist is known (or cannot be): on to presence, or sent. */
static void with_user(struct pending *p)
{
    if (!p->u)
        p->u = user_cache_lookup(p->user_id);
    if (!p->u) {
        log_warn("typing in room %" PRId64 ": user %" PRId64 " not loaded; event dropped", p->room_id,
                 p->user_id);
        pending_free(p);
        return;
    }
    struct troom *r = troom_find(p->room_id);
    if (r && r->reading_online > 0) {
        presence_lookup(&p->user_id, 1, on_online, p);
        return;
    }
    send_event(p, 0);
    pending_free(p);
}

static void on_user_loaded(void *arg)
{
    with_user(arg);
}

static void deliver(int64_t room_id, int64_t user_id, int typing)
{
    struct pending *p = calloc(1, sizeof *p);
    if (!p) {
        crm_oom();
    }
    p->room_id = room_id;
    p->user_id = user_id;
    p->typing = typing;
    p->u = user_cache_lookup(user_id);
    if (!p->u && user_cache_when_loaded(user_id, on_user_loaded, p) == 0)
        return;
    with_user(p);
}

static void on_lapse(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct tstate *t = arg;
    int64_t room = t->room->g.id, user = t->user_id;
    state_free(t);
    deliver(room, user, 0);
}

void typing_event(int64_t room_id, int64_t user_id, int typing)
{
    struct troom *r = troom_find(room_id);
    if (!r)
        return; /* nobody here watches that room */
    struct tstate *t = r->typists;
    while (t && t->user_id != user_id)
        t = t->next;
    if (typing) {
        if (!t && nstates < TYPING_MAX_STATES) {
            t = calloc(1, sizeof *t);
            if (!t) {
                crm_oom();
            }
            t->room = r;
            t->user_id = user_id;
            t->lapse = evtimer_new(pushd->base, on_lapse, t);
            if (!t->lapse) {
                crm_oom();
            }
            t->next = r->typists;
            r->typists = t;
            nstates++;
        }
        if (t) {
            struct timeval tv = {TYPING_LAPSE_MS / 1000, (TYPING_LAPSE_MS % 1000) * 1000};
            evtimer_add(t->lapse, &tv); /* a repeated true moves the lapse on */
        }
    } else if (t) {
        state_free(t); /* stopped: no lapse to send */
    }
    deliver(room_id, user_id, typing);
}

void typing_shutdown(void)
{
    room_table_free(table, troom_release);
    table = NULL;
}
