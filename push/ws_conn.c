/* WebSocket transport of crm-pushd. Reasons, in short:
 * - Reads go into one buffer per process and are handed to wslay through its
 *   recv callback; wslay's context is created on the first byte of a frame and
 *   freed again once every frame fed to it is complete, so idle sockets cost no
 *   wslay memory (its context embeds two 4 KiB buffers).
 * - Everything wslay sends (pong replies, close frames) and every frame we build
 *   goes into one output queue per socket, so frames stay in order; wslay's send
 *   callback always takes all bytes, so wslay itself never holds output.
 * - Server frames are unmasked, so a payload serialised once is written to
 *   every subscriber by reference; only the frame header and the id differ. */
#include "config.h"

#include "ws_conn.h"

#include "log.h"
#include "metrics.h"
#include "pushd.h"
#include "session.h"
#include "utf8.h"
#include "ws_uring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static uint8_t read_buf[65536]; /* one per process: reads are handled at once */
static struct ws_conn *in_recv; /* the socket inside wslay_event_recv, if any */
static const uint8_t *feed_ptr; /* the bytes wslay's recv callback hands out */
static size_t feed_left;
static struct ws_conn *dirty_head;

static void mark_dirty(struct ws_conn *c)
{
    if (c->dirty || c->dead)
        return;
    c->dirty = 1;
    ws_conn_ref(c); /* the dirty list's: an abort before the flush frees nothing it holds */
    c->dirty_next = dirty_head;
    if (!dirty_head)
        event_active(pushd->flush, EV_TIMEOUT, 0);
    dirty_head = c;
}

/* Appends a chunk; over the byte limit the socket is cut off. */
static int enqueue(struct ws_conn *c, const char *head, size_t head_len, struct push_buf *shared,
                   const char *tail, size_t tail_len)
{
    if (c->dead)
        return -1;
    size_t total = head_len + (shared ? shared->len : 0) + tail_len;
    if (c->cutoff)
        return -1;
    if (c->queued + total > WS_MAX_QUEUED_BYTES) {
        /* Cut off at the next flush, outside whatever callback is running. */
        push_metrics.slow_consumers++;
        log_warn("socket %d user %lld: %u bytes queued, limit %u: closing slow consumer", c->fd,
                 (long long)c->user_id, c->queued, WS_MAX_QUEUED_BYTES);
        c->cutoff = 1;
        c->proto.state = GTWS_CLOSED;
        mark_dirty(c);
        return -1;
    }
    ws_outq_push(&c->out, head, head_len, shared, tail, tail_len);
    c->queued += (uint32_t)total;
    mark_dirty(c);
    return 0;
}

void ws_conn_send_text(struct ws_conn *c, const char *text, size_t len)
{
    if (c->closing || c->dead)
        return;
    uint8_t h[WS_FRAME_HEADER_MAX];
    size_t hl = ws_frame_header(h, WSLAY_TEXT_FRAME, len);
    struct push_buf *b = push_buf_new(len);
    if (!b) {
        crm_oom();
    }
    memcpy(b->data, text, len);
    if (enqueue(c, (const char *)h, hl, b, NULL, 0) == 0) {
        push_metrics.messages_sent++;
    }
    push_buf_unref(b);
}

int ws_conn_send_shared(struct ws_conn *c, const char *head, size_t head_len, struct push_buf *payload,
                        const char *tail, size_t tail_len)
{
    if (c->closing || c->dead)
        return -1;
    char hb[WS_FRAME_HEADER_MAX + 256];
    size_t len = head_len + payload->len + tail_len;
    size_t hl = ws_frame_header((uint8_t *)hb, WSLAY_TEXT_FRAME, len);
    if (head_len > sizeof hb - hl)
        return -1;
    memcpy(hb + hl, head, head_len);
    if (enqueue(c, hb, hl + head_len, payload, tail, tail_len) < 0)
        return -1;
    push_metrics.messages_sent++;
    return 0;
}

