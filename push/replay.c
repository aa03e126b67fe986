#include "config.h"

#include "replay.h"

#include "log.h"
#include "message.h"
#include "persisted_boundary.h"
#include "pg_link.h"
#include "pushd.h"
#include "redis_link.h"
#include "stream_entry.h"
#include "streams.h"
#include "sub.h"
#include "sub_query.h"
#include "user_cache.h"
#include "ws_conn.h"

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define PG_ALL CRM_BOUNDARY_ALL_MS /* a bound above every position */

static void replay_step(struct sub *s);

/* ---- the run queue ----
 * Sockets with a replay ready for its next page, in turn; each socket has its
 * own list of such subscriptions (c->ready_head). A turn is one page for one
 * subscription of one socket, so a socket with 32 replays gets no more turns
 * than a socket with one, and a subscription no more than one page per loop
 * turn. The queue holds a reference to each socket on it. */

static struct ws_conn *run_head, *run_tail;
static struct event *run_ev;
static int in_flight; /* page requests sent, not yet answered */

static void issue(struct sub *s);

static void run_append(struct ws_conn *c)
{
    c->run_next = NULL;
    if (run_tail)
        run_tail->run_next = c;
    else
        run_head = c;
    run_tail = c;
}

static struct sub *ready_pop(struct ws_conn *c)
{
    struct sub *s = c->ready_head;
    if (s) {
        c->ready_head = s->run_next;
        if (!c->ready_head)
            c->ready_tail = NULL;
        s->run_next = NULL;
        s->scheduled = 0;
    }
    return s;
}

static void on_run(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    while (run_head && in_flight < REPLAY_MAX_IN_FLIGHT) {
        struct ws_conn *c = run_head;
        run_head = c->run_next;
        if (!run_head)
            run_tail = NULL;
        struct sub *s = c->dead ? NULL : ready_pop(c);
        if (s && c->ready_head) {
            run_append(c); /* its other replays: after every other socket's turn */
        } else {
            c->in_run = 0;
            ws_conn_unref(c);
        }
        if (s)
            issue(s);
    }
}

/* Runs the queue at the next loop turn, after its I/O (a zero timer: timers
 * are processed after the events the poll returned). */
static void kick(void)
{
    if (!run_head || in_flight >= REPLAY_MAX_IN_FLIGHT)
        return;
    if (!run_ev && !(run_ev = evtimer_new(pushd->base, on_run, NULL))) {
        log_error("out of memory");
        abort();
    }
    if (!evtimer_pending(run_ev, NULL)) {
        struct timeval now = {0, 0};
        evtimer_add(run_ev, &now);
    }
}

static void enqueue_run(struct sub *s)
{
    struct ws_conn *c = s->conn;
    s->run_next = NULL;
    if (c->ready_tail)
        c->ready_tail->run_next = s;
    else
        c->ready_head = s;
    c->ready_tail = s;
    s->scheduled = 1;
    if (!c->in_run) {
        c->in_run = 1;
        ws_conn_ref(c);
        run_append(c);
    }
    kick();
}

void replay_forget(struct sub *s)
{
    if (!s->scheduled)
        return;
    struct ws_conn *c = s->conn;
    struct sub *prev = NULL;
    for (struct sub *x = c->ready_head; x; prev = x, x = x->run_next)
        if (x == s) {
            if (prev)
                prev->run_next = s->run_next;
            else
                c->ready_head = s->run_next;
            if (c->ready_tail == s)
                c->ready_tail = prev;
            break;
        }
    s->scheduled = 0;
    s->run_next = NULL;
}

/* A page request was answered (or its subscription is gone). */
static void page_done(void)
{
    in_flight--;
    kick();
}

void replay_shutdown(void)
{
    while (run_head) {
        struct ws_conn *c = run_head;
        run_head = c->run_next;
        c->in_run = 0;
        c->ready_head = c->ready_tail = NULL;
        ws_conn_unref(c);
    }
    run_tail = NULL;
    if (run_ev)
        event_free(run_ev);
    run_ev = NULL;
    in_flight = 0;
}

