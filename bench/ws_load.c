/* ws_load: WebSocket load generator for crm-pushd. Holds many graphql-transport-ws
 * subscriptions (libevent, raw sockets, a minimal frame parser), spread over
 * processes and over source addresses 127.0.0.2, .3, ... (one address gives
 * ~28k ports per destination). Optionally publishes messages (XADD over a raw
 * Redis connection) whose body carries the send time, and measures delivery
 * latency from XADD to frame received.
 *
 *   ws_load -p PORT -n CONNS -P PROCS -t TOKEN -r ROOM [-R REDIS_PORT -m MSGS_PER_SEC]
 *           [-d SECONDS] [-w WARMUP_SECONDS]
 *
 * Prints one summary line per second and a final report on stdout. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PER_SOURCE 25000 /* sockets per source address */
#define HIST 10000       /* latency buckets of 100 us: 0..1 s */

struct stats {           /* shared by a worker with the parent through a pipe */
    uint64_t connected, subscribed, deliveries, closed;
    uint64_t hist[HIST + 1];
};

struct conn {
    struct event *ev;
    int fd;
    int state; /* 0 connecting/handshake, 1 upgraded, 2 subscribed */
    uint32_t have;
    uint8_t buf[4096];
};

static const char *g_token, *g_room;
static int g_port;
static struct stats *stp; /* this worker's slot in the shared stats */
#define st (*stp)
static struct event_base *base;

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A masked client text frame (mask 0: payload unchanged, still valid). */
static void send_frame(int fd, int opcode, const char *p, size_t n)
{
    uint8_t h[14 + 4096];
    size_t hl = 0;
    h[hl++] = (uint8_t)(0x80 | opcode);
    if (n < 126)
        h[hl++] = (uint8_t)(0x80 | n);
    else {
        h[hl++] = 0x80 | 126;
        h[hl++] = (uint8_t)(n >> 8);
        h[hl++] = (uint8_t)n;
    }
    memset(h + hl, 0, 4);
    hl += 4;
    memcpy(h + hl, p, n);
    if (write(fd, h, hl + n) < 0) {
        /* the socket buffer of a fresh connection takes this */
    }
}

static void on_text(struct conn *c, const char *p, size_t n)
{
    if (c->state == 1 && memmem(p, n, "connection_ack", 14)) {
        char sub[512];
        int len = snprintf(sub, sizeof sub,
                           "{\"id\":\"1\",\"type\":\"subscribe\",\"payload\":{\"query\":"
                           "\"subscription { messageAdded(roomId: \\\"%s\\\") { body } }\"}}",
                           g_room);
        send_frame(c->fd, 1, sub, (size_t)len);
        c->state = 2;
        st.subscribed++;
        return;
    }
    const char *t = memmem(p, n, "\"body\":\"t=", 10);
    if (t) {
        uint64_t sent = strtoull(t + 10, NULL, 10);
        uint64_t now = now_us();
        uint64_t b = now > sent ? (now - sent) / 100 : 0;
        st.hist[b > HIST ? HIST : b]++;
        st.deliveries++;
    }
}

static void conn_close(struct conn *c)
{
    event_free(c->ev);
    close(c->fd);
    free(c);
    st.closed++;
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)what;
    ssize_t r = read(fd, c->buf + c->have, sizeof c->buf - c->have);
    if (r <= 0) {
        if (r < 0 && errno == EAGAIN)
            return;
        conn_close(c);
        return;
    }
    c->have += (uint32_t)r;
    if (c->state == 0) {
        uint8_t *e = memmem(c->buf, c->have, "\r\n\r\n", 4);
        if (!e)
            return;
        if (memcmp(c->buf, "HTTP/1.1 101", 12) != 0) {
            conn_close(c);
            return;
        }
        size_t hl = (size_t)(e + 4 - c->buf);
        memmove(c->buf, c->buf + hl, c->have - hl);
        c->have -= (uint32_t)hl;
        c->state = 1;
        st.connected++;
        char init[2600];
        int n = snprintf(init, sizeof init, "{\"type\":\"connection_init\",\"payload\":{\"token\":\"%s\"}}", g_token);
        send_frame(fd, 1, init, (size_t)n);
    }
    size_t off = 0;
    while (c->have - off >= 2) {
        uint8_t *f = c->buf + off;
        size_t len = f[1] & 127, h = 2;
        if (len == 126) {
            if (c->have - off < 4)
                break;
            len = (size_t)f[2] << 8 | f[3];
            h = 4;
        } else if (len == 127) {
            conn_close(c); /* never sent by crm-pushd for these payloads */
            return;
        }
        if (c->have - off < h + len)
            break;
        int op = f[0] & 15;
        if (op == 1)
            on_text(c, (const char *)f + h, len);
        else if (op == 9)
            send_frame(fd, 10, (const char *)f + h, len);
        else if (op == 8) {
            conn_close(c);
            return;
        }
        off += h + len;
    }
    memmove(c->buf, c->buf + off, c->have - off);
    c->have -= (uint32_t)off;
    if (c->have == sizeof c->buf) {
        conn_close(c);
    }
}