struct push_buf *ws_frame_build(const char *head, size_t head_len, const struct push_buf *payload,
                                const char *tail, size_t tail_len)
{
    uint8_t h[WS_FRAME_HEADER_MAX];
    size_t len = head_len + payload->len + tail_len;
    if (head_len > 256)
        return NULL;
    size_t hl = ws_frame_header(h, WSLAY_TEXT_FRAME, len);
    struct push_buf *b = push_buf_new(hl + len);
    if (!b)
        return NULL;
    char *p = b->data;
    memcpy(p, h, hl);
    memcpy(p += hl, head, head_len);
    memcpy(p += head_len, payload->data, payload->len);
    memcpy(p + payload->len, tail, tail_len);
    return b;
}

int ws_conn_send_frame(struct ws_conn *c, struct push_buf *frame)
{
    if (c->closing || c->dead)
        return -1;
    if (enqueue(c, NULL, 0, frame, NULL, 0) < 0)
        return -1;
    push_metrics.messages_sent++;
    return 0;
}

/* ---- wslay callbacks ---- */

static ssize_t on_wslay_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    struct ws_conn *c = user;
    (void)flags;
    if (feed_left == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = len < feed_left ? len : feed_left;
    memcpy(buf, feed_ptr, n);
    feed_ptr += n;
    feed_left -= n;
    c->fed += (uint32_t)n;
    return (ssize_t)n;
}

static ssize_t on_wslay_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                             void *user)
{
    struct ws_conn *c = user;
    (void)flags;
    if (enqueue(c, (const char *)data, len, NULL, NULL, 0) < 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t)len;
}

static void on_frame_start(wslay_event_context_ptr ctx, const struct wslay_event_on_frame_recv_start_arg *arg,
                           void *user)
{
    struct ws_conn *c = user;
    uint64_t n = arg->payload_length;
    c->accounted += (uint32_t)(2 + (n < 126 ? 0 : n < 65536 ? 2 : 8) + 4 + n);
    c->in_frame = 1;
    if (arg->opcode == WSLAY_CONNECTION_CLOSE && n == 1 && !c->closing) {
        /* A close payload is empty or a 2-byte code (RFC 6455 5.5.1): one byte is
         * a protocol error. wslay would echo it as a close without a code, so the
         * 1002 is queued first; wslay queues no second close after it. */
        c->closing = 1;
        wslay_event_queue_close(ctx, WSLAY_CODE_PROTOCOL_ERROR, NULL, 0);
    }
    if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME ||
        arg->opcode == WSLAY_CONTINUATION_FRAME)
        c->frag_open = !arg->fin;
}

static void on_frame_end(wslay_event_context_ptr ctx, void *user)
{
    struct ws_conn *c = user;
    (void)ctx;
    c->in_frame = 0;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    struct ws_conn *c = user;
    if (arg->opcode == WSLAY_PONG) {
        c->awaiting_pong = 0;
        return;
    }
    if (arg->opcode != WSLAY_TEXT_FRAME && arg->opcode != WSLAY_BINARY_FRAME)
        return; /* ping is answered and close handled by wslay */
    if (arg->opcode == WSLAY_TEXT_FRAME && crm_utf8_count((const char *)arg->msg, arg->msg_length) < 0 &&
        memchr(arg->msg, 0, arg->msg_length) == NULL) {
        /* Invalid UTF-8 in a text message (RFC 6455 8.1). A NUL is valid UTF-8
         * but not valid JSON text: that is for gtws (4400). */
        c->closing = 1;
        wslay_event_queue_close(ctx, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA, NULL, 0);
        return;
    }
    gtws_on_text(&c->proto, &session_ops, c, (const char *)arg->msg, arg->msg_length);
}

static const struct wslay_event_callbacks wslay_cbs = {
    .recv_callback = on_wslay_recv,
    .send_callback = on_wslay_send,
    .on_frame_recv_start_callback = on_frame_start,
    .on_frame_recv_end_callback = on_frame_end,
    .on_msg_recv_callback = on_msg,
};

static int ensure_ctx(struct ws_conn *c)
{
    if (c->ws)
        return 0;
    if (wslay_event_context_server_init(&c->ws, &wslay_cbs, c) != 0) {
        c->ws = NULL;
        return -1;
    }
    wslay_event_config_set_max_recv_msg_length(c->ws, WS_MAX_MESSAGE);
    c->fed = c->accounted = 0;
    c->in_frame = c->frag_open = 0;
    return 0;
}

