/* clinic_load: the clinic mix for crm-pushd (issue 15), a sibling of ws_load.
 * One WebSocket per room member (rooms of 3: patient, assignee, second staff),
 * each its own user with its own token, read from a file of lines
 * "ROOM_ID USER_ID TOKEN", three per room, member 0 the patient.
 *
 * Two phases on the same sockets and crm-pushd processes, one after the other:
 *  A. every socket subscribed to messageAdded of its room only; RATE messages
 *     per second XADDed over random rooms (sender a random member);
 *  B. every socket also subscribes to inboxUpdated and typing(roomId); after a
 *     warm-up (one message per room, so every room's inbox snapshot is loaded,
 *     as in a running clinic), the mix: RATE messages/s, TYPING typing events/s
 *     (PUBLISH crm:typing, as crm-api's setTyping does after its checks), and
 *     one markRead per message: the member the body names (the patient for a
 *     staff message, a staff member for the patient's) answers the delivery by
 *     PUBLISHing the read event on crm:room-events as crm-api's markRead does,
 *     and upserts read_positions (batched every 100 ms, the statement crm-api
 *     runs).
 * Per phase: deliveries of each kind, p50/p99 (messageAdded: XADD to frame;
 * inboxUpdated: the newest of lastMessage's send time and readAt to frame;
 * typing: PUBLISH to frame, typing: true only), and crm-pushd's CPU time
 * (from /proc, its processes) from the first publish until every delivery is
 * in (at most 10 s), per delivery of any kind.
 *
 *   clinic_load -p PORT -f CONNS_FILE -P PROCS -R REDIS_PORT -D PG_CONNINFO
 *               [-m RATE=500 -y TYPING=1000 -d SECONDS=15 -w WINDOW=180 -C PUSHD_PID
 *                -W WARM_RATE=500 -B BATCH_US=1000 -c IN_FLIGHT=200 -S SOCKETS_PER_SOURCE=20000
 *                -M MEMBERS=3 -A -H HTTP_PORT -k HTTP_CONNS=64]
 *
 * A clinic's day (bench/clinic_day.sh, issue 16): -M 2 rooms of two (member 0
 * the patient, 1 the assignee), -A phase A only, and -H: each message is a
 * sendMessage mutation POSTed to lighttpd on HTTP_PORT (crm-api, the sender's
 * own token, a unique idempotency key) over HTTP_CONNS keep-alive connections,
 * instead of an XADD. The body's send time is taken just before the request is
 * written, and the messageAdded latency is the other member's receipt only (the
 * sender's own socket is counted, not timed). The answers are counted
 * (PENDING, other) with the latency of the HTTP answer itself. */
#include "config.h"

#include "ws_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 64
#define HIST 100000 /* buckets of 100 us: 0..10 s, the last one is "more" */

enum kind { K_MSG, K_INBOX, K_TYPING, K_LAPSE, NKINDS }; /* K_LAPSE: typing false */
static const char *kind_name[NKINDS] = {"messageAdded", "inboxUpdated", "typing", "typing_false"};

struct stats {
    uint64_t connected, subscribed, mixed, closed, failed, reads, upserts, upsert_errors;
    uint64_t cpu_us;
    uint64_t count[NKINDS];
    uint64_t hist[3][HIST + 1]; /* K_MSG, K_INBOX, K_TYPING */
};

/* Written by the parent, read by the workers. */
struct control {
    _Atomic int phase; /* 0: messageAdded only; 1: the mix subscribed */
    _Atomic int reads; /* workers answer deliveries with markRead */
};

enum conn_state { C_CONNECTING, C_UPGRADING, C_INIT, C_SUBSCRIBED };

struct conn {
    struct event ev;
    int fd;
    int idx; /* line of the conns file */
    uint8_t state, mixed;
    struct ws_client ws; /* the frame reader's carry */
};

