#include "config.h"

#include "inbox.h"

#include "inbox_snap.h"
#include "log.h"
#include "message.h"
#include "metrics.h"
#include "presence.h"
#include "pushd.h"
#include "room_table.h"
#include "sub.h"
#include "sub_query.h"
#include "user_json.h"
#include "ws_conn.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IUSER_BITS 14 /* 16384 buckets */

/* The inboxUpdated subscriptions of one user in this process. */
struct iuser {
    struct room_group g;                   /* first: the table's part (user id, subscriptions) */
    struct iuser *staff_prev, *staff_next; /* the staff list (staff and admins) */
    int staff;
};

static struct room_table *users;
static struct iuser *staff_head;
static size_t nsubs;

static void on_snap_ready(struct snap *s);

void inbox_init(void)
{
    inbox_snap_init(on_snap_ready);
}

static struct iuser *iuser_find(int64_t id)
{
    return users ? (struct iuser *)room_table_find(users, id) : NULL;
}

void inbox_add(struct sub *s)
{
    if (!users)
        users = room_table_new(IUSER_BITS, sizeof(struct iuser));
    struct iuser *u = (struct iuser *)room_table_join(users, s->conn->user_id, s);
    if (u->g.count == 1) {
        /* The role the user cache held when the first subscription started. */
        u->staff = !s->viewer_patient;
        if (u->staff) {
            u->staff_next = staff_head;
            if (staff_head)
                staff_head->staff_prev = u;
            staff_head = u;
        }
    }
    s->group = u;
    nsubs++;
    s->state = SUB_LIVE;
}

void inbox_remove(struct sub *s)
{
    struct iuser *u = s->group;
    if (!u)
        return;
    s->group = NULL;
    nsubs--;
    if (!room_table_leave(users, &u->g, s))
        return;
    if (u->staff) {
        if (u->staff_prev)
            u->staff_prev->staff_next = u->staff_next;
        else
            staff_head = u->staff_next;
        if (u->staff_next)
            u->staff_next->staff_prev = u->staff_prev;
    }
    free(u);
}

/* ---- rendering ---- */

struct online_map {
    const int64_t *ids;
    const uint8_t *online;
    size_t n;
};

static int is_online(const struct online_map *om, int64_t id)
{
    for (size_t i = 0; om && i < om->n; i++)
        if (om->ids[i] == id)
            return om->online[i];
    return 0;
}

static json_object *user_for(const struct push_user *u, int64_t viewer, int patient_view,
                             const struct online_map *om)
{
    json_object *o = user_json(u->id, u->email, u->display_name, u->role, u->created_at,
                               patient_view && u->id != viewer, is_online(om, u->id));
    if (!o) {
        crm_oom();
    }
    return o;
}

static json_object *message_for(const struct snap *s, const struct push_message *m, int64_t viewer,
                                int patient_view, const struct online_map *om)
{
    if (!m)
        return NULL;
    char room[24], when[PUSH_TIME_MAX];
    snprintf(room, sizeof room, "%" PRId64, m->room_id);
    push_iso8601(m->ms, when);
    const struct push_user *sender = m->sender;
    if (!sender) {
        /* An entry without its sender: the member's record has it. */
        const struct snap_member *sm = inbox_snap_member((struct snap *)s, m->sender_id);
        sender = sm ? sm->u : NULL;
    }
    json_object *o = json_object_new_object();
    if (!o) {
        crm_oom();
    }
    json_object_object_add(o, "id", json_object_new_string(m->id));
    json_object_object_add(o, "roomId", json_object_new_string(room));
    if (sender)
        json_object_object_add(o, "sender", user_for(sender, viewer, patient_view, om));
    json_object_object_add(o, "body", json_object_new_string_len(m->body, (int)m->body_len));
    json_object_object_add(o, "idempotencyKey", json_object_new_string_len(m->key, (int)m->key_len));
    json_object_object_add(o, "createdAt", json_object_new_string(when));
    json_object_object_add(o, "status", json_object_new_string(m->persisted ? "PERSISTED" : "PENDING"));
    json_object_object_add(o, "cursor", json_object_new_string(m->id));
    json_object_object_add(o, "internal", json_object_new_boolean(m->internal));
    return o;
}

/* The Room as viewer sees it, unreadCount aside. viewer 0: a staff view
 * (every email, every message). */