/* Frees wslay's context when nothing is in progress in it. */
static void maybe_drop_ctx(struct ws_conn *c)
{
    if (c->ws && !c->closing && !c->in_frame && !c->frag_open && c->fed == c->accounted &&
        !wslay_event_want_write(c->ws)) {
        wslay_event_context_free(c->ws);
        c->ws = NULL;
    }
}

/* After wslay ran: push its output, finish a completed close handshake. */
static void after_wslay(struct ws_conn *c)
{
    if (c->dead || !c->ws)
        return;
    if (wslay_event_send(c->ws) != 0) {
        ws_conn_abort(c, "wslay send failed");
        return;
    }
    if (wslay_event_get_close_sent(c->ws)) {
        c->closing = 1;
        if (!c->close_deadline)
            c->close_deadline = pushd_now() + WS_CLOSE_WAIT_SEC;
    }
    if (wslay_event_get_close_received(c->ws) && !c->closing) {
        /* wslay queued the reply; it goes out with the next send. */
        c->closing = 1;
    }
    maybe_drop_ctx(c);
}

static void feed(struct ws_conn *c, const uint8_t *data, size_t n)
{
    if (ensure_ctx(c) < 0) {
        ws_conn_abort(c, "out of memory");
        return;
    }
    feed_ptr = data;
    feed_left = n;
    in_recv = c;
    int rv = wslay_event_recv(c->ws);
    in_recv = NULL;
    feed_left = 0;
    if (c->dead)
        return;
    if (rv != 0 && rv != WSLAY_ERR_NOMEM) {
        /* A frame-level protocol error (e.g. a control frame over 125 bytes):
         * wslay stops reading and returns an error; the close frame (1002) is
         * written here and the socket closed once it is out. */
        if (!wslay_event_get_close_sent(c->ws)) {
            uint8_t f[4] = {0x88, 2, WSLAY_CODE_PROTOCOL_ERROR >> 8, WSLAY_CODE_PROTOCOL_ERROR & 0xff};
            c->closing = 0;
            enqueue(c, (const char *)f, sizeof f, NULL, NULL, 0);
        }
        c->closing = 1;
        c->proto.state = GTWS_CLOSED;
        wslay_event_context_free(c->ws);
        c->ws = NULL;
        return;
    } else if (rv != 0) {
        ws_conn_abort(c, "out of memory in wslay");
        return;
    }
    after_wslay(c);
}

/* ---- socket I/O ---- */

static void unlink_conn(struct ws_conn *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        pushd->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    pushd->nconns--;
}

static void conn_free(struct ws_conn *c)
{
    free(c);
}

void ws_conn_ref(struct ws_conn *c)
{
    c->refs++;
}

void ws_conn_unref(struct ws_conn *c)
{
    if (--c->refs == 0)
        conn_free(c);
}

void ws_conn_abort(struct ws_conn *c, const char *why)
{
    if (c->dead)
        return;
    if (why)
        log_info("socket %d user %lld: closed (%s)", c->fd, (long long)c->user_id, why);
    c->dead = 1;
    c->proto.state = GTWS_CLOSED;
    session_end(c);
    event_del(&c->rev);
    event_del(&c->wev);
    close(c->fd);
    c->fd = -1;
    ws_outq_clear(&c->out);
    c->queued = 0;
    if (c->ws) {
        wslay_event_context_free(c->ws);
        c->ws = NULL;
    }
    unlink_conn(c);
    push_metrics.sockets--;
    ws_conn_unref(c); /* the loop's reference */
}

static ssize_t fd_writev(void *arg, const struct iovec *iov, int iovcnt)
{
    return writev(*(const int *)arg, iov, iovcnt);
}

