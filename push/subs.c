/* Subscriptions, rooms and fan-out. Reasons:
 * - A subscription is first PENDING (membership being checked), then REPLAY
 *   (with `after`: missed messages are sent while live entries of the room are
 *   held), then LIVE. Every subscription remembers the last position it sent and
 *   sends only later ones, so the replay sources (PostgreSQL below the stream's
 *   first entry, then XRANGE) and the held live entries join with no gap and no
 *   duplicate.
 * - PostgreSQL is read only below the stream's first entry: everything trimmed
 *   from the stream was acknowledged, so it is in the table; above it, the
 *   stream is the truth (the worker may not have written it yet).
 * - Replay pages go out only while the socket's queue is below WS_LOW_WATER. */
#include "config.h"

#include "subs.h"

#include "audit_entry.h"

#include "log.h"
#include "message.h"
#include "metrics.h"
#include "pushd.h"
#include "redis_link.h"
#include "stream_entry.h"
#include "streams.h"
#include "sub_query.h"
#include "user_cache.h"
#include "ws_conn.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOM_BUCKETS 65536
#define PG_ALL ((uint64_t)INT64_MAX) /* a bound above every position */

enum sub_state { SUB_PENDING, SUB_REPLAY, SUB_LIVE };

struct room;

struct sub {
    struct sub *conn_next;           /* c->subs */
    struct sub *room_prev, *room_next;
    struct room *room;               /* NULL until registered */
    struct ws_conn *conn;
    struct sub_query *q;             /* prepared selection (shared) */
    int64_t room_id;
    uint64_t last_ms, last_seq;      /* last position sent (or `after`) */
    uint64_t pg_ms, pg_seq;          /* PostgreSQL is (to be) read below this position */
    uint8_t pg_pending;              /* PostgreSQL must be read up to pg_ms-pg_seq */
    uint32_t serial;                 /* identifies this subscription in callbacks */
    uint8_t state;                   /* enum sub_state */
    uint8_t busy;                    /* a Redis request for it is in flight */
    uint8_t wait_drain;              /* replay waits for the queue to drain */
    struct push_message **held;      /* live entries held while replaying */
    uint32_t nheld, capheld;
    uint16_t id_len;
    char id[];                       /* JSON-encoded id, quotes included */
};

struct room {
    struct room *next;               /* hash chain */
    int64_t id;
    struct sub *subs;
    size_t count;
};

static struct room *rooms[ROOM_BUCKETS];

/* ---- rooms ---- */

static struct room **room_slot(int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    return &rooms[h >> 48];
}

static struct room *room_find(int64_t id)
{
    for (struct room *r = *room_slot(id); r; r = r->next)
        if (r->id == id)
            return r;
    return NULL;
}

static void room_add(struct sub *s)
{
    struct room *r = room_find(s->room_id);
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) {
            log_error("out of memory");
            abort();
        }
        r->id = s->room_id;
        struct room **slot = room_slot(s->room_id);
        r->next = *slot;
        *slot = r;
    }
    s->room = r;
    s->room_prev = NULL;
    s->room_next = r->subs;
    if (r->subs)
        r->subs->room_prev = s;
    r->subs = s;
    r->count++;
}

static void room_remove(struct sub *s)
{
    struct room *r = s->room;
    if (!r)
        return;
    if (s->room_prev)
        s->room_prev->room_next = s->room_next;
    else
        r->subs = s->room_next;
    if (s->room_next)
        s->room_next->room_prev = s->room_prev;
    s->room = NULL;
    if (--r->count == 0) {
        struct room **p = room_slot(r->id);
        while (*p != r)
            p = &(*p)->next;
        *p = r->next;
        free(r);
    }
}

/* ---- subscriptions ---- */

static struct sub *sub_by_serial(struct ws_conn *c, uint32_t serial)
{
    for (struct sub *s = c->subs; s; s = s->conn_next)
        if (s->serial == serial)
            return s;
    return NULL;
}