/* 1 when the page being sent must stop: the socket's queue is full enough. */
static int queue_full(const struct sub *s)
{
    return s->conn->queued >= REPLAY_QUEUE_HIGH;
}

/* Replay is done: held live entries go out, then the subscription is live. */
static void replay_finish(struct sub *s)
{
    struct ws_conn *c = s->conn;
    uint32_t serial = s->serial;
    s->state = SUB_LIVE;
    uint32_t n = s->nheld;
    struct push_message **held = s->held;
    s->held = NULL;
    s->nheld = s->capheld = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (sub_alive(c, serial))
            sub_send_one(s, held[i]);
        push_message_unref(held[i]);
    }
    free(held);
}

static void fail_pg(struct sub *s)
{
    sub_fail(s, "INTERNAL_SERVER_ERROR",
             "Messages older than the stream cannot be read now; reload the history.");
}

/* One page of persisted messages in (last, pg bound), each with its sender. */
static void on_pg_page(const PGresult *res, void *arg)
{
    page_done();
    struct sub *s = sub_ref_take(arg);
    if (!s)
        return;
    s->busy = 0;
    if (!res) {
        fail_pg(s);
        return;
    }
    struct ws_conn *c = s->conn;
    uint32_t serial = s->serial;
    int rows = PQntuples(res), cut = 0;
    for (int i = 0; i < rows; i++) {
        if (queue_full(s)) {
            cut = 1; /* the rest of the page is asked for again, once drained */
            break;
        }
        uint64_t ms = strtoull(PQgetvalue(res, i, PSQL_MB_MS), NULL, 10);
        uint64_t seq = strtoull(PQgetvalue(res, i, PSQL_MB_SEQ), NULL, 10);
        int64_t sender = strtoll(PQgetvalue(res, i, PSQL_MB_SENDER), NULL, 10);
        struct push_message *m =
            push_message_new(ms, seq, s->room_id, sender, PQgetvalue(res, i, PSQL_MB_KEY),
                             (size_t)PQgetlength(res, i, PSQL_MB_KEY), PQgetvalue(res, i, PSQL_MB_BODY),
                             (size_t)PQgetlength(res, i, PSQL_MB_BODY), 1);
        if (!m) {
            crm_oom();
        }
        struct crm_entry_sender who = {
            PQgetvalue(res, i, PSQL_MB_EMAIL),          PQgetvalue(res, i, PSQL_MB_NAME),
            PQgetvalue(res, i, PSQL_MB_ROLE),           PQgetvalue(res, i, PSQL_MB_CREATED),
            (size_t)PQgetlength(res, i, PSQL_MB_EMAIL), (size_t)PQgetlength(res, i, PSQL_MB_NAME),
            (size_t)PQgetlength(res, i, PSQL_MB_ROLE),  (size_t)PQgetlength(res, i, PSQL_MB_CREATED)};
        m->sender = user_cache_from_entry(sender, &who);
        m->internal = PQgetvalue(res, i, PSQL_MB_INTERNAL)[0] == 't';
        sub_send_one(s, m); /* passes over what s may not see (rooms_may_see) */
        push_message_unref(m);
        if (!sub_alive(c, serial))
            return;
    }
    if (cut || rows == REPLAY_PAGE) {
        replay_step(s);
        return;
    }
    /* PostgreSQL is read up to the bound: the rest comes from the stream. */
    s->pg_pending = 0;
    if (s->pg_ms == PG_ALL) {
        replay_finish(s);
        return;
    }
    replay_step(s);
}

static int parse_id(const redisReply *r, uint64_t *ms, uint64_t *seq)
{
    return r && r->type == REDIS_REPLY_STRING && crm_stream_id_parse(r->str, r->len, ms, seq) == 0 ? 0 : -1;
}

static void fail_stream(struct sub *s)
{
    sub_fail(s, "INTERNAL_SERVER_ERROR", "Missed messages cannot be replayed now; reload the history.");
}

static void on_sender_loaded(void *arg)
{
    struct sub *s = sub_ref_take(arg);
    if (!s)
        return;
    s->busy = 0;
    replay_step(s); /* the same page again, its senders now cached (or not to be had) */
}