/* Writes as much of the queue as the socket takes. */
static void flush(struct ws_conn *c)
{
    while (c->out.head && !c->dead) {
        ssize_t w = ws_outq_write(&c->out, fd_writev, &c->fd);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                event_add(&c->wev, NULL);
                return;
            }
            if (errno == EINTR)
                continue;
            ws_conn_abort(c, "write failed");
            return;
        }
        push_metrics.bytes_out += (uint64_t)w;
        c->queued -= (uint32_t)w;
    }
    if (c->dead)
        return;
    /* Output drained: a close handshake may be complete, replay may continue. */
    if (c->closing && c->ws && wslay_event_get_close_sent(c->ws) &&
        (wslay_event_get_close_received(c->ws) || !wslay_event_want_read(c->ws))) {
        ws_conn_abort(c, NULL);
        return;
    }
    if (c->closing && !c->ws) {
        ws_conn_abort(c, NULL);
        return;
    }
    session_drained(c);
}

/* A batch of sockets whose writes go to io_uring together (ws_uring.h): each
 * its pieces, its message header and a reference (the dirty list's). */
static struct iovec batch_iov[WS_URING_BATCH][WS_OUTQ_IOV_MAX];
static struct msghdr batch_msg[WS_URING_BATCH];
static struct ws_conn *batch_conn[WS_URING_BATCH];
static int batch_fd[WS_URING_BATCH], batch_res[WS_URING_BATCH];

static void flush_batch(int n)
{
    ws_uring_send(batch_fd, batch_msg, n, batch_res);
    for (int i = 0; i < n; i++) {
        struct ws_conn *c = batch_conn[i];
        int res = batch_res[i];
        if (c->dead) {
            /* aborted while the batch was handled: its result is moot */
        } else if (res >= 0) {
            push_metrics.bytes_out += (uint64_t)res;
            c->queued -= (uint32_t)res;
            ws_outq_consume(&c->out, (size_t)res);
            flush(c); /* the rest, if the socket took part; then the drained checks */
        } else if (res == -EAGAIN || res == -EWOULDBLOCK) {
            event_add(&c->wev, NULL);
        } else if (res == -EINTR || res == WS_URING_NOT_SENT) {
            flush(c);
        } else {
            ws_conn_abort(c, "write failed");
        }
        ws_conn_unref(c);
    }
}