static void sub_free(struct sub *s)
{
    room_remove(s);
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

int subs_has(struct ws_conn *c, const char *id, size_t len)
{
    for (struct sub *s = c->subs; s; s = s->conn_next)
        if (s->id_len == len && memcmp(s->id, id, len) == 0)
            return 1;
    return 0;
}

/* Sends an `error` for s and drops it. */
static void sub_fail(struct sub *s, const char *code, const char *msg)
{
    struct ws_conn *c = s->conn;
    char buf[1024];
    int n = snprintf(buf, sizeof buf,
                     "{\"id\":%.*s,\"type\":\"error\",\"payload\":[{\"message\":\"%s\",\"extensions\":{\"code\":\"%s\"}}]}",
                     (int)s->id_len, s->id, msg, code);
    if (n > 0 && (size_t)n < sizeof buf)
        ws_conn_send_text(c, buf, (size_t)n);
    sub_remove(s);
}

/* Sends m to s as a `next` (payload rendered for s alone, or the shared one). */
static int sub_send(struct sub *s, struct push_message *m, struct push_buf *payload)
{
    char head[GTWS_MAX_ID * 6 + 64];
    int hl = snprintf(head, sizeof head, "{\"id\":%.*s,\"type\":\"next\",\"payload\":",
                      (int)s->id_len, s->id);
    if (hl <= 0 || (size_t)hl >= sizeof head)
        return -1;
    if (ws_conn_send_shared(s->conn, head, (size_t)hl, payload, "}", 1) < 0)
        return -1;
    s->last_ms = m->ms;
    s->last_seq = m->seq;
    return 0;
}

static void ensure_sender(struct push_message *m)
{
    if (!m->sender)
        m->sender = user_cache_get(m->sender_id);
}

/* Renders and sends one message to one subscription. */
static int sub_send_one(struct sub *s, struct push_message *m)
{
    if (push_pos_cmp(m->ms, m->seq, s->last_ms, s->last_seq) <= 0)
        return 0;
    if (sub_query_needs_sender(s->q))
        ensure_sender(m);
    struct push_buf *b = sub_query_render(s->q, m);
    if (!b) {
        log_error("out of memory");
        abort();
    }
    int rc = sub_send(s, m, b);
    push_buf_unref(b);
    return rc;
}

/* ---- live fan-out ---- */

#define RENDER_CACHE 8  /* distinct selections rendered per entry */
#define FRAME_CACHE 16  /* distinct (selection, id) frames built per entry */
#define FRAME_ID_MAX 64 /* longer (JSON-encoded) ids get a frame of their own */

struct fanout {
    struct {
        const struct sub_query *q;
        struct push_buf *payload;
    } payloads[RENDER_CACHE];
    struct {
        const struct sub_query *q;
        struct push_buf *frame;
        uint16_t id_len;
        char id[FRAME_ID_MAX]; /* the JSON-encoded id the frame holds */
    } frames[FRAME_CACHE];
    size_t npayloads, nframes;
};

/* The payload of m for s's selection: rendered once per selection (a reference). */
static struct push_buf *fanout_payload(struct fanout *f, struct sub *s, struct push_message *m)
{
    for (size_t i = 0; i < f->npayloads; i++)
        if (f->payloads[i].q == s->q)
            return push_buf_ref(f->payloads[i].payload);
    if (sub_query_needs_sender(s->q))
        ensure_sender(m);
    struct push_buf *buf = sub_query_render(s->q, m);
    if (!buf) {
        log_error("out of memory");
        abort();
    }
    if (f->npayloads < RENDER_CACHE) {
        f->payloads[f->npayloads].q = s->q;
        f->payloads[f->npayloads].payload = push_buf_ref(buf);
        f->npayloads++;
    }
    return buf;
}

/* The whole `next` frame of m for s, shared by every subscription with the same
 * selection and id (clients mostly number their subscriptions alike), or NULL
 * when the cache is full. A reference. */
static struct push_buf *fanout_frame(struct fanout *f, struct sub *s, struct push_message *m)
{
    for (size_t i = 0; i < f->nframes; i++)
        if (f->frames[i].q == s->q && f->frames[i].id_len == s->id_len &&
            memcmp(f->frames[i].id, s->id, s->id_len) == 0)
            return push_buf_ref(f->frames[i].frame);
    if (f->nframes == FRAME_CACHE || s->id_len > FRAME_ID_MAX)
        return NULL;
    char head[GTWS_MAX_ID * 6 + 64];
    int hl = snprintf(head, sizeof head, "{\"id\":%.*s,\"type\":\"next\",\"payload\":",
                      (int)s->id_len, s->id);
    if (hl <= 0 || (size_t)hl >= sizeof head)
        return NULL;
    struct push_buf *payload = fanout_payload(f, s, m);
    struct push_buf *frame = ws_frame_build(head, (size_t)hl, payload, "}", 1);
    push_buf_unref(payload);
    if (!frame)
        return NULL;
    f->frames[f->nframes].q = s->q;
    f->frames[f->nframes].frame = push_buf_ref(frame);
    f->frames[f->nframes].id_len = s->id_len;
    memcpy(f->frames[f->nframes].id, s->id, s->id_len);
    f->nframes++;
    return frame;
}

/* Holds m for a subscription that is replaying; 0, or -1 when it was dropped. */
static int sub_hold(struct sub *s, struct push_message *m)
{
    if (s->nheld == SUBS_MAX_HELD) {
        sub_fail(s, "RATE_LIMITED", "Too many messages arrived while replaying; resubscribe with after.");
        return -1;
    }
    if (s->nheld == s->capheld) {
        uint32_t cap = s->capheld ? s->capheld * 2 : 16;
        struct push_message **h = realloc(s->held, cap * sizeof *h);
        if (!h) {
            log_error("out of memory");
            abort();
        }
        s->held = h;
        s->capheld = cap;
    }
    s->held[s->nheld++] = push_message_ref(m);
    return 0;
}

void subs_deliver(struct push_message *m)
{
    struct room *r = room_find(m->room_id);
    if (!r)
        return;
    /* Work per entry is done once: one payload per selection, one frame per
     * (selection, id); each socket gets a reference queued, written at the
     * flush that ends this loop turn. */
    struct fanout f;
    f.npayloads = f.nframes = 0;
    for (struct sub *s = r->subs, *next; s; s = next) {
        next = s->room_next;
        if (s->conn->dead || s->conn->closing)
            continue;
        if (s->state == SUB_REPLAY) {
            sub_hold(s, m);
            continue;
        }
        if (s->state != SUB_LIVE ||
            push_pos_cmp(m->ms, m->seq, s->last_ms, s->last_seq) <= 0)
            continue;
        struct push_buf *frame = fanout_frame(&f, s, m);
        if (frame) {
            if (ws_conn_send_frame(s->conn, frame) == 0) {
                s->last_ms = m->ms;
                s->last_seq = m->seq;
            }
            push_buf_unref(frame);
            continue;
        }
        struct push_buf *payload = fanout_payload(&f, s, m);
        sub_send(s, m, payload);
        push_buf_unref(payload);
    }
    for (size_t i = 0; i < f.npayloads; i++)
        push_buf_unref(f.payloads[i].payload);
    for (size_t i = 0; i < f.nframes; i++)
        push_buf_unref(f.frames[i].frame);
}

/* ---- replay ---- */

static void replay_step(struct sub *s);

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
        if (!c->dead && sub_by_serial(c, serial))
            sub_send_one(s, held[i]);
        push_message_unref(held[i]);
    }
    free(held);
}

