/* Why it is built this way:
 * - One request in flight: crm-pushd's queries are single-row or one page, and
 *   their order then matches the order of the callbacks, which keeps replay
 *   pages in sequence without bookkeeping.
 * - Each statement is prepared on first use per connection (PQsendPrepare, then
 *   PQsendQueryPrepared), as crm-api does synchronously.
 * - A request past its deadline while in flight means the server does not
 *   answer: the connection is dropped (its answer can no longer be matched) and
 *   made again with backoff; requests still queued keep their own deadlines.
 * - A connection attempt that fails fails every queued request at once: a
 *   server that refuses is not waited for. */
#include "config.h"

#include "pg_link.h"

#include "log.h"

#include <event2/event_struct.h>
#include <stdlib.h>
#include <string.h>

enum pl_state { PL_DOWN, PL_CONNECTING, PL_READY, PL_PREPARING, PL_RUNNING };

struct pg_req {
    struct pg_req *next;
    struct pg_link *link;
    struct event timer; /* the deadline */
    pg_link_fn fn;
    void *arg;
    enum pushd_sql stmt;
    int n;
    const char *params[PG_LINK_MAX_PARAMS];
    char data[]; /* the parameters, each NUL-terminated */
};

struct pg_link {
    struct event_base *base;
    const char *url;
    PGconn *conn;
    struct event io; /* on PQsocket(conn), one shot, re-armed */
    int io_armed;
    struct event retry;         /* backoff before reconnecting */
    struct event connect_timer; /* bounds a connection attempt */
    struct event kick;          /* starts a request queued on an idle connection */
    enum pl_state state;
    int backoff_ms;
    unsigned char prepared[PSQL_COUNT]; /* on this connection */
    PGresult *result;                   /* the in-flight request's first result */
    struct pg_req *head, *tail;         /* queued in order; head is in flight when busy */
    size_t queued;
};

static void on_io(evutil_socket_t fd, short what, void *arg);
static void start_connect(struct pg_link *l);
static void pump(struct pg_link *l);

static void arm(struct pg_link *l, short what)
{
    if (l->io_armed)
        event_del(&l->io);
    event_assign(&l->io, l->base, PQsocket(l->conn), what, on_io, l);
    event_add(&l->io, NULL);
    l->io_armed = 1;
}

static void timeval_ms(struct timeval *tv, int ms)
{
    tv->tv_sec = ms / 1000;
    tv->tv_usec = (ms % 1000) * 1000;
}

/* Unlinks r (not necessarily the head), calls its callback with res, frees it. */
static void finish(struct pg_link *l, struct pg_req *r, const PGresult *res)
{
    for (struct pg_req **p = &l->head; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            if (l->tail == r) {
                l->tail = NULL;
                for (struct pg_req *t = l->head; t; t = t->next)
                    l->tail = t;
            }
            break;
        }
    l->queued--;
    event_del(&r->timer);
    r->fn(res, r->arg);
    free(r);
}

static int busy(const struct pg_link *l)
{
    return l->state == PL_PREPARING || l->state == PL_RUNNING;
}

/* Fails every queued request (none is in flight). */
static void fail_all(struct pg_link *l)
{
    while (l->head)
        finish(l, l->head, NULL);
}

/* Drops the connection; the request in flight fails; reconnects after backoff. */
static void drop(struct pg_link *l, const char *why, int fail_queue)
{
    int was_busy = busy(l);
    if (l->conn) {
        const char *msg = PQerrorMessage(l->conn);
        log_warn("postgresql: %s%s%s", why, *msg ? ": " : "", msg);
        if (l->io_armed)
            event_del(&l->io);
        l->io_armed = 0;
        PQfinish(l->conn);
        l->conn = NULL;
    }
    event_del(&l->connect_timer);
    PQclear(l->result);
    l->result = NULL;
    l->state = PL_DOWN;
    struct timeval tv;
    timeval_ms(&tv, l->backoff_ms);
    evtimer_add(&l->retry, &tv);
    l->backoff_ms = l->backoff_ms * 2 > PG_LINK_BACKOFF_MAX_MS ? PG_LINK_BACKOFF_MAX_MS : l->backoff_ms * 2;
    if (was_busy && l->head)
        finish(l, l->head, NULL);
    if (fail_queue)
        fail_all(l);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    start_connect(arg);
}

