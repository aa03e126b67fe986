#include "config.h"

#include "metrics.h"

#include "log.h"
#include "queue_stats.h"
#include "redis_shards.h"
#include "redis_sync.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define METRICS_REQUEST_MAX 4096 /* bytes of request head read */
#define METRICS_BODY_MAX 16384   /* bytes of response body */
#define METRICS_IO_TIMEOUT_S 2

struct worker_metrics worker_metrics;

struct metrics_server {
    int fd; /* listening socket */
    pthread_t thread;
    atomic_int stop; /* set by metrics_server_stop */
    /* The thread's own connections for queue figures, one per Redis shard:
     * a stream's figures come from the shard it lives on. */
    struct crm_redis redis[CRM_SHARDS_MAX];
    int nshards;
    int streams;
};

/* Appends to a fixed buffer; output past its end is cut off. */
struct out {
    char buf[METRICS_BODY_MAX];
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
    if (o->len >= sizeof o->buf)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, sizeof o->buf - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n < sizeof o->buf - o->len ? (size_t)n : sizeof o->buf - o->len - 1;
}

static void counter(struct out *o, const char *name, const char *help, atomic_uint_fast64_t *v)
{
    put(o, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIuFAST64 "\n", name, help, name, name,
        atomic_load_explicit(v, memory_order_relaxed));
}

static void render(struct metrics_server *s, struct out *o)
{
    struct worker_metrics *m = &worker_metrics;
    counter(o, "crm_worker_batches_total", "batches committed", &m->batches);
    counter(o, "crm_worker_rows_total", "message rows inserted", &m->messages);
    counter(o, "crm_worker_audit_rows_total", "audit rows inserted", &m->audit_rows);
    counter(o, "crm_worker_ignored_total", "rows already stored (redeliveries)", &m->ignored);
    counter(o, "crm_worker_acked_total", "entries acknowledged", &m->acked);
    counter(o, "crm_worker_rejected_total", "rows refused by the database", &m->rejected);
    counter(o, "crm_worker_key_reused_total", "messages not stored: their key was another message's",
            &m->key_reused);
    counter(o, "crm_worker_isolated_batches_total", "batches written row by row", &m->isolated);
    counter(o, "crm_worker_dead_letters_total", "entries dead-lettered", &m->dead_letters);
    counter(o, "crm_worker_claimed_total", "entries claimed from idle consumers", &m->claimed);
    counter(o, "crm_worker_trimmed_total", "stream entries trimmed", &m->trimmed);
    counter(o, "crm_worker_db_errors_total", "failed batch attempts", &m->db_errors);
    counter(o, "crm_worker_redis_errors_total", "failed Redis calls", &m->redis_errors);
    put(o, "# TYPE crm_worker_batch_seconds_total counter\ncrm_worker_batch_seconds_total %.6f\n",
        (double)atomic_load(&m->batch_us) / 1e6);
    put(o, "# TYPE crm_worker_db_up gauge\ncrm_worker_db_up %d\n", atomic_load(&m->db_up));
    put(o, "# TYPE crm_worker_redis_up gauge\ncrm_worker_redis_up %d\n", atomic_load(&m->redis_up));

    struct crm_queue_stats qs[CRM_SHARDS_MAX];
    int got = 0;
    for (; got < s->nshards; got++) {
        redisContext *c = crm_redis_get(&s->redis[got]);
        if (!c || crm_queue_stats_get(c, s->streams, &qs[got]) < 0) {
            if (c && c->err)
                crm_redis_reset(&s->redis[got]);
            put(o, "# queue figures unavailable: Redis shard %d did not answer\n", got);
            goto done;
        }
    }
    static const char *const gauges[] = {"length", "lag", "pending", "consumers"};
    long long dead = 0;
    for (int k = 0; k < s->nshards; k++)
        dead += qs[k].dead_letters;
    for (size_t g = 0; g < 4; g++) {
        put(o, "# TYPE crm_queue_%s gauge\n", gauges[g]);
        for (size_t i = 0; i < qs[0].n_streams; i++) {
            const struct crm_queue_stream_stats *st = &qs[crm_shard_of_stream((int)i, s->nshards)].streams[i];
            long long v = g == 0 ? st->length : g == 1 ? st->lag : g == 2 ? st->pending : st->consumers;
            put(o, "crm_queue_%s{stream=\"%s\"} %lld\n", gauges[g], st->name, v);
        }
    }
    put(o, "# TYPE crm_queue_dead_letters gauge\ncrm_queue_dead_letters %lld\n", dead);
done:
    for (int k = 0; k < got; k++)
        crm_queue_stats_deinit(&qs[k]);
}