/* Reads one page of persisted messages in (last, pg bound) and sends them. */
static int replay_pg_page(struct sub *s, int *more)
{
    PGconn *db = crm_db_get(&pushd->db);
    if (!db)
        return -1;
    char room[24], ams[24], aseq[24], bms[24], bseq[24], lim[12];
    snprintf(room, sizeof room, "%" PRId64, s->room_id);
    snprintf(ams, sizeof ams, "%" PRIu64, s->last_ms);
    snprintf(aseq, sizeof aseq, "%" PRIu64, s->last_seq);
    snprintf(bms, sizeof bms, "%" PRIu64, s->pg_ms);
    snprintf(bseq, sizeof bseq, "%" PRIu64, s->pg_seq);
    snprintf(lim, sizeof lim, "%d", SUBS_REPLAY_PAGE);
    const char *params[] = {room, ams, aseq, bms, bseq, lim};
    PGresult *res = PQexecParams(
        db,
        "SELECT stream_ms, stream_seq, sender_id, idempotency_key, body FROM messages"
        " WHERE room_id = $1 AND (stream_ms, stream_seq) > ($2::bigint, $3::bigint)"
        " AND (stream_ms, stream_seq) < ($4::bigint, $5::bigint)"
        " ORDER BY stream_ms, stream_seq LIMIT $6",
        6, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("replay: messages query failed: %s", PQresultErrorMessage(res));
        PQclear(res);
        crm_db_reset(&pushd->db);
        return -1;
    }
    int rows = PQntuples(res);
    for (int i = 0; i < rows && !s->conn->dead; i++) {
        uint64_t ms = strtoull(PQgetvalue(res, i, 0), NULL, 10);
        uint64_t seq = strtoull(PQgetvalue(res, i, 1), NULL, 10);
        int64_t sender = strtoll(PQgetvalue(res, i, 2), NULL, 10);
        struct push_message *m = push_message_new(
            ms, seq, s->room_id, sender, PQgetvalue(res, i, 3), (size_t)PQgetlength(res, i, 3),
            PQgetvalue(res, i, 4), (size_t)PQgetlength(res, i, 4), 1);
        if (!m) {
            log_error("out of memory");
            abort();
        }
        sub_send_one(s, m);
        push_message_unref(m);
    }
    PQclear(res);
    *more = rows == SUBS_REPLAY_PAGE;
    return 0;
}

