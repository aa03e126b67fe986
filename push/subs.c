/* The life of a subscription: started PENDING by subscribe, checked for
 * membership, granted (audit, then replay or live), and ended by complete, by
 * an error of its own, or with its socket. Callbacks that may outlive it hold a
 * sub_ref (the socket's reference and the subscription's serial). */
#include "config.h"

#include "subs.h"

#include "gtws.h"
#include "inbox.h"
#include "log.h"
#include "membership.h"
#include "message.h"
#include "metrics.h"
#include "pushd.h"
#include "replay.h"
#include "rooms.h"
#include "session.h"
#include "sub.h"
#include "sub_audit.h"
#include "sub_query.h"
#include "typing.h"
#include "user_cache.h"
#include "ws_conn.h"

#include <stdlib.h>
#include <string.h>

struct sub *sub_by_serial(struct ws_conn *c, uint32_t serial)
{
    for (struct sub *s = c->subs; s; s = s->conn_next)
        if (s->serial == serial)
            return s;
    return NULL;
}

int sub_alive(struct ws_conn *c, uint32_t serial)
{
    return !c->dead && sub_by_serial(c, serial) != NULL;
}

struct sub_ref *sub_ref_new(struct sub *s)
{
    struct sub_ref *r = malloc(sizeof *r);
    if (!r) {
        crm_oom();
    }
    r->conn = s->conn;
    r->serial = s->serial;
    ws_conn_ref(s->conn);
    return r;
}

struct sub *sub_ref_take(struct sub_ref *r)
{
    struct sub *s = r->conn->dead ? NULL : sub_by_serial(r->conn, r->serial);
    ws_conn_unref(r->conn);
    free(r);
    return s;
}

static void sub_free(struct sub *s)
{
    replay_forget(s);
    /* s->group means a typing room or an inbox user by kind: only its owner
     * may read it. */
    rooms_remove(s);
    if (s->kind == SUB_KIND_TYPING)
        typing_remove(s);
    else if (s->kind == SUB_KIND_INBOX)
        inbox_remove(s);
    for (uint32_t i = 0; i < s->nheld; i++)
        push_message_unref(s->held[i]);
    free(s->held);
    sub_query_unref(s->q);
    push_metrics.subscriptions--;
    free(s);
}

static void sub_remove(struct sub *s)
{
    struct ws_conn *c = s->conn;
    for (struct sub **p = &c->subs; *p; p = &(*p)->conn_next)
        if (*p == s) {
            *p = s->conn_next;
            break;
        }
    c->nsubs--;
    sub_free(s);
}

void sub_fail(struct sub *s, const char *code, const char *msg)
{
    struct ws_conn *c = s->conn;
    gtws_sub_error(&c->proto, &session_ops, c, s->id, s->id_len, code, msg);
    sub_remove(s);
}

int sub_send_payload(struct sub *s, const struct push_message *m, struct push_buf *payload)
{
    char head[GTWS_NEXT_HEAD_MAX];
    size_t hl = gtws_next_head(head, sizeof head, s->id, s->id_len);
    if (!hl || ws_conn_send_shared(s->conn, head, hl, payload, GTWS_NEXT_TAIL, sizeof GTWS_NEXT_TAIL - 1) < 0)
        return -1;
    s->last_ms = m->ms;
    s->last_seq = m->seq;
    return 0;
}

int sub_send_value(struct sub *s, struct push_buf *payload)
{
    char head[GTWS_NEXT_HEAD_MAX];
    size_t hl = gtws_next_head(head, sizeof head, s->id, s->id_len);
    if (!hl)
        return -1;
    return ws_conn_send_shared(s->conn, head, hl, payload, GTWS_NEXT_TAIL, sizeof GTWS_NEXT_TAIL - 1);
}

int sub_hides_email(const struct sub *s, const struct push_message *m)
{
    return s->viewer_patient && m->sender_id != s->conn->user_id && sub_query_needs_sender(s->q);
}

int sub_send_one(struct sub *s, struct push_message *m)
{
    if (push_pos_cmp(m->ms, m->seq, s->last_ms, s->last_seq) <= 0)
        return 0;
    if (!rooms_may_see(s, m) || rooms_repeat(s, m)) {
        /* Not for this subscriber (a replayed or held internal note, or a
         * repeat of one it had): passed over, so replay's paging still moves on. */
        s->last_ms = m->ms;
        s->last_seq = m->seq;
        return 0;
    }
    struct push_buf *b = sub_query_render(s->q, m, sub_hides_email(s, m));
    if (!b) {
        crm_oom();
    }
    int rc = sub_send_payload(s, m, b);
    push_buf_unref(b);
    return rc;
}