static void respond(int fd, const char *status, const char *type, const char *body, size_t len)
{
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n",
                     status, type, len);
    if (send(fd, head, (size_t)n, MSG_NOSIGNAL) < 0)
        return;
    size_t off = 0;
    while (off < len) {
        ssize_t w = send(fd, body + off, len - off, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

static void serve(struct metrics_server *s, int fd)
{
    char req[METRICS_REQUEST_MAX + 1];
    size_t len = 0;
    struct timeval tv = {METRICS_IO_TIMEOUT_S, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    while (len < METRICS_REQUEST_MAX) {
        ssize_t r = recv(fd, req + len, METRICS_REQUEST_MAX - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[len] = '\0';
    struct out *o = calloc(1, sizeof *o);
    if (!o) {
        crm_oom();
    }
    if (strncmp(req, "GET /metrics ", 13) == 0 || strncmp(req, "GET /metrics?", 13) == 0) {
        render(s, o);
        respond(fd, "200 OK", "text/plain; version=0.0.4", o->buf, o->len);
    } else if (strncmp(req, "GET /health ", 12) == 0) {
        int db = atomic_load(&worker_metrics.db_up), rd = atomic_load(&worker_metrics.redis_up);
        put(o, "{\"status\":\"%s\",\"postgresql\":%s,\"redis\":%s}\n", db && rd ? "ok" : "degraded",
            db ? "true" : "false", rd ? "true" : "false");
        respond(fd, db && rd ? "200 OK" : "503 Service Unavailable", "application/json", o->buf, o->len);
    } else if (strncmp(req, "GET ", 4) == 0) {
        respond(fd, "404 Not Found", "text/plain", "not found\n", 10);
    } else {
        respond(fd, "405 Method Not Allowed", "text/plain", "method not allowed\n", 19);
    }
    free(o);
}

static void *run(void *arg)
{
    struct metrics_server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {s->fd, POLLIN, 0};
        int n = poll(&p, 1, 200);
        if (n <= 0)
            continue;
        int fd = accept(s->fd, NULL, NULL);
        if (fd < 0)
            continue;
        serve(s, fd);
        close(fd);
    }
    return NULL;
}

struct metrics_server *metrics_server_start(const char *bind_addr, int port, const struct crm_shards *shards,
                                            int streams)
{
    struct metrics_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = -1;
    s->streams = streams;
    s->nshards = shards->n > 1 ? shards->n : 1;
    for (int k = 0; k < s->nshards; k++)
        crm_redis_init_shard(&s->redis[k], shards, k, 1000);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, bind_addr, &addr.sin_addr) != 1) {
        log_error("CRM_WORKER_METRICS_BIND %s is not an IPv4 address", bind_addr);
        goto fail;
    }
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (s->fd < 0 || setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(s->fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s->fd, 16) < 0) {
        log_error("metrics: cannot listen on %s:%d: %s", bind_addr, port, strerror(errno));
        goto fail;
    }
    /* The thread must not take SIGTERM: the main loop finishes its batch on it. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&s->thread, NULL, run, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        log_error("metrics: cannot start thread: %s", strerror(rc));
        goto fail;
    }
    log_info("metrics listening on %s:%d", bind_addr, port);
    return s;
fail:
    if (s->fd >= 0)
        close(s->fd);
    for (int k = 0; k < s->nshards; k++)
        crm_redis_deinit(&s->redis[k]);
    free(s);
    return NULL;
}

void metrics_server_stop(struct metrics_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->fd);
    for (int k = 0; k < s->nshards; k++)
        crm_redis_deinit(&s->redis[k]);
    free(s);
}
