/* ws_load: WebSocket load generator for crm-pushd. Holds many graphql-transport-ws
 * subscriptions to one room and measures delivery latency, cheaply enough that
 * the generator does not become what is measured:
 * - worker processes (under 20,000 descriptors each), each with one libevent loop;
 * - connects are non-blocking and pipelined (a bounded number in flight per
 *   worker), spread over source addresses 127.0.0.2, .3, ... (ports per source
 *   and destination pair are limited);
 * - each worker wakes every BATCH_US (-B, default 1000 us; 0: on every event)
 *   and then reads every socket that has data, so it is not woken once per
 *   frame (that would preempt crm-pushd once per delivery);
 * - one big read buffer per worker and a minimal frame parser; a connection
 *   holds about 150 bytes, plus a carry buffer only while a frame is split;
 * - the parent XADDs RATE entries per second over a raw Redis connection, the
 *   send time in the body; latency is XADD to frame parsed (CLOCK_REALTIME).
 *
 *   ws_load -p PORT -n CONNS -P PROCS -t TOKEN -r ROOM [-R REDIS_PORT -m RATE -d SECONDS]
 *           [-w CONNECT_WINDOW_S] [-c IN_FLIGHT] [-S SOCKETS_PER_SOURCE] [-B BATCH_US]
 *           [-C PUSHD_PID]
 *
 * With -C (crm-pushd's supervisor), the CPU time of its processes during the
 * publishing window is reported beside the generator's own. One line per second
 * while running, then a RESULT line. */
#include "config.h"

#include "ws_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 64
#define HIST 100000 /* latency buckets of 100 us: 0..10 s, the last one is "more" */

/* What a worker shares with the parent (written by the worker only). */
struct stats {
    uint64_t connected, subscribed, deliveries, closed, failed;
    uint64_t cpu_us; /* the worker's own CPU time, updated every 100 ms */
    uint64_t hist[HIST + 1];
};

enum conn_state { C_CONNECTING, C_UPGRADING, C_INIT, C_SUBSCRIBED };

struct conn {
    struct event ev; /* EV_WRITE while connecting, then EV_READ|EV_PERSIST */
    int fd;
    uint8_t state;       /* enum conn_state */
    struct ws_client ws; /* the frame reader's carry */
};

static const char *g_token, *g_room;
static int g_port, g_per_source = 20000, g_inflight = 200, g_batch_us = 1000;
static struct stats *st;
static struct event_base *base;
static char g_hello[8192]; /* upgrade request + connection_init frame */
static size_t g_hello_len;

/* Per worker: the range of connection numbers it opens. */
static int w_first, w_count, w_opened, w_pending;

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

static void refill(void);

static void conn_close(struct conn *c, int failed)
{
    if (c->state < C_SUBSCRIBED)
        w_pending--;
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
        const uint8_t *t = memmem(p, n, "\"body\":\"t=", 10);
        if (!t)
            return;
        uint64_t sent = 0;
        for (t += 10; t < p + n && *t >= '0' && *t <= '9'; t++)
            sent = sent * 10 + (uint64_t)(*t - '0');
        uint64_t now = now_us(), b = now > sent ? (now - sent) / 100 : 0;
        st->hist[b > HIST ? HIST : b]++;
        st->deliveries++;
        return;
    }
    if (c->state == C_INIT && memmem(p, n, "\"connection_ack\"", 16)) {
        char sub[512];
        int len = snprintf(sub, sizeof sub,
                           "{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":{\"query\":"
                           "\"subscription { messageAdded(roomId: \\\"%s\\\") { body } }\"}}",
                           g_room);
        ws_client_send_frame(c->fd, 1, sub, (size_t)len);
        c->state = C_SUBSCRIBED;
        st->subscribed++;
        w_pending--;
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

static void on_connected(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)what;
    if (ws_client_connect_done(fd) < 0) {
        conn_close(c, 1);
        return;
    }
    /* The request and connection_init in one write: the bytes after the request
     * head belong to the WebSocket (crm-pushd hands them over), and the init
     * timeout cannot catch a generator slow to read the 101. */
    if (write(fd, g_hello, g_hello_len) != (ssize_t)g_hello_len) {
        conn_close(c, 1);
        return;
    }
    c->state = C_UPGRADING;
    c->ws.upgrading = 1;
    event_assign(&c->ev, base, fd, EV_READ | EV_PERSIST, on_read, c);
    event_add(&c->ev, NULL);
}

/* Starts a non-blocking connect for connection number i; 0 or -1. */
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
    c->state = C_CONNECTING;
    event_assign(&c->ev, base, fd, EV_WRITE, on_connected, c);
    event_add(&c->ev, NULL);
    return 0;
}

/* Keeps up to g_inflight connections between connect and subscribe. */
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
    (void)fd;
    (void)what;
    (void)arg;
    refill();
    st->cpu_us = cpu_self_us();
}