struct sub_ref {
    struct ws_conn *conn;
    uint32_t serial;
};

static struct sub_ref *sub_ref_new(struct sub *s)
{
    struct sub_ref *r = malloc(sizeof *r);
    if (!r) {
        log_error("out of memory");
        abort();
    }
    r->conn = s->conn;
    r->serial = s->serial;
    ws_conn_ref(s->conn);
    return r;
}

/* The subscription a callback is for, or NULL if it is gone; frees ref. */
static struct sub *sub_ref_take(struct sub_ref *r)
{
    struct sub *s = r->conn->dead ? NULL : sub_by_serial(r->conn, r->serial);
    ws_conn_unref(r->conn);
    free(r);
    return s;
}

static int parse_id(const redisReply *r, uint64_t *ms, uint64_t *seq)
{
    return r && r->type == REDIS_REPLY_STRING &&
                   crm_stream_id_parse(r->str, r->len, ms, seq) == 0
               ? 0
               : -1;
}

/* EXEC reply of [XRANGE s - + COUNT 1, XRANGE s (last + COUNT page]. */
static void on_replay_page(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    struct sub *s = sub_ref_take(priv);
    redisReply *r = reply;
    if (!s)
        return;
    s->busy = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_ARRAY || r->element[1]->type != REDIS_REPLY_ARRAY) {
        sub_fail(s, "INTERNAL_SERVER_ERROR", "Missed messages cannot be replayed now; reload the history.");
        return;
    }
    const redisReply *first = r->element[0], *page = r->element[1];
    uint64_t fms = 0, fseq = 0;
    if (first->elements == 1 && first->element[0]->type == REDIS_REPLY_ARRAY &&
        first->element[0]->elements == 2 && parse_id(first->element[0]->element[0], &fms, &fseq) == 0 &&
        push_pos_cmp(s->last_ms, s->last_seq, fms, fseq) < 0 &&
        push_pos_cmp(s->pg_ms, s->pg_seq, fms, fseq) < 0) {
        /* The cursor is older than the stream: what lies between is in PostgreSQL. */
        s->pg_ms = fms;
        s->pg_seq = fseq;
        s->pg_pending = 1;
        replay_step(s);
        return;
    }
    if (first->elements == 0 && s->pg_ms == 0) {
        /* An empty stream: everything is in PostgreSQL. */
        s->pg_ms = PG_ALL;
        s->pg_seq = 0;
        s->pg_pending = 1;
        replay_step(s);
        return;
    }
    struct ws_conn *c = s->conn;
    uint32_t serial = s->serial;
    for (size_t i = 0; i < page->elements; i++) {
        const redisReply *e = page->element[i];
        uint64_t ms, seq;
        struct crm_stream_entry ent;
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || parse_id(e->element[0], &ms, &seq) < 0)
            continue;
        /* Positions advance over entries of other rooms too. */
        if (crm_stream_entry_parse(e->element[1], &ent) == 0 && ent.room_id == s->room_id) {
            struct push_message *m = push_message_new(ms, seq, ent.room_id, ent.sender_id, ent.key,
                                                      ent.key_len, ent.body, ent.body_len, 0);
            if (!m) {
                log_error("out of memory");
                abort();
            }
            sub_send_one(s, m);
            push_message_unref(m);
            if (c->dead || !sub_by_serial(c, serial))
                return;
        }
        if (push_pos_cmp(ms, seq, s->last_ms, s->last_seq) > 0) {
            s->last_ms = ms;
            s->last_seq = seq;
        }
    }
    if (page->elements < SUBS_REPLAY_PAGE) {
        replay_finish(s);
        return;
    }
    replay_step(s);
}