static int open_conn(int src_index)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)src_index);
    int one = 1;
    setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
        close(fd);
        return -1;
    }
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
    dst.sin_addr.s_addr = htonl(0x7f000001u);
    if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct conn *c = calloc(1, sizeof *c);
    c->fd = fd;
    c->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_read, c);
    event_add(c->ev, NULL);
    /* The request goes out once connected; a blocking wait is fine at this rate. */
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    if (poll(&pfd, 1, 2000) <= 0) {
        conn_close(c);
        return -1;
    }
    static const char req[] = "GET / HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                              "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n";
    if (write(fd, req, sizeof req - 1) < 0) {
        conn_close(c);
        return -1;
    }
    return 0;
}

struct worker_ctx {
    int n, first, out, opened, batch;
    struct event *tick;
};

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct worker_ctx *w = arg;
    (void)fd;
    (void)what;
    /* Open connections in batches so the server's accept queue keeps up. */
    for (int i = 0; i < w->batch && w->opened < w->n; i++, w->opened++)
        open_conn((w->first + w->opened) / PER_SOURCE);
    (void)w->out;
}

static void worker(int n, int first, int out)
{
    base = event_base_new();
    struct worker_ctx w = {.n = n, .first = first, .out = out, .batch = 500};
    w.tick = event_new(base, -1, EV_PERSIST, on_tick, &w);
    struct timeval tv = {0, 100000};
    event_add(w.tick, &tv);
    event_base_dispatch(base);
    _exit(0);
}

/* Publisher: XADD msgs_per_sec entries per second over a raw RESP connection. */
static int redis_fd = -1;
static void publish_one(const char *room)
{
    char body[40], cmd[512];
    snprintf(body, sizeof body, "t=%llu", (unsigned long long)now_us());
    static unsigned long seq;
    char key[32];
    snprintf(key, sizeof key, "bench-%d-%lu", getpid(), ++seq);
    int n = snprintf(cmd, sizeof cmd,
                     "*13\r\n$4\r\nXADD\r\n$9\r\ncrm:msg:0\r\n$1\r\n*\r\n$1\r\nv\r\n$1\r\n1\r\n$4\r\nroom\r\n$%zu\r\n%s\r\n"
                     "$6\r\nsender\r\n$1\r\n1\r\n$3\r\nkey\r\n$%zu\r\n%s\r\n$4\r\nbody\r\n$%zu\r\n%s\r\n",
                     strlen(room), room, strlen(key), key, strlen(body), body);
    if (write(redis_fd, cmd, (size_t)n) < 0)
        perror("redis write");
    char sink[4096];
    while (read(redis_fd, sink, sizeof sink) > 0)
        ;
}