/* Entries of the page written before entries carried their sender: their
 * senders are loaded first (a subscription may wait for the database); 1 when
 * s now waits for one (the page is asked for again then), else 0. */
static int wait_for_senders(struct sub *s, const redisReply *page)
{
    int64_t missing = 0;
    for (size_t i = 0; i < page->elements; i++) {
        const redisReply *e = page->element[i];
        struct crm_stream_entry ent;
        if (!sub_query_needs_sender(s->q) || e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            crm_stream_entry_parse(e->element[1], &ent) != 0 || ent.room_id != s->room_id || ent.who.email)
            continue;
        struct push_user *u = user_cache_lookup(ent.sender_id); /* starts the load */
        if (u)
            push_user_unref(u);
        else if (!missing && user_cache_loading(ent.sender_id))
            missing = ent.sender_id;
    }
    if (!missing)
        return 0;
    struct sub_ref *ref = sub_ref_new(s);
    if (user_cache_when_loaded(missing, on_sender_loaded, ref) < 0) {
        sub_ref_take(ref);
        return 0;
    }
    s->busy = 1;
    return 1;
}

/* EXEC reply of [XRANGE s - + COUNT 1, XPENDING s group, XINFO GROUPS s,
 * XRANGE s (last + COUNT page]: the facts of the boundary, then a page. */
static void on_stream_page(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    page_done();
    struct sub *s = sub_ref_take(priv);
    redisReply *r = reply;
    if (!s)
        return;
    s->busy = 0;
    struct crm_stream_facts facts;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 4 || r->element[3]->type != REDIS_REPLY_ARRAY ||
        crm_stream_facts_parse(r->element[0], r->element[1], r->element[2], &facts) < 0) {
        fail_stream(s);
        return;
    }
    const redisReply *page = r->element[3];
    uint64_t bms, bseq;
    crm_persisted_boundary(&facts, &bms, &bseq);
    if (push_pos_cmp(s->last_ms, s->last_seq, bms, bseq) < 0 &&
        push_pos_cmp(s->pg_ms, s->pg_seq, bms, bseq) < 0) {
        /* What lies between the cursor and the boundary is in PostgreSQL
         * (the boundary only moves forward: read up to where it is now). */
        s->pg_ms = bms;
        s->pg_seq = bseq;
        s->pg_pending = 1;
        replay_step(s);
        return;
    }
    if (wait_for_senders(s, page))
        return;
    struct ws_conn *c = s->conn;
    uint32_t serial = s->serial;
    size_t i = 0;
    for (; i < page->elements; i++) {
        const redisReply *e = page->element[i];
        uint64_t ms, seq;
        struct crm_stream_entry ent;
        if (queue_full(s))
            break; /* the rest of the page is asked for again, once drained */
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || parse_id(e->element[0], &ms, &seq) < 0)
            continue;
        /* Positions advance over entries of other rooms too. */
        if (crm_stream_entry_parse(e->element[1], &ent) == 0 && ent.room_id == s->room_id) {
            struct push_message *m = push_message_new(ms, seq, ent.room_id, ent.sender_id, ent.key,
                                                      ent.key_len, ent.body, ent.body_len, 0);
            if (!m) {
                crm_oom();
            }
            m->sender = user_cache_from_entry(ent.sender_id, &ent.who);
            m->internal = ent.internal ? 1 : 0;
            sub_send_one(s, m); /* passes over what s may not see (rooms_may_see) */
            push_message_unref(m);
            if (!sub_alive(c, serial))
                return;
        }
        if (push_pos_cmp(ms, seq, s->last_ms, s->last_seq) > 0) {
            s->last_ms = ms;
            s->last_seq = seq;
        }
    }
    if (i == page->elements && page->elements < REPLAY_PAGE) {
        replay_finish(s);
        return;
    }
    replay_step(s);
}