/* Issues the next replay request, or waits for the queue to drain. */
static void replay_step(struct sub *s)
{
    struct ws_conn *c = s->conn;
    uint32_t serial = s->serial;
    while (!c->dead && s->state == SUB_REPLAY && !s->busy) {
        if (c->queued > WS_LOW_WATER) {
            s->wait_drain = 1;
            return;
        }
        if (s->pg_pending) {
            int more = 0;
            if (replay_pg_page(s, &more) < 0) {
                sub_fail(s, "INTERNAL_SERVER_ERROR",
                         "Messages older than the stream cannot be read now; reload the history.");
                return;
            }
            if (c->dead || !sub_by_serial(c, serial))
                return;
            if (more)
                continue;
            /* PostgreSQL is read up to the bound: the rest comes from the stream. */
            s->pg_pending = 0;
            if (s->pg_ms == PG_ALL) {
                replay_finish(s);
                return;
            }
        }
        redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
        char stream[CRM_STREAM_NAME_MAX], from[PUSH_ID_MAX + 1], count[12];
        crm_stream_name(stream, crm_stream_of_room(s->room_id, pushd->cfg.streams));
        snprintf(from, sizeof from, "(%" PRIu64 "-%" PRIu64, s->last_ms, s->last_seq);
        snprintf(count, sizeof count, "%d", SUBS_REPLAY_PAGE);
        struct sub_ref *ref = sub_ref_new(s);
        if (!ac || redisAsyncCommand(ac, NULL, NULL, "MULTI") != REDIS_OK ||
            redisAsyncCommand(ac, NULL, NULL, "XRANGE %s - + COUNT 1", stream) != REDIS_OK ||
            redisAsyncCommand(ac, NULL, NULL, "XRANGE %s %s + COUNT %s", stream, from, count) != REDIS_OK ||
            redisAsyncCommand(ac, on_replay_page, ref, "EXEC") != REDIS_OK) {
            sub_ref_take(ref);
            sub_fail(s, "INTERNAL_SERVER_ERROR", "Missed messages cannot be replayed now; reload the history.");
            return;
        }
        s->busy = 1;
        return;
    }
}

void subs_drained(struct ws_conn *c)
{
    for (struct sub *s = c->subs, *next; s; s = next) {
        next = s->conn_next;
        if (s->wait_drain && c->queued <= WS_LOW_WATER) {
            s->wait_drain = 0;
            replay_step(s);
            if (c->dead)
                return;
        }
    }
}

/* ---- membership ---- */

/* Starts what follows a granted membership: live, or replay then live. */
static void sub_go(struct sub *s, int has_after)
{
    room_add(s);
    if (!has_after) {
        s->state = SUB_LIVE;
        return;
    }
    s->state = SUB_REPLAY;
    replay_step(s);
}