void ws_conn_flush_all(void)
{
    while (dirty_head) {
        struct ws_conn *list = dirty_head;
        int n = 0;
        dirty_head = NULL;
        while (list) {
            struct ws_conn *c = list;
            list = c->dirty_next;
            c->dirty = 0;
            c->dirty_next = NULL;
            if (c->dead || event_pending(&c->wev, EV_WRITE, NULL)) {
                if (!c->dead && c->cutoff)
                    ws_conn_abort(c, "slow consumer");
                ws_conn_unref(c);
                continue;
            }
            if (c->cutoff) {
                ws_conn_abort(c, "slow consumer");
            } else if (c->out.head && ws_uring_on()) {
                batch_conn[n] = c; /* keeps the list's reference until written */
                batch_fd[n] = c->fd;
                memset(&batch_msg[n], 0, sizeof batch_msg[n]);
                batch_msg[n].msg_iov = batch_iov[n];
                batch_msg[n].msg_iovlen = (size_t)ws_outq_iov(&c->out, batch_iov[n]);
                if (++n == WS_URING_BATCH) {
                    flush_batch(n);
                    n = 0;
                }
                continue;
            } else {
                flush(c);
            }
            ws_conn_unref(c);
        }
        if (n)
            flush_batch(n);
    }
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    struct ws_conn *c = arg;
    (void)fd;
    (void)what;
    ws_conn_ref(c);
    if (c->cutoff)
        ws_conn_abort(c, "slow consumer");
    else
        flush(c);
    ws_conn_unref(c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    struct ws_conn *c = arg;
    (void)what;
    ws_conn_ref(c);
    for (int rounds = 0; rounds < 4 && !c->dead; rounds++) {
        ssize_t n = read(fd, read_buf, sizeof read_buf);
        if (n > 0) {
            feed(c, read_buf, (size_t)n);
            if ((size_t)n < sizeof read_buf)
                break;
            continue;
        }
        if (n == 0) {
            ws_conn_abort(c, c->closing ? NULL : "peer closed the connection");
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            ws_conn_abort(c, "read failed");
        break;
    }
    ws_conn_unref(c);
}

void ws_conn_close(struct ws_conn *c, int code, const char *reason)
{
    if (c->dead || c->closing)
        return;
    if (ensure_ctx(c) < 0) {
        ws_conn_abort(c, "out of memory");
        return;
    }
    c->closing = 1;
    size_t rl = reason ? strlen(reason) : 0;
    if (rl > 123)
        rl = 123;
    wslay_event_queue_close(c->ws, (uint16_t)code, (const uint8_t *)reason, rl);
    c->close_deadline = pushd_now() + WS_CLOSE_WAIT_SEC;
    /* Inside wslay_event_recv the send happens in after_wslay; elsewhere now. */
    if (in_recv != c)
        after_wslay(c);
}

void ws_conn_start(int fd, const char *leftover, size_t n, int subprotocol_ok)
{
    struct ws_conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return;
    }
    c->fd = fd;
    c->refs = 1;
    /* Frames are written once per loop turn: Nagle would only add delay. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->created = pushd_now();
    c->next_ping = c->created + (uint32_t)pushd->ping_sec;
    event_assign(&c->rev, pushd->base, fd, EV_READ | EV_PERSIST, on_readable, c);
    event_assign(&c->wev, pushd->base, fd, EV_WRITE, on_writable, c);
    c->next = pushd->conns;
    if (c->next)
        c->next->prev = c;
    pushd->conns = c;
    pushd->nconns++;
    push_metrics.sockets++;
    push_metrics.sockets_total++;
    event_add(&c->rev, NULL);
    if (!subprotocol_ok) {
        gtws_close(&c->proto, &session_ops, c, GTWS_CLOSE_SUBPROTOCOL, "Subprotocol not acceptable");
        return;
    }
    if (n) {
        ws_conn_ref(c);
        feed(c, (const uint8_t *)leftover, n);
        ws_conn_unref(c);
    }
}

static void send_ping(struct ws_conn *c)
{
    uint8_t h[WS_FRAME_HEADER_MAX];
    size_t hl = ws_frame_header(h, WSLAY_PING, 0);
    enqueue(c, (const char *)h, hl, NULL, NULL, 0);
}

void ws_conn_sweep(int64_t unix_now)
{
    uint32_t now = pushd_now();
    for (struct ws_conn *c = pushd->conns, *next; c; c = next) {
        next = c->next; /* only c can be unlinked below */
        ws_conn_ref(c);
        if (c->closing) {
            if (c->close_deadline && now >= c->close_deadline)
                ws_conn_abort(c, "close handshake timed out");
        } else if (c->proto.state == GTWS_WAIT_INIT && now >= c->created + (uint32_t)pushd->init_sec) {
            gtws_init_timeout(&c->proto, &session_ops, c);
        } else if (c->authed && unix_now >= c->token_exp) {
            log_info("socket %d user %lld: token expired", c->fd, (long long)c->user_id);
            gtws_close(&c->proto, &session_ops, c, GTWS_CLOSE_FORBIDDEN, "Forbidden");
        } else if (now >= c->next_ping) {
            if (c->awaiting_pong) {
                push_metrics.pong_timeouts++;
                ws_conn_abort(c, "no pong: peer gone");
            } else {
                c->awaiting_pong = 1;
                c->next_ping = now + (uint32_t)pushd->ping_sec;
                send_ping(c);
            }
        }
        ws_conn_unref(c);
    }
}

void ws_conn_close_all(int code, const char *reason)
{
    /* A close may end a socket at once (a close frame that does not fit its
     * queue aborts it: unlinked and freed), so the list is not walked by next
     * pointers while closing: a snapshot is, each socket held by a reference. */
    size_t n = 0;
    struct ws_conn **all = malloc((pushd->nconns ? pushd->nconns : 1) * sizeof *all);
    if (!all) {
        crm_oom();
    }
    for (struct ws_conn *c = pushd->conns; c; c = c->next) {
        ws_conn_ref(c);
        all[n++] = c;
    }
    for (size_t i = 0; i < n; i++) {
        struct ws_conn *c = all[i];
        if (!c->dead && !c->closing && !c->cutoff) {
            c->proto.state = GTWS_CLOSED;
            ws_conn_close(c, code, reason);
        }
        ws_conn_unref(c);
    }
    free(all);
}