static void on_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    drop(arg, "connect timed out", 1);
}

static void connect_step(struct pg_link *l, PostgresPollingStatusType st)
{
    switch (st) {
    case PGRES_POLLING_READING:
        arm(l, EV_READ);
        return;
    case PGRES_POLLING_WRITING:
        arm(l, EV_WRITE);
        return;
    case PGRES_POLLING_OK:
        event_del(&l->connect_timer);
        if (PQsetnonblocking(l->conn, 1) != 0) {
            drop(l, "cannot make the connection non-blocking", 1);
            return;
        }
        log_info("postgresql: connected");
        l->state = PL_READY;
        l->backoff_ms = PG_LINK_BACKOFF_MIN_MS;
        memset(l->prepared, 0, sizeof l->prepared);
        arm(l, EV_READ); /* notices a lost connection while idle */
        pump(l);
        return;
    default:
        drop(l, "connect failed", 1);
        return;
    }
}

static void start_connect(struct pg_link *l)
{
    /* dbname with expand_dbname takes a whole conninfo string or URI. */
    const char *keys[] = {"dbname", "application_name", NULL};
    const char *vals[] = {l->url, "crm-pushd", NULL};
    l->conn = PQconnectStartParams(keys, vals, 1);
    if (!l->conn || PQstatus(l->conn) == CONNECTION_BAD) {
        drop(l, "connect failed", 1);
        return;
    }
    l->state = PL_CONNECTING;
    struct timeval tv;
    timeval_ms(&tv, PG_LINK_CONNECT_MS);
    evtimer_add(&l->connect_timer, &tv);
    /* libpq: wait until the socket is writable before the first poll. */
    connect_step(l, PGRES_POLLING_WRITING);
}

/* Sends what is buffered; arms the socket for the answer (and more writing). */
static void send_flush(struct pg_link *l)
{
    int f = PQflush(l->conn);
    if (f < 0) {
        drop(l, "send failed", 0);
        return;
    }
    arm(l, (short)(EV_READ | (f ? EV_WRITE : 0)));
}

/* Starts the head request if the connection is idle. */
static void pump(struct pg_link *l)
{
    if (l->state != PL_READY || !l->head)
        return;
    struct pg_req *r = l->head;
    int ok;
    if (!l->prepared[r->stmt]) {
        ok = PQsendPrepare(l->conn, pushd_sql_name(r->stmt), pushd_sql_text(r->stmt), 0, NULL);
        l->state = PL_PREPARING;
    } else {
        ok = PQsendQueryPrepared(l->conn, pushd_sql_name(r->stmt), r->n, r->params, NULL, NULL, 0);
        l->state = PL_RUNNING;
    }
    if (!ok) {
        drop(l, "send failed", 0);
        return;
    }
    send_flush(l);
}

/* Every result of the command in flight has arrived. */
static void command_done(struct pg_link *l)
{
    PGresult *res = l->result;
    l->result = NULL;
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    int ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
    struct pg_req *r = l->head;
    if (!ok)
        log_error("postgresql: %s failed: %s", pushd_sql_name(r->stmt),
                  res ? PQresultErrorMessage(res) : PQerrorMessage(l->conn));
    if (l->state == PL_PREPARING) {
        l->state = PL_READY;
        if (ok) {
            l->prepared[r->stmt] = 1;
            PQclear(res);
            pump(l); /* now the statement itself */
            if (l->state == PL_READY)
                arm(l, EV_READ);
            return;
        }
        finish(l, r, NULL);
    } else {
        l->state = PL_READY;
        finish(l, r, ok ? res : NULL);
    }
    PQclear(res);
    pump(l);
    if (l->state == PL_READY)
        arm(l, EV_READ); /* idle: notices a lost connection */
}