/* PostgreSQL's answer (blocking) on a cache miss; fills the cache. -1 on error. */
static int members_from_db(int64_t room_id, int64_t user_id, int *member)
{
    PGconn *db = crm_db_get(&pushd->db);
    if (!db)
        return -1;
    char room[24];
    snprintf(room, sizeof room, "%" PRId64, room_id);
    const char *params[] = {room};
    PGresult *res = PQexecParams(db, "SELECT user_id FROM room_members WHERE room_id = $1", 1,
                                 NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("membership query failed: %s", PQresultErrorMessage(res));
        PQclear(res);
        crm_db_reset(&pushd->db);
        return -1;
    }
    int rows = PQntuples(res);
    *member = 0;
    /* SADD key 0 ids...: the "0" marks a cached room (user ids start at 1). */
    size_t argc = 3 + (size_t)rows;
    const char **argv = calloc(argc, sizeof *argv);
    size_t *argvlen = calloc(argc, sizeof *argvlen);
    char key[64];
    snprintf(key, sizeof key, "%s%" PRId64, CRM_MEMBERS_PREFIX, room_id);
    if (argv && argvlen) {
        argv[0] = "SADD";
        argv[1] = key;
        argv[2] = "0";
        for (int i = 0; i < rows; i++)
            argv[3 + i] = PQgetvalue(res, i, 0);
        for (size_t i = 0; i < argc; i++)
            argvlen[i] = strlen(argv[i]);
    }
    for (int i = 0; i < rows; i++)
        if (strtoll(PQgetvalue(res, i, 0), NULL, 10) == user_id)
            *member = 1;
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (ac && argv && argvlen) {
        redisAsyncCommandArgv(ac, NULL, NULL, (int)argc, argv, argvlen);
        redisAsyncCommand(ac, NULL, NULL, "EXPIRE %s %d", key, SUBS_MEMBERS_TTL);
    }
    free(argv);
    free(argvlen);
    PQclear(res);
    return 0;
}

struct member_check {
    struct sub_ref *ref;
    int has_after;
};

/* The socket's peer address for audit records ("" when unknown). It is the
 * client's own for a direct connection; through lighttpd's /ws proxy it is the
 * proxy's: X-Forwarded-For is not read, as nothing here says which peer is a
 * proxy to be trusted. */
static void peer_addr(int fd, char out[INET6_ADDRSTRLEN])
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    out[0] = '\0';
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
        return;
    const void *a = ss.ss_family == AF_INET    ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
                    : ss.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                                               : NULL;
    if (!a || !inet_ntop(ss.ss_family, a, out, INET6_ADDRSTRLEN))
        out[0] = '\0';
}

/* XADDs an audit record of s's socket user on s's room. 0 when sent (reply to
 * cb, or ignored with cb NULL), -1 when it could not be. */
static int audit_send(const struct sub *s, const char *action, const char *detail,
                      redisCallbackFn *cb, void *priv)
{
    char target[40], addr[INET6_ADDRSTRLEN];
    struct crm_audit_entry e;
    struct crm_audit_argv av;
    snprintf(target, sizeof target, "room:%" PRId64, s->room_id);
    peer_addr(s->conn->fd, addr);
    crm_audit_entry_set(&e, s->conn->user_id, action, target, addr, detail);
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (crm_audit_entry_encode(&av, &e) != 0 || !ac ||
        redisAsyncCommandArgv(ac, cb, priv, av.argc, av.argv, av.argvlen) != REDIS_OK)
        return -1;
    return 0;
}

struct audit_wait {
    struct sub_ref *ref;
    int has_after;
};

/* Reply of the messages.subscribe record: only a record in the stream lets the
 * subscription read the room (replay or live). */
static void on_audit_reply(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    struct audit_wait *w = priv;
    int has_after = w->has_after;
    struct sub *s = sub_ref_take(w->ref);
    free(w);
    if (!s)
        return;
    redisReply *r = reply;
    if (!r || r->type != REDIS_REPLY_STRING) {
        log_warn("audit messages.subscribe for room %" PRId64 " not recorded (%.60s): refused",
                 s->room_id, r && r->type == REDIS_REPLY_ERROR ? r->str : "redis unavailable");
        sub_fail(s, "INTERNAL_SERVER_ERROR", "The service is temporarily unavailable; try again.");
        return;
    }
    sub_go(s, has_after);
}

/* A subscription reads a room's messages: like a history read over HTTP, it
 * does so only once its audit record is in the audit stream (crm-worker stores
 * it). A record Redis does not take refuses the subscription. */
static void audit_then_go(struct sub *s, int has_after)
{
    struct audit_wait *w = malloc(sizeof *w);
    if (!w) {
        log_error("out of memory");
        abort();
    }
    w->ref = sub_ref_new(s);
    w->has_after = has_after;
    if (audit_send(s, "messages.subscribe", has_after ? "{\"resume\":true}" : "{\"resume\":false}",
                   on_audit_reply, w) < 0) {
        sub_ref_take(w->ref);
        free(w);
        log_warn("audit messages.subscribe for room %" PRId64 " not recorded: refused", s->room_id);
        sub_fail(s, "INTERNAL_SERVER_ERROR", "The service is temporarily unavailable; try again.");
    }
}