static json_object *room_for(const struct snap *s, int64_t viewer, int patient_view,
                             const struct online_map *om)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, s->room_id);
    json_object *o = json_object_new_object(), *members = json_object_new_array(),
                *receipts = json_object_new_array();
    if (!o || !members || !receipts) {
        crm_oom();
    }
    for (size_t i = 0; i < s->nmembers; i++) {
        const struct snap_member *sm = &s->members[i];
        json_object_array_add(members, user_for(sm->u, viewer, patient_view, om));
        if (!sm->has_read)
            continue;
        char cursor[PUSH_ID_MAX];
        snprintf(cursor, sizeof cursor, "%" PRIu64 "-%" PRIu64, sm->read_ms, sm->read_seq);
        json_object *r = json_object_new_object();
        if (!r) {
            crm_oom();
        }
        json_object_object_add(r, "user", user_for(sm->u, viewer, patient_view, om));
        json_object_object_add(r, "cursor", json_object_new_string(cursor));
        json_object_object_add(r, "readAt", json_object_new_string(sm->read_at));
        json_object_array_add(receipts, r);
    }
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "name", json_object_new_string(s->name));
    json_object_object_add(o, "createdAt", json_object_new_string(s->created));
    json_object_object_add(o, "members", members);
    json_object_object_add(o, "lastMessage",
                           message_for(s, patient_view ? s->last_public : s->last, viewer, patient_view, om));
    json_object_object_add(o, "patient", s->patient ? user_for(s->patient, viewer, patient_view, om) : NULL);
    json_object_object_add(o, "status", json_object_new_string(s->status));
    json_object_object_add(o, "assignee",
                           s->assignee ? user_for(s->assignee, viewer, patient_view, om) : NULL);
    json_object_object_add(o, "tags", json_object_get(s->tags));
    json_object_object_add(o, "readReceipts", receipts);
    /* A patient's conversation does not move for a note they cannot see. */
    json_object_object_add(o, "updatedAt",
                           json_object_new_string(patient_view ? s->public_updated : s->updated));
    return o;
}

/* ---- fan-out ---- */

struct fanout {
    struct snap *s;
    const struct online_map *om;
    json_object *staff_room;   /* the staff view, built on first use */
    json_object *patient_room; /* the view of patient_viewer */
    int64_t patient_viewer;
    struct {
        const struct sub_query *q;
        int64_t viewer; /* 0: staff view */
        int64_t unread;
        struct push_buf *payload;
    } made[INBOX_RENDERS];
    size_t nmade;
};

static void send_to(struct fanout *f, struct sub *s)
{
    if (s->state != SUB_LIVE || s->conn->dead || s->conn->closing)
        return;
    int patient_view = s->viewer_patient;
    int64_t me = s->conn->user_id;
    int64_t viewer = patient_view ? me : 0;
    const struct snap_member *sm = inbox_snap_member(f->s, me);
    /* A viewer without a position (staff outside the room) has read nothing. */
    int64_t unread = sm ? sm->unread : f->s->total;
    struct push_buf *payload = NULL;
    for (size_t i = 0; i < f->nmade && !payload; i++)
        if (f->made[i].q == s->q && f->made[i].viewer == viewer && f->made[i].unread == unread)
            payload = push_buf_ref(f->made[i].payload);
    if (!payload) {
        json_object *room;
        if (!patient_view) {
            if (!f->staff_room)
                f->staff_room = room_for(f->s, me, 0, f->om);
            room = f->staff_room;
        } else {
            if (!f->patient_room || f->patient_viewer != me) {
                json_object_put(f->patient_room);
                f->patient_room = room_for(f->s, me, 1, f->om);
                f->patient_viewer = me;
            }
            room = f->patient_room;
        }
        json_object_object_add(room, "unreadCount", json_object_new_int64(unread));
        payload = sub_query_render_value(s->q, room);
        if (!payload) {
            crm_oom();
        }
        if (f->nmade < INBOX_RENDERS) {
            f->made[f->nmade].q = s->q;
            f->made[f->nmade].viewer = viewer;
            f->made[f->nmade].unread = unread;
            f->made[f->nmade].payload = push_buf_ref(payload);
            f->nmade++;
        }
    }
    if (sub_send_value(s, payload) == 0)
        push_metrics.inbox_sent++;
    push_buf_unref(payload);
}

static void send_user(struct fanout *f, struct iuser *u, int patients)
{
    if (!u || (!u->staff && !patients))
        return;
    for (struct sub *s = u->g.subs, *next; s; s = next) {
        next = s->room_next;
        if (!patients && s->viewer_patient)
            continue; /* caused by a note only */
        send_to(f, s);
    }
}

/* Sends s to who may see it: members; every staff subscriber too while the
 * room is unassigned or when staff_all (a change of assignment). */