static double cpu_of(const struct rusage *r)
{
    return (double)r->ru_utime.tv_sec + r->ru_utime.tv_usec / 1e6 + (double)r->ru_stime.tv_sec +
           r->ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    int conns = 1000, procs = 1, redis_port = 0, rate = 0, duration = 20, warmup = 0, opt;
    const char *sender = "1";
    while ((opt = getopt(argc, argv, "p:n:P:t:r:R:m:d:w:s:")) != -1) {
        switch (opt) {
        case 'p': g_port = atoi(optarg); break;
        case 'n': conns = atoi(optarg); break;
        case 'P': procs = atoi(optarg); break;
        case 't': g_token = optarg; break;
        case 'r': g_room = optarg; break;
        case 'R': redis_port = atoi(optarg); break;
        case 'm': rate = atoi(optarg); break;
        case 'd': duration = atoi(optarg); break;
        case 'w': warmup = atoi(optarg); break;
        case 's': sender = optarg; break;
        default: fprintf(stderr, "usage: see the comment in bench/ws_load.c\n"); return 2;
        }
    }
    (void)sender;
    if (!g_port || !g_token || !g_room || procs < 1)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    pid_t pids[64];
    if (procs > 64)
        procs = 64;
    struct stats *shared = mmap(NULL, sizeof(struct stats) * (size_t)procs, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 1;
    for (int i = 0; i < procs; i++) {
        int per = conns / procs + (i < conns % procs);
        int first = (conns / procs) * i + (i < conns % procs ? i : conns % procs);
        pids[i] = fork();
        if (pids[i] == 0) {
            stp = &shared[i];
            worker(per, first, -1);
        }
    }
    static struct stats agg, last, snap[64], start_snap;
    uint64_t t0 = now_us();
    int published = 0, publishing = 0;
    double pub_start = 0;
    for (int sec = 0;; sec++) {
        /* Publishing starts once every socket is subscribed (or after warmup). */
        uint64_t tick_end = now_us() + 1000000;
        while (now_us() < tick_end) {
            if (publishing && rate > 0) {
                double due = ((double)(now_us() - pub_start)) / 1e6 * rate;
                while (published < due) {
                    publish_one(g_room);
                    published++;
                }
            }
            usleep(rate > 0 && publishing ? 1000 : 50000);
            for (int i = 0; i < procs; i++)
                snap[i] = shared[i];
        }
        memset(&agg, 0, sizeof agg);
        for (int i = 0; i < procs; i++) {
            agg.connected += snap[i].connected;
            agg.subscribed += snap[i].subscribed;
            agg.deliveries += snap[i].deliveries;
            agg.closed += snap[i].closed;
            for (int b = 0; b <= HIST; b++)
                agg.hist[b] += snap[i].hist[b];
        }
        printf("t=%ds connected=%llu subscribed=%llu closed=%llu deliveries/s=%llu\n", sec,
               (unsigned long long)agg.connected, (unsigned long long)agg.subscribed,
               (unsigned long long)agg.closed, (unsigned long long)(agg.deliveries - last.deliveries));
        fflush(stdout);
        last = agg;
        if (!publishing && (agg.subscribed >= (uint64_t)conns || (warmup && sec >= warmup))) {
            if (redis_port && rate > 0) {
                sleep(1); /* let the last subscriptions register */
                redis_fd = socket(AF_INET, SOCK_STREAM, 0);
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)redis_port)};
                a.sin_addr.s_addr = htonl(0x7f000001u);
                if (connect(redis_fd, (struct sockaddr *)&a, sizeof a) < 0)
                    return 1;
                fcntl(redis_fd, F_SETFL, O_NONBLOCK);
            }
            publishing = 1;
            pub_start = (double)now_us();
            start_snap = agg;
            printf("holding %llu subscribed sockets; publishing %d msg/s for %d s\n",
                   (unsigned long long)agg.subscribed, rate, duration);
            fflush(stdout);
            sec = 0;
            continue;
        }
        if (publishing && sec >= duration)
            break;
    }
    sleep(2); /* stragglers */
    for (int i = 0; i < procs; i++)
        snap[i] = shared[i];
    memset(&agg, 0, sizeof agg);
    for (int i = 0; i < procs; i++) {
        agg.deliveries += snap[i].deliveries;
        agg.subscribed += snap[i].subscribed;
        for (int b = 0; b <= HIST; b++)
            agg.hist[b] += snap[i].hist[b];
    }
    uint64_t total = 0;
    for (int b = 0; b <= HIST; b++)
        total += agg.hist[b] - start_snap.hist[b];
    uint64_t acc = 0, p50 = 0, p99 = 0, pmax = 0;
    for (int b = 0; b <= HIST; b++) {
        uint64_t h = agg.hist[b] - start_snap.hist[b];
        if (!h)
            continue;
        if (acc < total / 2 && acc + h >= total / 2)
            p50 = (uint64_t)b * 100;
        if (acc < total * 99 / 100 && acc + h >= total * 99 / 100)
            p99 = (uint64_t)b * 100;
        acc += h;
        pmax = (uint64_t)b * 100;
    }
    for (int i = 0; i < procs; i++)
        kill(pids[i], SIGTERM);
    for (int i = 0; i < procs; i++)
        waitpid(pids[i], NULL, 0);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    double secs = (double)(now_us() - t0) / 1e6;
    printf("RESULT sockets=%llu published=%d deliveries=%llu deliveries_per_s=%.0f p50_ms=%.1f p99_ms=%.1f "
           "max_ms=%.1f loadgen_cpu_s=%.1f wall_s=%.1f\n",
           (unsigned long long)agg.subscribed, published, (unsigned long long)total,
           duration ? (double)total / duration : 0, p50 / 1000.0, p99 / 1000.0, pmax / 1000.0,
           cpu_of(&ru) + cpu_of(&self), secs);
    return 0;
}