static void worker(int first, int count)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    base = event_base_new();
    w_first = first;
    w_count = count;
    struct event *tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
    struct timeval tv = {0, 100000};
    event_add(tick, &tv);
    refill();
    if (g_batch_us == 0)
        event_base_dispatch(base);
    /* Batched: every g_batch_us, handle all the sockets that became readable.
     * A worker woken per frame would preempt crm-pushd once per delivery on a
     * loaded machine, and measure the scheduler rather than the server. */
    for (;;) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        usleep((useconds_t)g_batch_us);
    }
}

/* ---- the parent: publisher and report ---- */

static int redis_fd = -1;

static int redis_connect(int port)
{
    redis_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(0x7f000001u);
    if (redis_fd < 0 || connect(redis_fd, (struct sockaddr *)&a, sizeof a) < 0)
        return -1;
    return fcntl(redis_fd, F_SETFL, O_NONBLOCK);
}

/* XADDs one entry as crm-api does, its body the send time; replies are drained. */
static void publish_one(const char *room)
{
    static unsigned long seq;
    char body[40], key[40], cmd[512];
    snprintf(body, sizeof body, "t=%llu", (unsigned long long)now_us());
    snprintf(key, sizeof key, "bench-%d-%lu", getpid(), ++seq);
    int n = snprintf(cmd, sizeof cmd,
                     "*13\r\n$4\r\nXADD\r\n$9\r\ncrm:msg:0\r\n$1\r\n*\r\n$1\r\nv\r\n$1\r\n1\r\n"
                     "$4\r\nroom\r\n$%zu\r\n%s\r\n$6\r\nsender\r\n$1\r\n1\r\n$3\r\nkey\r\n$%zu\r\n%s\r\n"
                     "$4\r\nbody\r\n$%zu\r\n%s\r\n",
                     strlen(room), room, strlen(key), key, strlen(body), body);
    if (write(redis_fd, cmd, (size_t)n) < 0)
        perror("redis write");
    char sink[4096];
    while (read(redis_fd, sink, sizeof sink) > 0)
        ;
}

/* CPU seconds of pid's children (crm-pushd's processes), from /proc. */
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
        char *p = strrchr(stat, ')'); /* fields 14, 15 (utime, stime) follow the name */
        unsigned long ut = 0, stt = 0;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) == 2)
            total += (double)(ut + stt) / (double)sysconf(_SC_CLK_TCK);
    }
    return total;
}

static void sum_counts(const struct stats *w, int procs, struct stats *out)
{
    memset(out, 0, offsetof(struct stats, hist));
    for (int i = 0; i < procs; i++) {
        out->connected += w[i].connected;
        out->subscribed += w[i].subscribed;
        out->deliveries += w[i].deliveries;
        out->closed += w[i].closed;
        out->failed += w[i].failed;
        out->cpu_us += w[i].cpu_us;
    }
}

static void sum_hist(const struct stats *w, int procs, uint64_t *out)
{
    memset(out, 0, sizeof(uint64_t) * (HIST + 1));
    for (int i = 0; i < procs; i++)
        for (int b = 0; b <= HIST; b++)
            out[b] += w[i].hist[b];
}

static double pct(const uint64_t *h, uint64_t total, double q)
{
    uint64_t want = (uint64_t)((double)total * q), acc = 0;
    for (int b = 0; b <= HIST; b++) {
        acc += h[b];
        if (acc > want || (acc == total && acc))
            return (b + 1) * 0.1; /* upper edge of the bucket, ms */
    }
    return 0;
}

static void sleep_until(uint64_t t)
{
    uint64_t now = now_us();
    if (t > now)
        usleep((useconds_t)(t - now));
}