/* Asks PostgreSQL for the next page below the bound. */
static void request_pg_page(struct sub *s)
{
    char room[24], ams[24], aseq[24], bms[24], bseq[24], lim[12];
    snprintf(room, sizeof room, "%" PRId64, s->room_id);
    snprintf(ams, sizeof ams, "%" PRIu64, s->last_ms);
    snprintf(aseq, sizeof aseq, "%" PRIu64, s->last_seq);
    snprintf(bms, sizeof bms, "%" PRIu64, s->pg_ms);
    snprintf(bseq, sizeof bseq, "%" PRIu64, s->pg_seq);
    snprintf(lim, sizeof lim, "%d", REPLAY_PAGE);
    const char *params[] = {room, ams, aseq, bms, bseq, lim};
    struct sub_ref *ref = sub_ref_new(s);
    if (pg_link_query(pushd->pg, PSQL_MESSAGES_BETWEEN, 6, params, SUB_DB_TIMEOUT_MS, on_pg_page, ref) < 0) {
        sub_ref_take(ref);
        fail_pg(s);
        return;
    }
    s->busy = 1;
    in_flight++;
}

/* The command link of the Redis shard holding message stream `stream`. */
static struct redis_link *stream_cmd(int stream)
{
    int k = pushd->shards.n > 1 ? crm_shard_of_stream(stream, pushd->shards.n) : 0;
    return k == 0 ? pushd->cmd : pushd->shard_cmd[k];
}

/* Asks Redis, in one transaction, for the facts of the boundary and the next
 * page after last (from the boundary PostgreSQL was read up to, if later). */
static void request_stream_page(struct sub *s)
{
    int partition = crm_stream_of_room(s->room_id, pushd->cfg.streams);
    redisAsyncContext *ac = redis_link_ctx(stream_cmd(partition));
    char stream[CRM_STREAM_NAME_MAX], from[PUSH_ID_MAX + 1], count[12];
    crm_stream_name(stream, partition);
    if (push_pos_cmp(s->last_ms, s->last_seq, s->pg_ms, s->pg_seq) < 0)
        snprintf(from, sizeof from, "%" PRIu64 "-%" PRIu64, s->pg_ms, s->pg_seq);
    else
        snprintf(from, sizeof from, "(%" PRIu64 "-%" PRIu64, s->last_ms, s->last_seq);
    snprintf(count, sizeof count, "%d", REPLAY_PAGE);
    struct sub_ref *ref = sub_ref_new(s);
    if (!ac || redisAsyncCommand(ac, NULL, NULL, "MULTI") != REDIS_OK ||
        redisAsyncCommand(ac, NULL, NULL, "XRANGE %s - + COUNT 1", stream) != REDIS_OK ||
        redisAsyncCommand(ac, NULL, NULL, "XPENDING %s %s", stream, CRM_WORKER_GROUP) != REDIS_OK ||
        redisAsyncCommand(ac, NULL, NULL, "XINFO GROUPS %s", stream) != REDIS_OK ||
        redisAsyncCommand(ac, NULL, NULL, "XRANGE %s %s + COUNT %s", stream, from, count) != REDIS_OK ||
        redisAsyncCommand(ac, on_stream_page, ref, "EXEC") != REDIS_OK) {
        sub_ref_take(ref);
        fail_stream(s);
        return;
    }
    s->busy = 1;
    in_flight++;
}

/* Sends the next page request of s (its turn in the run queue came), or lets
 * it wait for its socket's queue to drain. */
static void issue(struct sub *s)
{
    if (s->conn->dead || s->state != SUB_REPLAY || s->busy)
        return;
    if (s->conn->queued > WS_LOW_WATER) {
        s->wait_drain = 1;
        return;
    }
    if (s->pg_pending)
        request_pg_page(s);
    else
        request_stream_page(s);
}

/* s is ready for its next page: it takes its turn (the end of the run queue),
 * or waits for its socket's queue to drain. */
static void replay_step(struct sub *s)
{
    if (s->conn->dead || s->state != SUB_REPLAY || s->busy || s->scheduled)
        return;
    if (s->conn->queued > WS_LOW_WATER) {
        s->wait_drain = 1;
        return;
    }
    enqueue_run(s);
}

void replay_start(struct sub *s)
{
    s->state = SUB_REPLAY;
    replay_step(s);
}

void replay_drained(struct sub *s)
{
    if (s->wait_drain && s->conn->queued <= WS_LOW_WATER) {
        s->wait_drain = 0;
        replay_step(s);
    }
}