static void member_decided(struct sub *s, int has_after, int rc, int member)
{
    if (rc < 0) {
        sub_fail(s, "INTERNAL_SERVER_ERROR", "Membership cannot be checked now; try again.");
        return;
    }
    if (!member) {
        log_info("socket %d user %lld: not a member of room %lld", s->conn->fd,
                 (long long)s->conn->user_id, (long long)s->room_id);
        /* As over HTTP: an attempt on someone else's room leaves a record. */
        if (audit_send(s, "access.denied", "{\"field\":\"messageAdded\"}", NULL, NULL) < 0)
            log_warn("audit access.denied for room %" PRId64 " not recorded", s->room_id);
        sub_fail(s, "FORBIDDEN", "You are not a member of this room.");
        return;
    }
    audit_then_go(s, has_after);
}

/* Reply of the membership script: 1 member, 0 not, -1 not cached. */
static void on_member_reply(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    struct member_check *mc = priv;
    int has_after = mc->has_after;
    struct sub *s = sub_ref_take(mc->ref);
    free(mc);
    if (!s)
        return;
    redisReply *r = reply;
    int member = 0, rc = 0;
    if (r && r->type == REDIS_REPLY_INTEGER && r->integer >= 0)
        member = r->integer == 1;
    else
        rc = members_from_db(s->room_id, s->conn->user_id, &member);
    member_decided(s, has_after, rc, member);
}

static const char member_script[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end "
    "return redis.call('SISMEMBER', KEYS[1], ARGV[1])";

void subs_start(struct ws_conn *c, const char *id, size_t id_len, json_object *payload)
{
    struct sub_query *q = NULL;
    struct sub_args args;
    json_object *errors = NULL;
    if (sub_query_prepare(pushd->queries, payload, &q, &args, &errors) < 0) {
        size_t n = 0;
        const char *e = errors ? json_object_to_json_string_length(
                                     errors, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n)
                               : NULL;
        char *msg = e ? malloc(id_len + n + 64) : NULL;
        if (msg) {
            int len = sprintf(msg, "{\"id\":%.*s,\"type\":\"error\",\"payload\":%s}", (int)id_len, id, e);
            ws_conn_send_text(c, msg, (size_t)len);
        }
        free(msg);
        json_object_put(errors);
        return;
    }
    struct sub *s = calloc(1, sizeof *s + id_len + 1);
    if (!s) {
        log_error("out of memory");
        abort();
    }
    memcpy(s->id, id, id_len);
    s->id_len = (uint16_t)id_len;
    s->conn = c;
    s->q = q;
    s->room_id = args.room_id;
    s->serial = ++c->sub_serial;
    s->state = SUB_PENDING;
    if (args.has_after) {
        s->last_ms = args.after_ms;
        s->last_seq = args.after_seq;
    }
    s->conn_next = c->subs;
    c->subs = s;
    c->nsubs++;
    push_metrics.subscriptions++;

    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    char key[64];
    char uid[24];
    snprintf(key, sizeof key, "%s%" PRId64, CRM_MEMBERS_PREFIX, args.room_id);
    snprintf(uid, sizeof uid, "%" PRId64, c->user_id);
    struct member_check *mc = malloc(sizeof *mc);
    if (!mc) {
        log_error("out of memory");
        abort();
    }
    mc->ref = sub_ref_new(s);
    mc->has_after = args.has_after;
    if (ac && redisAsyncCommand(ac, on_member_reply, mc, "EVAL %s 1 %s %s", member_script, key,
                                uid) == REDIS_OK)
        return;
    /* Redis is down: ask PostgreSQL directly. */
    sub_ref_take(mc->ref);
    free(mc);
    int member = 0;
    int rc = members_from_db(args.room_id, c->user_id, &member);
    member_decided(s, args.has_after, rc, member);
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

void subs_shutdown(void)
{
    for (size_t i = 0; i < ROOM_BUCKETS; i++)
        while (rooms[i]) {
            struct room *r = rooms[i];
            rooms[i] = r->next;
            free(r);
        }
}