static void fan_out(struct snap *s, int patients, int staff_all, const struct online_map *om)
{
    if (!s->loaded)
        return;
    struct fanout f;
    memset(&f, 0, sizeof f);
    f.s = s;
    f.om = om;
    for (size_t i = 0; i < s->nmembers; i++)
        send_user(&f, iuser_find(s->members[i].u->id), patients);
    if (staff_all || !s->assignee)
        for (struct iuser *u = staff_head; u; u = u->staff_next)
            if (!inbox_snap_member(s, u->g.id))
                send_user(&f, u, patients);
    for (size_t i = 0; i < f.nmade; i++)
        push_buf_unref(f.made[i].payload);
    json_object_put(f.staff_room);
    json_object_put(f.patient_room);
}

/* Whether a subscriber the room reaches selects User.online. */
static int wants_online(struct snap *s, int staff_all)
{
    for (size_t i = 0; i < s->nmembers; i++) {
        struct iuser *u = iuser_find(s->members[i].u->id);
        for (struct sub *x = u ? u->g.subs : NULL; x; x = x->room_next)
            if (sub_query_needs_online(x->q))
                return 1;
    }
    if (staff_all || !s->assignee)
        for (struct iuser *u = staff_head; u; u = u->staff_next)
            for (struct sub *x = u->g.subs; x; x = x->room_next)
                if (sub_query_needs_online(x->q))
                    return 1;
    return 0;
}

struct online_wait {
    int64_t room_id;
    int patients, staff_all;
    size_t n;
    int64_t ids[];
};

static void on_online(const uint8_t *online, size_t n, void *arg)
{
    struct online_wait *w = arg;
    struct snap *s = inbox_snap_find(w->room_id);
    if (s) {
        s->pins--;
        struct online_map om = {w->ids, online, n < w->n ? n : w->n};
        fan_out(s, w->patients, w->staff_all, &om);
    }
    free(w);
}

static void deliver(struct snap *s, int patients, int staff_all)
{
    if (!s->loaded)
        return;
    if (!wants_online(s, staff_all)) {
        fan_out(s, patients, staff_all, NULL);
        return;
    }
    /* User.online is selected: asked of Redis for every user the room shows. */
    struct online_wait *w = calloc(1, sizeof *w + (s->nmembers + 2) * sizeof(int64_t));
    if (!w) {
        crm_oom();
    }
    w->room_id = s->room_id;
    w->patients = patients;
    w->staff_all = staff_all;
    for (size_t i = 0; i < s->nmembers; i++)
        w->ids[w->n++] = s->members[i].u->id;
    if (s->assignee)
        w->ids[w->n++] = s->assignee->id;
    if (s->patient)
        w->ids[w->n++] = s->patient->id;
    s->pins++;
    presence_lookup(w->ids, w->n, on_online, w);
}

static void want(struct snap *s, int patients, int staff_all)
{
    s->want = 1;
    s->want_patients |= (uint8_t)patients;
    s->want_staff |= (uint8_t)staff_all;
}

static void on_snap_ready(struct snap *s)
{
    if (!s->want)
        return;
    int patients = s->want_patients, staff_all = s->want_staff;
    s->want = s->want_patients = s->want_staff = 0;
    deliver(s, patients, staff_all);
}

void inbox_entry(struct push_message *m)
{
    struct snap *s = inbox_snap_entry(m);
    if (nsubs == 0)
        return;
    int patients = !m->internal;
    if (s) {
        deliver(s, patients, 0);
        return;
    }
    /* Not loaded (or loading): its load applies the entry from the ring. */
    s = inbox_snap_get(m->room_id);
    want(s, patients, 0);
}

void inbox_room_event(int64_t room_id, const char *kind, int64_t user_id, uint64_t ms, uint64_t seq,
                      const char *read_at)
{
    if (nsubs == 0) {
        /* Nobody here renders it; a snapshot kept would go stale. */
        struct snap *old = inbox_snap_find(room_id);
        if (old && strcmp(kind, "read") != 0)
            inbox_snap_reload(old);
        else if (old)
            inbox_snap_read(old, user_id, ms, seq, read_at);
        return;
    }
    int staff_all = strcmp(kind, "assignee") == 0;
    struct snap *s = inbox_snap_find(room_id);
    if (!s) {
        s = inbox_snap_get(room_id);
        want(s, 1, staff_all);
        return;
    }
    if (strcmp(kind, "read") == 0 && inbox_snap_read(s, user_id, ms, seq, read_at)) {
        deliver(s, 1, 0);
        return;
    }
    if (strcmp(kind, "read") != 0)
        inbox_snap_reload(s);
    want(s, 1, staff_all);
    if (!s->loading) /* the load could not be queued: what is known goes out */
        on_snap_ready(s);
}

void inbox_shutdown(void)
{
    inbox_snap_shutdown();
    room_table_free(users, NULL);
    users = NULL;
    staff_head = NULL;
    nsubs = 0;
}