int main(int argc, char **argv)
{
    int conns = 1000, procs = 1, redis_port = 0, rate = 0, duration = 20, window = 120, opt;
    long pushd_pid = 0;
    while ((opt = getopt(argc, argv, "p:n:P:t:r:R:m:d:w:c:S:C:B:")) != -1) {
        switch (opt) {
        case 'p':
            g_port = atoi(optarg);
            break;
        case 'n':
            conns = atoi(optarg);
            break;
        case 'P':
            procs = atoi(optarg);
            break;
        case 't':
            g_token = optarg;
            break;
        case 'r':
            g_room = optarg;
            break;
        case 'R':
            redis_port = atoi(optarg);
            break;
        case 'm':
            rate = atoi(optarg);
            break;
        case 'd':
            duration = atoi(optarg);
            break;
        case 'w':
            window = atoi(optarg);
            break;
        case 'c':
            g_inflight = atoi(optarg);
            break;
        case 'S':
            g_per_source = atoi(optarg);
            break;
        case 'C':
            pushd_pid = atol(optarg);
            break;
        case 'B':
            g_batch_us = atoi(optarg);
            break;
        default:
            fprintf(stderr, "usage: see the comment in bench/ws_load.c\n");
            return 2;
        }
    }
    if (!g_port || !g_token || !g_room || procs < 1 || procs > MAX_PROCS || conns < 1 || g_inflight < 1 ||
        g_per_source < 1 || g_batch_us < 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    if ((g_hello_len = ws_client_hello(g_hello, sizeof g_hello, g_token)) == 0)
        return 2;
    struct stats *shared = mmap(NULL, sizeof(struct stats) * (size_t)procs, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    uint64_t *h0 = calloc(HIST + 1, sizeof *h0), *h1 = calloc(HIST + 1, sizeof *h1);
    if (shared == MAP_FAILED || !h0 || !h1)
        return 1;
    pid_t pids[MAX_PROCS];
    for (int i = 0, first = 0; i < procs; i++) {
        int per = conns / procs + (i < conns % procs);
        pids[i] = fork();
        if (pids[i] == 0) {
            st = &shared[i];
            worker(first, per);
        }
        first += per;
    }

    /* Connect phase: until every socket is subscribed or the window ends. */
    struct stats agg, last = {0}, at_start;
    uint64_t t0 = now_us();
    int sec = 0;
    for (;; sec++) {
        sleep_until(t0 + (uint64_t)(sec + 1) * 1000000u);
        sum_counts(shared, procs, &agg);
        printf("connect t=%ds connected=%llu subscribed=%llu failed=%llu closed=%llu\n", sec + 1,
               (unsigned long long)agg.connected, (unsigned long long)agg.subscribed,
               (unsigned long long)agg.failed, (unsigned long long)agg.closed);
        fflush(stdout);
        if (agg.subscribed + agg.failed + agg.closed >= (uint64_t)conns || sec + 1 >= window)
            break;
    }
    double connect_s = (double)(now_us() - t0) / 1e6;
    sleep(2); /* the last membership checks complete */
    sum_counts(shared, procs, &at_start);
    printf("holding %llu subscribed sockets after %.1f s; publishing %d msg/s for %d s\n",
           (unsigned long long)at_start.subscribed, connect_s, rate, duration);
    fflush(stdout);

    int published = 0;
    double pushd0 = pushd_pid ? children_cpu(pushd_pid) : 0, pushd1 = pushd0;
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    sum_hist(shared, procs, h0);
    last = at_start;
    if (redis_port && rate > 0 && redis_connect(redis_port) == 0) {
        uint64_t p0 = now_us(), gap = 1000000u / (uint64_t)rate;
        for (sec = 0; sec < duration; sec++) {
            uint64_t end = p0 + (uint64_t)(sec + 1) * 1000000u;
            while (now_us() < end) {
                publish_one(g_room);
                published++;
                sleep_until(p0 + (uint64_t)published * gap < end ? p0 + (uint64_t)published * gap : end);
            }
            sum_counts(shared, procs, &agg);
            printf("publish t=%ds published=%d subscribed=%llu deliveries/s=%llu\n", sec + 1, published,
                   (unsigned long long)agg.subscribed,
                   (unsigned long long)(agg.deliveries - last.deliveries));
            fflush(stdout);
            last = agg;
        }
        /* Stragglers: until every delivery is in, at most 5 s. */
        uint64_t want = at_start.deliveries + (uint64_t)published * at_start.subscribed;
        for (int i = 0; i < 50; i++) {
            sum_counts(shared, procs, &agg);
            if (agg.deliveries >= want)
                break;
            usleep(100000);
        }
        if (pushd_pid)
            pushd1 = children_cpu(pushd_pid);
    }
    usleep(200000); /* the workers' CPU figures are refreshed */
    sum_counts(shared, procs, &agg);
    getrusage(RUSAGE_SELF, &ru1);
    sum_hist(shared, procs, h1);
    for (int i = 0; i < procs; i++)
        kill(pids[i], SIGTERM);
    for (int i = 0; i < procs; i++)
        waitpid(pids[i], NULL, 0);

    uint64_t total = 0;
    for (int b = 0; b <= HIST; b++) {
        h1[b] -= h0[b];
        total += h1[b];
    }
    double parent_cpu =
        (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
        (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) /
            1e6;
    double gen_cpu = (double)(agg.cpu_us - at_start.cpu_us) / 1e6 + parent_cpu;
    double pushd_cpu = pushd1 - pushd0;
    uint64_t expected = (uint64_t)published * at_start.subscribed;
    double maxms = 0;
    for (int b = HIST; b >= 0; b--)
        if (h1[b]) {
            maxms = (b + 1) * 0.1;
            break;
        }
    printf("RESULT sockets=%llu connect_s=%.1f failed=%llu published=%d deliveries=%llu expected=%llu "
           "deliveries_per_s=%.0f p50_ms=%.1f p99_ms=%.1f p999_ms=%.1f max_ms=%.1f%s "
           "loadgen_cpu_s=%.2f loadgen_us_per_delivery=%.2f pushd_cpu_s=%.2f pushd_us_per_delivery=%.2f\n",
           (unsigned long long)at_start.subscribed, connect_s, (unsigned long long)agg.failed, published,
           (unsigned long long)total, (unsigned long long)expected, duration ? (double)total / duration : 0,
           pct(h1, total, 0.5), pct(h1, total, 0.99), pct(h1, total, 0.999), maxms, h1[HIST] ? "(10s+)" : "",
           gen_cpu, total ? gen_cpu * 1e6 / (double)total : 0, pushd_cpu,
           total ? pushd_cpu * 1e6 / (double)total : 0);
    return 0;
}