static int g_members = 3, g_phase_a_only, g_http_port, g_http_conns = 64;
static int g_port, g_per_source = 20000, g_inflight = 200, g_batch_us = 1000, g_redis_port;
static const char *g_pg;
static int64_t *room_of, *user_of; /* per conn */
static char **token_of;
static uint64_t *typing_sent; /* per room (conn / 3): time of the last typing PUBLISH */
static struct stats *st;
static struct control *ctl;
static struct event_base *base;
static int w_first, w_count, w_opened, w_pending;
static struct conn **w_conns;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t cpu_self_us(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (uint64_t)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

static void send_sub(struct conn *c, int id)
{
    char q[512];
    int n;
    long long room = (long long)room_of[c->idx];
    if (id == 1)
        n = snprintf(q, sizeof q,
                     "{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":{\"query\":"
                     "\"subscription { messageAdded(roomId: \\\"%lld\\\") { id body } }\"}}",
                     room);
    else if (id == 2)
        n = snprintf(q, sizeof q,
                     "{\"id\":\"2\",\"type\":\"subscribe\",\"payload\":{\"query\":"
                     "\"subscription { inboxUpdated { id unreadCount status lastMessage { body } "
                     "readReceipts { user { id } readAt } } }\"}}");
    else
        n = snprintf(q, sizeof q,
                     "{\"id\":\"3\",\"type\":\"subscribe\",\"payload\":{\"query\":"
                     "\"subscription { typing(roomId: \\\"%lld\\\") { typing user { id } } }\"}}",
                     room);
    ws_client_send_frame(c->fd, 1, q, (size_t)n);
}

static void mix_subscribe(struct conn *c)
{
    if (c->mixed || c->state != C_SUBSCRIBED)
        return;
    send_sub(c, 2);
    send_sub(c, 3);
    c->mixed = 1;
    st->mixed++;
}

/* ---- markRead as crm-api does it: the event now, the upsert batched ---- */

static int w_redis = -1;
static PGconn *w_db;
static char *w_batch; /* VALUES rows of the next upsert */
static size_t w_batch_len, w_batch_cap, w_batch_rows;
static int w_db_busy;

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(0x7f000001u);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static void drain(int fd)
{
    char sink[4096];
    while (read(fd, sink, sizeof sink) > 0)
        ;
}

static void redis_publish(int fd, const char *channel, const char *msg)
{
    char cmd[1024];
    int n = snprintf(cmd, sizeof cmd, "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n", strlen(channel),
                     channel, strlen(msg), msg);
    if (n > 0 && (size_t)n < sizeof cmd && write(fd, cmd, (size_t)n) < 0)
        perror("redis write");
    drain(fd);
}

static void iso_us(uint64_t t, char out[40])
{
    time_t s = (time_t)(t / 1000000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%06uZ", (unsigned)(t % 1000000u));
}

static void mark_read(struct conn *c, const char *id, size_t id_len)
{
    char cursor[48], at[40], ev[512];
    if (id_len >= sizeof cursor)
        return;
    memcpy(cursor, id, id_len);
    cursor[id_len] = '\0';
    unsigned long long ms = 0, seq = 0;
    if (sscanf(cursor, "%llu-%llu", &ms, &seq) != 2)
        return;
    iso_us(now_us(), at);
    snprintf(
        ev, sizeof ev,
        "{\"roomId\":\"%lld\",\"kind\":\"read\",\"userId\":\"%lld\",\"cursor\":\"%s\",\"readAt\":\"%s\"}",
        (long long)room_of[c->idx], (long long)user_of[c->idx], cursor, at);
    redis_publish(w_redis, "crm:room-events", ev);
    st->reads++;
    char row[128];
    int n = snprintf(row, sizeof row, "%s(%lld,%lld,%llu,%llu)", w_batch_rows ? "," : "",
                     (long long)room_of[c->idx], (long long)user_of[c->idx], ms, seq);
    if (w_batch_len + (size_t)n + 1 > w_batch_cap) {
        size_t cap = w_batch_cap ? w_batch_cap * 2 : 65536;
        char *b = realloc(w_batch, cap);
        if (!b)
            return;
        w_batch = b;
        w_batch_cap = cap;
    }
    memcpy(w_batch + w_batch_len, row, (size_t)n + 1);
    w_batch_len += (size_t)n;
    w_batch_rows++;
}

/* One statement in flight at a time; results collected on the next tick. */
static void upsert_tick(void)
{
    if (!w_db)
        return;
    if (w_db_busy) {
        if (!PQconsumeInput(w_db))
            return;
        while (!PQisBusy(w_db)) {
            PGresult *r = PQgetResult(w_db);
            if (!r) {
                w_db_busy = 0;
                break;
            }
            if (PQresultStatus(r) != PGRES_COMMAND_OK)
                st->upsert_errors++;
            PQclear(r);
        }
        if (w_db_busy)
            return;
    }
    if (!w_batch_rows)
        return;
    /* The upsert of crm-api's markRead, many rows at once (keyed rows sorted
     * by nothing: each (room, user) is one socket's, so no two workers meet). */
    static const char head[] = "INSERT INTO read_positions AS p (room_id, user_id, stream_ms, stream_seq) "
                               "SELECT DISTINCT ON (r, u) r, u, m, s FROM (VALUES ";
    static const char tail[] =
        ") AS v(r, u, m, s) ORDER BY r, u, m DESC, s DESC "
        "ON CONFLICT (room_id, user_id) DO UPDATE SET stream_ms = excluded.stream_ms, "
        "stream_seq = excluded.stream_seq, read_at = now() "
        "WHERE (p.stream_ms, p.stream_seq) < (excluded.stream_ms, excluded.stream_seq)";
    size_t n = sizeof head - 1 + w_batch_len + sizeof tail;
    char *q = malloc(n);
    if (!q)
        return;
    snprintf(q, n, "%s%s%s", head, w_batch, tail);
    if (PQsendQuery(w_db, q))
        w_db_busy = 1;
    else
        st->upsert_errors++;
    free(q);
    st->upserts += w_batch_rows;
    w_batch_len = w_batch_rows = 0;
}

/* ---- frames ---- */

static uint64_t num_at(const uint8_t *t, const uint8_t *end)
{
    uint64_t v = 0;
    for (; t < end && *t >= '0' && *t <= '9'; t++)
        v = v * 10 + (uint64_t)(*t - '0');
    return v;
}

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" (3 to 6 digits) in microseconds; 0 if not. */
static uint64_t iso_parse(const uint8_t *p, const uint8_t *end)
{
    if (end - p < 20 || p[4] != '-' || p[10] != 'T')
        return 0;
    int y = (int)num_at(p, p + 4), mo = (int)num_at(p + 5, p + 7), d = (int)num_at(p + 8, p + 10);
    uint64_t s = (uint64_t)days_from_civil(y, mo, d) * 86400u + num_at(p + 11, p + 13) * 3600u +
                 num_at(p + 14, p + 16) * 60u + num_at(p + 17, p + 19);
    uint64_t us = 0;
    int digits = 0;
    if (p[19] == '.')
        for (const uint8_t *f = p + 20; f < end && *f >= '0' && *f <= '9' && digits < 6; f++, digits++)
            us = us * 10 + (uint64_t)(*f - '0');
    for (; digits < 6; digits++)
        us *= 10;
    return s * 1000000u + us;
}

static void record(int k, uint64_t sent)
{
    uint64_t now = now_us(), b = now > sent ? (now - sent) / 100 : 0;
    st->hist[k][b > HIST ? HIST : b]++;
}

static void on_next(struct conn *c, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    if (n < 10)
        return;
    int id = p[7] - '0'; /* {"id":"N","type":"next",... */
    if (id == 1) {
        const uint8_t *t = memmem(p, n, "\"body\":\"t=", 10);
        if (!t)
            return;
        st->count[K_MSG]++;
        t += 10;
        const uint8_t *r = memmem(t, (size_t)(end - t), " r=", 3);
        /* A day's latency is the other side's receipt; the sender's socket is not timed. */
        if (!g_http_port || (r && (int)(r[3] - '0') == c->idx % g_members))
            record(K_MSG, num_at(t, end));
        if (!r || !atomic_load_explicit(&ctl->reads, memory_order_relaxed) ||
            (int)(r[3] - '0') != c->idx % g_members)
            return;
        const uint8_t *i = memmem(p, n, "\"messageAdded\":{\"id\":\"", 22);
        if (!i)
            return;
        i += 22;
        const uint8_t *q = memchr(i, '"', (size_t)(end - i));
        if (q)
            mark_read(c, (const char *)i, (size_t)(q - i));
    } else if (id == 2) {
        st->count[K_INBOX]++;
        uint64_t newest = 0;
        const uint8_t *t = memmem(p, n, "\"body\":\"t=", 10);
        if (t)
            newest = num_at(t + 10, end);
        for (const uint8_t *a = p; (a = memmem(a, (size_t)(end - a), "\"readAt\":\"", 10)) != NULL;) {
            a += 10;
            uint64_t v = iso_parse(a, end);
            if (v > newest)
                newest = v;
        }
        if (newest)
            record(K_INBOX, newest);
    } else if (id == 3) {
        if (memmem(p, n, "\"typing\":true", 13)) {
            st->count[K_TYPING]++;
            record(K_TYPING, typing_sent[c->idx / g_members]);
        } else {
            st->count[K_LAPSE]++;
        }
    }
}

static void refill(void);
static void sleep_until(uint64_t t);

static void conn_close(struct conn *c, int failed)
{
    if (c->state < C_SUBSCRIBED)
        w_pending--;
    w_conns[c->idx - w_first] = NULL;
    event_del(&c->ev);
    close(c->fd);
    ws_client_release(&c->ws);
    free(c);
    if (failed)
        st->failed++;
    else
        st->closed++;
    refill();
}

static void on_text(void *arg, const uint8_t *p, size_t n)
{
    struct conn *c = arg;
    if (c->state == C_SUBSCRIBED) {
        if (n > 24 && memmem(p, 24, "\"type\":\"next\"", 13))
            on_next(c, p, n);
        return;
    }
    if (c->state == C_INIT && memmem(p, n, "\"connection_ack\"", 16)) {
        send_sub(c, 1);
        c->state = C_SUBSCRIBED;
        st->subscribed++;
        w_pending--;
        if (atomic_load(&ctl->phase))
            mix_subscribe(c);
        refill();
    }
}

static void on_upgraded(void *arg)
{
    struct conn *c = arg;
    c->state = C_INIT;
    st->connected++;
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)what;
    int rc = ws_client_read(fd, &c->ws, on_upgraded, on_text, c);
    if (rc == WS_CLIENT_EOF)
        conn_close(c, c->state < C_SUBSCRIBED);
    else if (rc < 0)
        conn_close(c, rc == WS_CLIENT_FAILED);
}

/* The upgrade request and connection_init (this socket's token) in one write. */
static void on_connected(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)what;
    if (ws_client_connect_done(fd) < 0) {
        conn_close(c, 1);
        return;
    }
    char hello[4096];
    size_t h = ws_client_hello(hello, sizeof hello, token_of[c->idx]);
    if (h == 0 || write(fd, hello, h) != (ssize_t)h) {
        conn_close(c, 1);
        return;
    }
    c->state = C_UPGRADING;
    c->ws.upgrading = 1;
    event_assign(&c->ev, base, fd, EV_READ | EV_PERSIST, on_read, c);
    event_add(&c->ev, NULL);
}

static int open_conn(int i)
{
    int fd = ws_client_connect(g_port, i / g_per_source);
    if (fd < 0)
        return -1;
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->idx = i;
    c->state = C_CONNECTING;
    w_conns[i - w_first] = c;
    event_assign(&c->ev, base, fd, EV_WRITE, on_connected, c);
    event_add(&c->ev, NULL);
    return 0;
}

static void refill(void)
{
    while (w_pending < g_inflight && w_opened < w_count) {
        int i = w_first + w_opened++;
        if (open_conn(i) < 0) {
            st->failed++;
            continue;
        }
        w_pending++;
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    static int mixed_all;
    (void)fd;
    (void)what;
    (void)arg;
    refill();
    if (!mixed_all && atomic_load(&ctl->phase)) {
        for (int i = 0; i < w_count; i++)
            if (w_conns[i])
                mix_subscribe(w_conns[i]);
        mixed_all = 1;
    }
    upsert_tick();
    if (w_redis >= 0)
        drain(w_redis);
    st->cpu_us = cpu_self_us();
}

static void worker(int first, int count)
{
    struct rlimit rl;
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* never outlive the parent */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    w_conns = calloc((size_t)count, sizeof *w_conns);
    w_redis = tcp_connect(g_redis_port);
    w_db = PQconnectdb(g_pg);
    if (!w_conns || w_redis < 0 || PQstatus(w_db) != CONNECTION_OK) {
        fprintf(stderr, "worker: no Redis or PostgreSQL: %s", w_db ? PQerrorMessage(w_db) : "");
        _exit(1);
    }
    base = event_base_new();
    w_first = first;
    w_count = count;
    struct event *tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
    struct timeval tv = {0, 100000};
    event_add(tick, &tv);
    refill();
    for (;;) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        usleep((useconds_t)g_batch_us);
    }
}

/* ---- the parent: publisher and report ---- */

static int p_redis = -1;
static size_t nconns, nrooms;

/* ---- sendMessage over HTTP (-H): keep-alive connections to lighttpd ---- */

struct http_conn {
    int fd, busy;
    uint64_t sent_us;
    size_t len;
    char buf[8192];
};
static struct http_conn *h_conns;
static uint64_t h_sent, h_pending_ok, h_other, h_waited, h_failed;
static uint64_t h_hist[HIST + 1];

static int http_open(struct http_conn *h)
{
    h->fd = tcp_connect(g_http_port);
    h->busy = 0;
    h->len = 0;
    return h->fd < 0 ? -1 : 0;
}

/* One answer is complete in h->buf: its headers and Content-Length bytes, or a
 * chunked body's last chunk. Returns the answer's length, 0 while incomplete. */
static size_t http_complete(const struct http_conn *h)
{
    const char *e = memmem(h->buf, h->len, "\r\n\r\n", 4);
    if (!e)
        return 0;
    size_t head = (size_t)(e + 4 - h->buf);
    const char *cl = memmem(h->buf, head, "Content-Length: ", 16);
    if (cl) {
        size_t n = (size_t)strtoul(cl + 16, NULL, 10);
        return h->len >= head + n ? head + n : 0;
    }
    const char *z = memmem(e + 4, h->len - head, "\r\n0\r\n\r\n", 7);
    if (!z && h->len - head >= 5 && memcmp(e + 4, "0\r\n\r\n", 5) == 0)
        return head + 5;
    return z ? (size_t)(z + 7 - h->buf) : 0;
}

static void http_read(struct http_conn *h)
{
    ssize_t r = read(h->fd, h->buf + h->len, sizeof h->buf - 1 - h->len);
    if (r <= 0) {
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        close(h->fd);
        if (h->busy)
            h_failed++;
        if (http_open(h) < 0)
            h->fd = -1;
        return;
    }
    h->len += (size_t)r;
    size_t n = http_complete(h);
    if (!n) {
        if (h->len >= sizeof h->buf - 1) { /* an answer larger than any sendMessage's */
            h_other++;
            h->len = 0;
            h->busy = 0;
        }
        return;
    }
    uint64_t now = now_us(), b = (now - h->sent_us) / 100;
    h_hist[b > HIST ? HIST : b]++;
    if (memmem(h->buf, n, "\"status\":\"PENDING\"", 18) && !memmem(h->buf, n, "\"errors\"", 8))
        h_pending_ok++;
    else
        h_other++;
    memmove(h->buf, h->buf + n, h->len - n);
    h->len -= n;
    h->busy = 0;
}

/* Reads answers until t (microseconds, CLOCK_REALTIME), or until a connection is
 * idle when want_idle; returns an idle connection's index or -1. */
static int http_pump(uint64_t t, int want_idle)
{
    struct pollfd pf[1024];
    int n = g_http_conns > 1024 ? 1024 : g_http_conns;
    for (;;) {
        if (want_idle)
            for (int i = 0; i < n; i++)
                if (!h_conns[i].busy && h_conns[i].fd >= 0)
                    return i;
        uint64_t now = now_us();
        if (!want_idle && now >= t)
            return -1;
        for (int i = 0; i < n; i++)
            pf[i] = (struct pollfd){.fd = h_conns[i].fd, .events = POLLIN};
        int ms = want_idle ? 1000 : (int)((t - now + 999) / 1000);
        if (poll(pf, (nfds_t)n, ms) < 0 && errno != EINTR)
            return -1;
        for (int i = 0; i < n; i++)
            if (pf[i].revents)
                http_read(&h_conns[i]);
    }
}

static void http_send(const char *room, const char *token, const char *key, int reader)
{
    /* Round robin over the idle connections: lighttpd closes one idle for 5 s,
     * and a request written as it closes would be lost. */
    static int next;
    int idle = -1;
    for (int k = 0; k < g_http_conns && idle < 0; k++) {
        int j = (next + k) % g_http_conns;
        if (!h_conns[j].busy && h_conns[j].fd >= 0)
            idle = j;
    }
    next = idle + 1;
    if (idle < 0) { /* every connection waits for an answer: the send is late */
        h_waited++;
        idle = http_pump(0, 1);
        if (idle < 0) {
            h_failed++;
            return;
        }
    }
    struct http_conn *h = &h_conns[idle];
    char body[512], req[3072];
    uint64_t t = now_us();
    int bn = snprintf(
        body, sizeof body,
        "{\"query\":\"mutation($i:SendMessageInput!){sendMessage(input:$i){id status}}\","
        "\"variables\":{\"i\":{\"roomId\":\"%s\",\"body\":\"t=%llu r=%d\",\"idempotencyKey\":\"%s\"}}}",
        room, (unsigned long long)t, reader, key);
    int n = snprintf(req, sizeof req,
                     "POST /graphql HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                     "Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s",
                     token, bn, body);
    if (n <= 0 || (size_t)n >= sizeof req || write(h->fd, req, (size_t)n) != n) {
        h_failed++;
        return;
    }
    h->busy = 1;
    h->sent_us = t;
    h_sent++;
}

/* Sleeps until t; with -H, reading sendMessage answers meanwhile. */
static void wait_until(uint64_t t)
{
    if (g_http_port)
        http_pump(t, 0);
    else
        sleep_until(t);
}

static void publish_message(size_t room)
{
    static unsigned long seq;
    /* The sender a random member; the reader the patient for a staff message,
     * a staff member (the assignee or the other) for the patient's. */
    int sender = rand() % g_members, reader = g_members == 2 ? 1 - sender : sender ? 0 : 1 + rand() % 2;
    char body[48], key[40], rid[24], sid[24], cmd[512];
    snprintf(key, sizeof key, "bench-%d-%lu", getpid(), ++seq);
    snprintf(rid, sizeof rid, "%lld", (long long)room_of[room * (size_t)g_members]);
    snprintf(sid, sizeof sid, "%lld", (long long)user_of[room * (size_t)g_members + (size_t)sender]);
    if (g_http_port) {
        http_send(rid, token_of[room * (size_t)g_members + (size_t)sender], key, reader);
        return;
    }
    snprintf(body, sizeof body, "t=%llu r=%d", (unsigned long long)now_us(), reader);
    int n = snprintf(cmd, sizeof cmd,
                     "*13\r\n$4\r\nXADD\r\n$9\r\ncrm:msg:0\r\n$1\r\n*\r\n$1\r\nv\r\n$1\r\n1\r\n"
                     "$4\r\nroom\r\n$%zu\r\n%s\r\n$6\r\nsender\r\n$%zu\r\n%s\r\n$3\r\nkey\r\n$%zu\r\n%s\r\n"
                     "$4\r\nbody\r\n$%zu\r\n%s\r\n",
                     strlen(rid), rid, strlen(sid), sid, strlen(key), key, strlen(body), body);
    if (write(p_redis, cmd, (size_t)n) < 0)
        perror("redis write");
    drain(p_redis);
}

static void publish_typing(size_t room)
{
    char ev[160];
    int who = rand() % g_members;
    snprintf(ev, sizeof ev, "{\"roomId\":\"%lld\",\"userId\":\"%lld\",\"typing\":true}",
             (long long)room_of[room * (size_t)g_members],
             (long long)user_of[room * (size_t)g_members + (size_t)who]);
    typing_sent[room] = now_us();
    redis_publish(p_redis, "crm:typing", ev);
}

static double children_cpu(long pid)
{
    char path[64], list[4096];
    snprintf(path, sizeof path, "/proc/%ld/task/%ld/children", pid, pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(list, 1, sizeof list - 1, f);
    fclose(f);
    list[n] = '\0';
    double total = 0;
    for (char *tok = strtok(list, " \n"); tok; tok = strtok(NULL, " \n")) {
        char stat[1024];
        snprintf(path, sizeof path, "/proc/%s/stat", tok);
        FILE *s = fopen(path, "r");
        if (!s)
            continue;
        size_t m = fread(stat, 1, sizeof stat - 1, s);
        fclose(s);
        stat[m] = '\0';
        char *p = strrchr(stat, ')');
        unsigned long ut = 0, stt = 0;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) == 2)
            total += (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
    }
    return total;
}

static struct stats *shared;
static int nprocs;
static long pushd_pid;

static void sum(struct stats *out, int with_hist)
{
    memset(out, 0, with_hist ? sizeof *out : offsetof(struct stats, hist));
    for (int i = 0; i < nprocs; i++) {
        const struct stats *w = &shared[i];
        out->connected += w->connected;
        out->subscribed += w->subscribed;
        out->mixed += w->mixed;
        out->closed += w->closed;
        out->failed += w->failed;
        out->reads += w->reads;
        out->upserts += w->upserts;
        out->upsert_errors += w->upsert_errors;
        out->cpu_us += w->cpu_us;
        for (int k = 0; k < NKINDS; k++)
            out->count[k] += w->count[k];
        if (with_hist)
            for (int k = 0; k < 3; k++)
                for (int b = 0; b <= HIST; b++)
                    out->hist[k][b] += w->hist[k][b];
    }
}

static double pct(const uint64_t *h, uint64_t total, double q)
{
    uint64_t want = (uint64_t)((double)total * q), acc = 0;
    for (int b = 0; b <= HIST; b++) {
        acc += h[b];
        if (acc > want || (acc == total && acc))
            return (b + 1) * 0.1;
    }
    return 0;
}

static void sleep_until(uint64_t t)
{
    uint64_t now = now_us();
    if (t > now)
        usleep((useconds_t)(t - now));
}

/* Publishes for secs seconds: rate messages and typing events per second,
 * interleaved evenly, to random rooms; returns how many of each. */
static void publish(int secs, int rate, int typing, int *msgs, int *typings, const char *label)
{
    int total = rate + typing;
    *msgs = *typings = 0;
    if (total <= 0)
        return;
    static struct stats last, now; /* large (histograms): not on the stack */
    sum(&last, 0);
    uint64_t p0 = now_us(), gap = 1000000u / (uint64_t)total;
    long n = 0;
    for (int sec = 0; sec < secs; sec++) {
        uint64_t end = p0 + (uint64_t)(sec + 1) * 1000000u;
        while (now_us() < end) {
            /* Bresenham: rate of every total events are messages. */
            if ((n + 1) * rate / total > n * rate / total) {
                publish_message((size_t)rand() % nrooms);
                (*msgs)++;
            } else {
                publish_typing((size_t)rand() % nrooms);
                (*typings)++;
            }
            n++;
            wait_until(p0 + (uint64_t)n * gap < end ? p0 + (uint64_t)n * gap : end);
        }
        sum(&now, 0);
        printf("%s t=%ds messages=%d typing=%d /s: messageAdded=%llu inboxUpdated=%llu typing=%llu "
               "typing_false=%llu reads=%llu\n",
               label, sec + 1, *msgs, *typings, (unsigned long long)(now.count[K_MSG] - last.count[K_MSG]),
               (unsigned long long)(now.count[K_INBOX] - last.count[K_INBOX]),
               (unsigned long long)(now.count[K_TYPING] - last.count[K_TYPING]),
               (unsigned long long)(now.count[K_LAPSE] - last.count[K_LAPSE]),
               (unsigned long long)(now.reads - last.reads));
        fflush(stdout);
        last = now;
    }
}

/* Waits until the counts reach what is wanted and stop growing for 0.5 s,
 * at most max_s. */
static void settle(uint64_t want_msg, uint64_t want_inbox, uint64_t want_typing, int max_s)
{
    static struct stats a, b; /* large (histograms): not on the stack */
    int still = 0;
    sum(&a, 0);
    for (int i = 0; i < max_s * 10; i++) {
        wait_until(now_us() + 100000);
        sum(&b, 0);
        int done =
            b.count[K_MSG] >= want_msg && b.count[K_INBOX] >= want_inbox && b.count[K_TYPING] >= want_typing;
        uint64_t ta = a.count[K_MSG] + a.count[K_INBOX] + a.count[K_TYPING] + a.reads,
                 tb = b.count[K_MSG] + b.count[K_INBOX] + b.count[K_TYPING] + b.reads;
        still = tb == ta ? still + 1 : 0;
        if (done && still >= 5)
            return;
        a = b;
    }
}

static void run_phase(const char *label, int secs, int rate, int typing)
{
    static struct stats s0, s1;
    int msgs, typings;
    usleep(200000);
    sum(&s0, 1);
    double pcpu0 = pushd_pid ? children_cpu(pushd_pid) : 0;
    uint64_t t0 = now_us(), ok0 = h_pending_ok;
    publish(secs, rate, typing, &msgs, &typings, label);
    if (g_http_port) { /* the answers still on their way, then only accepted sends are awaited */
        http_pump(now_us() + 2000000, 0);
        msgs = (int)(h_pending_ok - ok0);
    }
    settle(s0.count[K_MSG] + (uint64_t)msgs * (uint64_t)g_members, 0,
           s0.count[K_TYPING] + (uint64_t)typings * 2, 10);
    double pcpu = (pushd_pid ? children_cpu(pushd_pid) : 0) - pcpu0, wall = (double)(now_us() - t0) / 1e6;
    usleep(200000);
    sum(&s1, 1);
    uint64_t all = 0;
    for (int k = 0; k < NKINDS; k++)
        all += s1.count[k] - s0.count[k];
    double gen = (double)(s1.cpu_us - s0.cpu_us) / 1e6;
    printf(
        "RESULT phase=%s seconds=%d measured_s=%.1f messages=%d typing_events=%d reads=%llu upserts=%llu "
        "upsert_errors=%llu deliveries=%llu pushd_cpu_s=%.2f pushd_us_per_delivery=%.2f loadgen_cpu_s=%.2f\n",
        label, secs, wall, msgs, typings, (unsigned long long)(s1.reads - s0.reads),
        (unsigned long long)(s1.upserts - s0.upserts),
        (unsigned long long)(s1.upsert_errors - s0.upsert_errors), (unsigned long long)all, pcpu,
        all ? pcpu * 1e6 / (double)all : 0, gen);
    for (int k = 0; k < NKINDS; k++) {
        uint64_t n = s1.count[k] - s0.count[k];
        uint64_t expected = k == K_MSG      ? (uint64_t)msgs * (uint64_t)g_members
                            : k == K_INBOX  ? ((uint64_t)msgs + (s1.reads - s0.reads)) * (uint64_t)g_members
                            : k == K_TYPING ? (uint64_t)typings * 2
                                            : 0;
        if ((!n && !expected) || (g_phase_a_only && k != K_MSG))
            continue;
        printf("RESULT phase=%s kind=%s deliveries=%llu expected=%llu per_s=%.0f", label, kind_name[k],
               (unsigned long long)n, (unsigned long long)expected, (double)n / secs);
        if (k < 3) {
            uint64_t h[HIST + 1], tot = 0;
            for (int b = 0; b <= HIST; b++)
                tot += (h[b] = s1.hist[k][b] - s0.hist[k][b]);
            printf(" p50_ms=%.1f p99_ms=%.1f", pct(h, tot, 0.5), pct(h, tot, 0.99));
        }
        printf("\n");
    }
    if (g_http_port) {
        uint64_t tot = 0;
        for (int b = 0; b <= HIST; b++)
            tot += h_hist[b];
        printf("RESULT phase=%s http_sent=%llu http_pending=%llu http_other=%llu http_late=%llu "
               "http_failed=%llu answer_p50_ms=%.1f answer_p99_ms=%.1f\n",
               label, (unsigned long long)h_sent, (unsigned long long)h_pending_ok,
               (unsigned long long)h_other, (unsigned long long)h_waited, (unsigned long long)h_failed,
               pct(h_hist, tot, 0.5), pct(h_hist, tot, 0.99));
    }
    fflush(stdout);
}

static int load_conns(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t cap = 1024;
    room_of = malloc(cap * sizeof *room_of);
    user_of = malloc(cap * sizeof *user_of);
    token_of = malloc(cap * sizeof *token_of);
    char line[2048];
    while (room_of && user_of && token_of && fgets(line, sizeof line, f)) {
        long long r, u;
        char tok[1600];
        if (sscanf(line, "%lld %lld %1599s", &r, &u, tok) != 3)
            continue;
        if (nconns == cap) {
            cap *= 2;
            room_of = realloc(room_of, cap * sizeof *room_of);
            user_of = realloc(user_of, cap * sizeof *user_of);
            token_of = realloc(token_of, cap * sizeof *token_of);
            if (!room_of || !user_of || !token_of)
                break;
        }
        room_of[nconns] = r;
        user_of[nconns] = u;
        token_of[nconns] = strdup(tok);
        nconns++;
    }
    fclose(f);
    nconns -= nconns % (size_t)g_members;
    nrooms = nconns / (size_t)g_members;
    return nrooms ? 0 : -1;
}

int main(int argc, char **argv)
{
    int rate = 500, typing = 1000, warm_rate = 500, duration = 15, window = 180, opt;
    const char *file = NULL;
    nprocs = 2;
    while ((opt = getopt(argc, argv, "p:f:P:R:D:m:y:d:w:C:B:c:S:W:M:AH:k:")) != -1) {
        switch (opt) {
        case 'M':
            g_members = atoi(optarg);
            break;
        case 'A':
            g_phase_a_only = 1;
            break;
        case 'H':
            g_http_port = atoi(optarg);
            break;
        case 'k':
            g_http_conns = atoi(optarg);
            break;
        case 'p':
            g_port = atoi(optarg);
            break;
        case 'f':
            file = optarg;
            break;
        case 'P':
            nprocs = atoi(optarg);
            break;
        case 'R':
            g_redis_port = atoi(optarg);
            break;
        case 'D':
            g_pg = optarg;
            break;
        case 'm':
            rate = atoi(optarg);
            break;
        case 'y':
            typing = atoi(optarg);
            break;
        case 'd':
            duration = atoi(optarg);
            break;
        case 'w':
            window = atoi(optarg);
            break;
        case 'C':
            pushd_pid = atol(optarg);
            break;
        case 'B':
            g_batch_us = atoi(optarg);
            break;
        case 'c':
            g_inflight = atoi(optarg);
            break;
        case 'S':
            g_per_source = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: see the comment in bench/clinic_load.c\n");
            return 2;
        }
    }
    if (!g_port || !file || !g_redis_port || !g_pg || nprocs < 1 || nprocs > MAX_PROCS || rate < 1 ||
        typing < 0 || duration < 1 || warm_rate < 1 || g_members < 2 || g_members > 3 || g_http_conns < 1 ||
        g_http_conns > 1024 || load_conns(file) < 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    srand(15);
    shared = mmap(NULL, sizeof(struct stats) * (size_t)nprocs, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    ctl = mmap(NULL, sizeof *ctl, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    typing_sent =
        mmap(NULL, nrooms * sizeof *typing_sent, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED || ctl == MAP_FAILED || typing_sent == MAP_FAILED)
        return 1;
    /* Workers take whole rooms' worth of sockets in file order. */
    pid_t pids[MAX_PROCS];
    for (int i = 0, first = 0; i < nprocs; i++) {
        int per = (int)nconns / nprocs + (i < (int)nconns % nprocs);
        pids[i] = fork();
        if (pids[i] == 0) {
            st = &shared[i];
            worker(first, per);
        }
        first += per;
    }
    p_redis = tcp_connect(g_redis_port);
    if (p_redis < 0)
        return 1;

    static struct stats agg;
    uint64_t t0 = now_us();
    for (int sec = 0;; sec++) {
        sleep_until(t0 + (uint64_t)(sec + 1) * 1000000u);
        sum(&agg, 0);
        printf("connect t=%ds connected=%llu subscribed=%llu failed=%llu closed=%llu\n", sec + 1,
               (unsigned long long)agg.connected, (unsigned long long)agg.subscribed,
               (unsigned long long)agg.failed, (unsigned long long)agg.closed);
        fflush(stdout);
        if (agg.subscribed + agg.failed + agg.closed >= nconns || sec + 1 >= window)
            break;
    }
    sleep(2);
    sum(&agg, 0);
    printf("holding %llu subscribed sockets (%zu rooms) after %.1f s\n", (unsigned long long)agg.subscribed,
           nrooms, (double)(now_us() - t0) / 1e6);
    fflush(stdout);

    if (g_http_port) { /* opened now: lighttpd closes a keep-alive connection idle for 5 s */
        sleep(3);      /* crm-pushd's membership checks of the last subscriptions */
        h_conns = calloc((size_t)g_http_conns, sizeof *h_conns);
        for (int i = 0; h_conns && i < g_http_conns; i++)
            if (http_open(&h_conns[i]) < 0)
                return 1;
        if (!h_conns)
            return 1;
        printf("sending\n");
        fflush(stdout);
    }
    run_phase(g_http_port ? "clinic_day" : "messageAdded_alone", duration, rate, 0);
    if (g_phase_a_only) {
        for (int i = 0; i < nprocs; i++)
            kill(pids[i], SIGTERM);
        for (int i = 0; i < nprocs; i++)
            waitpid(pids[i], NULL, 0);
        return 0;
    }

    atomic_store(&ctl->phase, 1);
    for (int i = 0; i < 600; i++) {
        sum(&agg, 0);
        if (agg.mixed >= agg.subscribed)
            break;
        usleep(100000);
    }
    sleep(3); /* the subscriptions' membership checks */
    atomic_store(&ctl->reads, 1);
    /* Warm-up: one message per room, so every room's snapshot is loaded (as
     * in a clinic running for a while), at warm_rate messages/s. */
    sum(&agg, 0);
    uint64_t w0 = now_us(), want_msg = agg.count[K_MSG] + nrooms * 3,
             want_inbox = agg.count[K_INBOX] + nrooms * 3; /* the mix: rooms of 3 */
    for (size_t r = 0; r < nrooms; r++) {
        publish_message(r);
        sleep_until(w0 + (uint64_t)(r + 1) * 1000000u / (uint64_t)warm_rate);
    }
    settle(want_msg, want_inbox, 0, 120);
    sum(&agg, 0);
    printf("warm-up deliveries: messageAdded %llu of %zu, inboxUpdated %llu of %zu (or more: reads)\n",
           (unsigned long long)(agg.count[K_MSG] + nrooms * 3 - want_msg), nrooms * 3,
           (unsigned long long)(agg.count[K_INBOX] + nrooms * 3 - want_inbox), nrooms * 3);
    printf("mix subscribed on %llu sockets; warm-up of %zu messages settled after %.1f s\n",
           (unsigned long long)agg.mixed, nrooms, (double)(now_us() - w0) / 1e6);
    fflush(stdout);

    run_phase("clinic_mix", duration, rate, typing);

    for (int i = 0; i < nprocs; i++)
        kill(pids[i], SIGTERM);
    for (int i = 0; i < nprocs; i++)
        waitpid(pids[i], NULL, 0);
    return 0;
}