/* Recorded: the subscription reads its room from now on. */
static void sub_go(struct sub *s)
{
    rooms_add(s);
    if (s->has_after)
        replay_start(s);
    else
        s->state = SUB_LIVE;
}

/* The viewer's role is known (or cannot be): audit, then replay or live. */
static void viewer_known(struct sub *s)
{
    struct push_user *u = user_cache_lookup(s->conn->user_id);
    /* A role not read from the database is trusted least, as in crm-api: only
     * a user record saying STAFF or ADMIN shows other users' emails. */
    s->viewer_patient = !u || strcmp(u->role, "PATIENT") == 0 ||
                        (strcmp(u->role, "STAFF") != 0 && strcmp(u->role, "ADMIN") != 0);
    push_user_unref(u);
    if (s->kind == SUB_KIND_TYPING)
        typing_add(s); /* ephemeral: no audit record, as setTyping has none */
    else if (s->kind == SUB_KIND_INBOX)
        sub_audit_subscribe(s, inbox_add);
    else
        sub_audit_subscribe(s, sub_go);
}

static void on_viewer_loaded(void *arg)
{
    struct sub *s = sub_ref_take(arg);
    if (!s)
        return;
    s->busy = 0;
    viewer_known(s);
}

void sub_granted(struct sub *s)
{
    if (s->kind == SUB_KIND_MESSAGES && !sub_query_needs_sender(s->q)) {
        s->viewer_patient = 1; /* no sender is rendered: nothing to decide */
        sub_audit_subscribe(s, sub_go);
        return;
    }
    /* The viewer's record was asked for at connection_init; it is normally in
     * the cache by now. Else wait for its load (bounded by USER_CACHE_LOAD_MS). */
    struct push_user *u = user_cache_lookup(s->conn->user_id);
    if (u) {
        push_user_unref(u);
        viewer_known(s);
        return;
    }
    struct sub_ref *ref = sub_ref_new(s);
    if (user_cache_when_loaded(s->conn->user_id, on_viewer_loaded, ref) < 0) {
        sub_ref_take(ref);
        viewer_known(s);
        return;
    }
    s->busy = 1;
}

int subs_has(struct ws_conn *c, const char *id, size_t len)
{
    for (struct sub *s = c->subs; s; s = s->conn_next)
        if (s->id_len == len && memcmp(s->id, id, len) == 0)
            return 1;
    return 0;
}

void subs_start(struct ws_conn *c, const char *id, size_t id_len, json_object *payload)
{
    struct sub_query *q = NULL;
    struct sub_args args;
    json_object *errors = NULL;
    if (sub_query_prepare(pushd->queries, payload, &q, &args, &errors) < 0) {
        if (errors)
            gtws_sub_errors(&c->proto, &session_ops, c, id, id_len, errors);
        json_object_put(errors);
        return;
    }
    struct sub *s = calloc(1, sizeof *s + id_len + 1);
    if (!s) {
        crm_oom();
    }
    memcpy(s->id, id, id_len);
    s->id_len = (uint16_t)id_len;
    s->conn = c;
    s->q = q;
    s->room_id = args.room_id;
    s->serial = ++c->sub_serial;
    s->state = SUB_PENDING;
    s->kind = (uint8_t)args.kind;
    s->has_after = args.has_after ? 1 : 0;
    if (args.has_after) {
        s->last_ms = args.after_ms;
        s->last_seq = args.after_seq;
    }
    s->conn_next = c->subs;
    c->subs = s;
    c->nsubs++;
    push_metrics.subscriptions++;
    if (s->kind == SUB_KIND_INBOX)
        sub_granted(s); /* the whole inbox: what each room shows is decided per event */
    else
        membership_check(s); /* typing is refused for a foreign room like messageAdded */
}

void subs_complete(struct ws_conn *c, const char *id, size_t len)
{
    for (struct sub *s = c->subs; s; s = s->conn_next)
        if (s->id_len == len && memcmp(s->id, id, len) == 0) {
            sub_remove(s);
            return;
        }
}

void subs_end_all(struct ws_conn *c)
{
    while (c->subs) {
        struct sub *s = c->subs;
        c->subs = s->conn_next;
        c->nsubs--;
        sub_free(s);
    }
}

void subs_drained(struct ws_conn *c)
{
    for (struct sub *s = c->subs, *next; s; s = next) {
        next = s->conn_next;
        replay_drained(s);
        if (c->dead)
            return;
    }
}
