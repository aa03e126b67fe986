/* One WebSocket of crm-pushd after the upgrade: RFC 6455 framing through wslay,
 * a bounded output queue of frames (shared payloads are referenced, not copied),
 * keepalive pings, the close handshake. The graphql-transport-ws state machine
 * (gtws) runs on top; session.c implements its host operations.
 *
 * Memory: an idle socket holds only this struct. wslay's context (about 9 KiB)
 * exists only while a frame is being received or a close is in progress. */
#ifndef CRM_PUSH_WS_CONN_H
#define CRM_PUSH_WS_CONN_H

#include "gtws.h"
#include "message.h"
#include "token.h"
#include "ws_outq.h"

#include <event2/event.h>
#include <event2/event_struct.h>
#include <stddef.h>
#include <stdint.h>
#include <wslay/wslay.h>

struct sub;

struct ws_conn {
    struct event rev;                    /* EV_READ|EV_PERSIST on fd */
    struct event wev;                    /* EV_WRITE, added while output is pending */
    struct ws_conn *prev, *next;         /* pushd->conns */
    struct ws_conn *dirty_next;          /* list of sockets with output to flush this turn */
    wslay_event_context_ptr ws;          /* NULL while idle (see above) */
    struct ws_outq out;                  /* frames to write, in order */
    uint32_t queued;                     /* unsent bytes in the output queue */
    uint32_t fed;                        /* bytes given to the current wslay context */
    uint32_t accounted;                  /* bytes of frames wslay has started: header + payload */
    uint32_t created;                    /* pushd_now() at upgrade */
    uint32_t next_ping;                  /* when to ping next */
    uint32_t close_deadline;             /* abort if the close handshake is not done by then */
    uint32_t sub_serial;                 /* serial of the last subscription started */
    int fd;                              /* -1 once closed */
    uint16_t refs;                       /* the loop's reference + callbacks in flight */
    uint8_t nsubs;                       /* subscriptions (pending or active) */
    struct gtws proto;                   /* graphql-transport-ws state */
    unsigned in_frame : 1;               /* wslay is inside a frame */
    unsigned frag_open : 1;              /* a fragmented data message is incomplete */
    unsigned awaiting_pong : 1;          /* a ping is out: a pong is due before next_ping */
    unsigned dirty : 1;                  /* on the dirty list */
    unsigned closing : 1;                /* a close frame is queued: no more data frames */
    unsigned dead : 1;                   /* fd closed, waiting for refs to drop */
    unsigned cutoff : 1;                 /* over the queue limit: aborted at the next flush */
    unsigned authed : 1;                 /* token verified */
    unsigned counted : 1;                /* counted in user_sockets (released at the end) */
    struct sub *subs;                    /* subscriptions of this socket */
    struct sub *ready_head, *ready_tail; /* replays waiting for their next page (replay.c) */
    struct ws_conn *run_next;            /* the replay run queue of sockets (replay.c) */
    unsigned in_run : 1;                 /* on that queue */
    int64_t user_id;                     /* from the token */
    int64_t token_exp;                   /* the token's exp (seconds since the epoch) */
    char jti[CRM_TOKEN_JTI_LEN + 1];     /* revocation handle of the token */
};

/* Takes fd (non-blocking, upgrade answered) and serves it. leftover (n bytes,
 * copied) arrived after the request head and belongs to the WebSocket. With
 * subprotocol_ok 0 the socket is closed with 4406 at once. */
void ws_conn_start(int fd, const char *leftover, size_t n, int subprotocol_ok);

/* Queues one text frame with a copy of text. Ignored once closing. */
void ws_conn_send_text(struct ws_conn *c, const char *text, size_t len);

/* Queues one text frame of head + payload + tail: head and tail are copied, the
 * payload is referenced. Returns 0, or -1 when the socket was cut off as a slow
 * consumer (or is closing). */
int ws_conn_send_shared(struct ws_conn *c, const char *head, size_t head_len, struct push_buf *payload,
                        const char *tail, size_t tail_len);

/* Builds one whole server text frame (header, head, payload, tail) to send to
 * many sockets by reference; NULL when out of memory or head is over 256 bytes.
 * The caller owns the reference returned. */
struct push_buf *ws_frame_build(const char *head, size_t head_len, const struct push_buf *payload,
                                const char *tail, size_t tail_len);

/* Queues a frame of ws_frame_build by reference (no copy). Returns 0, or -1 when
 * the socket was cut off as a slow consumer (or is closing). */
int ws_conn_send_frame(struct ws_conn *c, struct push_buf *frame);

/* Starts the close handshake with code and reason. */
void ws_conn_close(struct ws_conn *c, int code, const char *reason);

/* Closes the socket at once (no handshake): slow consumer, dead peer, errors. */
void ws_conn_abort(struct ws_conn *c, const char *why);

/* References for callbacks that may outlive the socket: check c->dead after. */
void ws_conn_ref(struct ws_conn *c);
void ws_conn_unref(struct ws_conn *c);

/* The 1 s sweep: init timeouts, keepalive, token expiry, close deadlines. */
void ws_conn_sweep(int64_t unix_now);

/* Writes every socket with queued output (the pushd->flush event). */
void ws_conn_flush_all(void);

/* SIGTERM: closes every socket with code (1001). */
void ws_conn_close_all(int code, const char *reason);

#endif