static void on_io(evutil_socket_t fd, short what, void *arg)
{
    struct pg_link *l = arg;
    (void)fd;
    l->io_armed = 0;
    if (l->state == PL_CONNECTING) {
        connect_step(l, PQconnectPoll(l->conn));
        return;
    }
    if (!l->conn)
        return;
    if ((what & EV_WRITE) && busy(l) && PQflush(l->conn) < 0) {
        drop(l, "send failed", 0);
        return;
    }
    if ((what & EV_READ) && !PQconsumeInput(l->conn)) {
        drop(l, "connection lost", 0);
        return;
    }
    for (PGnotify *n; (n = PQnotifies(l->conn));)
        PQfreemem(n);
    while (busy(l) && !PQisBusy(l->conn)) {
        PGresult *res = PQgetResult(l->conn);
        if (!res) {
            command_done(l);
            return; /* pump re-armed the socket, or a callback dropped it */
        }
        if (!l->result)
            l->result = res;
        else
            PQclear(res);
    }
    if (PQstatus(l->conn) == CONNECTION_BAD) {
        drop(l, "connection lost", 0);
        return;
    }
    int f = busy(l) ? PQflush(l->conn) : 0;
    if (f < 0) {
        drop(l, "send failed", 0);
        return;
    }
    arm(l, (short)(EV_READ | (f ? EV_WRITE : 0)));
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    pump(arg);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct pg_req *r = arg;
    struct pg_link *l = r->link;
    (void)fd;
    (void)what;
    log_warn("postgresql: %s: no answer within its deadline", pushd_sql_name(r->stmt));
    if (r == l->head && busy(l))
        drop(l, "query timed out", 0); /* fails r */
    else
        finish(l, r, NULL);
}

struct pg_link *pg_link_new(struct event_base *base, const char *url)
{
    struct pg_link *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->base = base;
    l->url = url;
    l->backoff_ms = PG_LINK_BACKOFF_MIN_MS;
    evtimer_assign(&l->retry, base, on_retry, l);
    evtimer_assign(&l->connect_timer, base, on_connect_timeout, l);
    evtimer_assign(&l->kick, base, on_kick, l);
    start_connect(l);
    return l;
}

void pg_link_free(struct pg_link *l)
{
    if (!l)
        return;
    if (l->conn) {
        if (l->io_armed)
            event_del(&l->io);
        PQfinish(l->conn);
        l->conn = NULL;
    }
    PQclear(l->result);
    l->result = NULL;
    l->state = PL_DOWN;
    event_del(&l->retry);
    event_del(&l->connect_timer);
    event_del(&l->kick);
    fail_all(l);
    free(l);
}

int pg_link_query(struct pg_link *l, enum pushd_sql s, int n, const char *const *params, int timeout_ms,
                  pg_link_fn fn, void *arg)
{
    if (n < 0 || n > PG_LINK_MAX_PARAMS || l->queued >= PG_LINK_MAX_QUEUED)
        return -1;
    size_t total = 0, len[PG_LINK_MAX_PARAMS];
    for (int i = 0; i < n; i++)
        total += (len[i] = strlen(params[i])) + 1;
    struct pg_req *r = malloc(sizeof *r + total);
    if (!r)
        return -1;
    r->next = NULL;
    r->link = l;
    r->fn = fn;
    r->arg = arg;
    r->stmt = s;
    r->n = n;
    char *p = r->data;
    for (int i = 0; i < n; i++) {
        memcpy(p, params[i], len[i] + 1);
        r->params[i] = p;
        p += len[i] + 1;
    }
    evtimer_assign(&r->timer, l->base, on_deadline, r);
    struct timeval tv;
    timeval_ms(&tv, timeout_ms);
    evtimer_add(&r->timer, &tv);
    /* Replay pages queue behind everything else: another socket's sign-in (its
     * user lookup) or membership check must not wait for one socket's history.
     * The request in flight keeps its place; each kind keeps its own order. */
    struct pg_req **at = &l->head;
    if (s == PSQL_MESSAGES_BETWEEN) {
        at = l->tail ? &l->tail->next : &l->head;
    } else {
        if (*at && busy(l))
            at = &(*at)->next;
        while (*at && (*at)->stmt != PSQL_MESSAGES_BETWEEN)
            at = &(*at)->next;
    }
    r->next = *at;
    *at = r;
    if (!r->next)
        l->tail = r;
    l->queued++;
    /* Started from the loop, not here, so that fn never runs inside this call
     * (pump may fail the request at once on a broken connection). */
    if (l->state == PL_READY && l->head == r)
        event_active(&l->kick, EV_TIMEOUT, 0);
    return 0;
}

int pg_link_is_up(const struct pg_link *l)
{
    return l && l->conn && (l->state == PL_READY || busy(l));
}
