/* The client side of graphql-transport-ws over WebSocket that the bench load
 * generators (ws_load, clinic_load) share: the upgrade request sent with
 * connection_init in one write, masked client frames, and a minimal reader that
 * takes the 101 head, answers pings and hands over text frames, carrying a
 * split frame to the next read. No event loop of its own: the generator calls
 * ws_client_read when its socket is readable. */
#ifndef CRM_BENCH_WS_CLIENT_H
#define CRM_BENCH_WS_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define WS_CLIENT_READ_BUF (256 * 1024) /* bytes one read takes at most */
#define WS_CLIENT_CARRY_MAX 65536       /* longest frame kept across reads */

/* A connection's reading state, inside the generator's own connection struct
 * (zeroed: nothing carried). */
struct ws_client {
    uint8_t upgrading;  /* the 101 head is still to be read */
    uint32_t carry_len; /* bytes in carry */
    uint8_t *carry;     /* an incomplete frame (or response head); NULL if none */
};

/* What ws_client_read says of the connection. */
enum {
    WS_CLIENT_OK = 0,      /* read (or nothing to read yet) */
    WS_CLIENT_EOF = -1,    /* the peer closed, or the read failed */
    WS_CLIENT_FAILED = -2, /* the upgrade was refused (not a 101, or its head too long) */
    WS_CLIENT_CLOSE = -3,  /* a close frame, a frame over the carry limit, out of memory */
};

/* Starts a non-blocking connect to 127.0.0.1:port from 127.0.0.(2 + source):
 * a source address holds only so many ports towards one destination, so a
 * generator spreads its sockets over sources. The fd, or -1. */
int ws_client_connect(int port, int source);

/* 0 when the connect of fd (writable now) succeeded, else -1. */
int ws_client_connect_done(int fd);

/* Writes a masked client frame (mask key 0, so the payload goes as is) of at
 * most 4096 bytes; a longer one is not sent. Write errors show as a close. */
void ws_client_send_frame(int fd, int opcode, const char *p, size_t n);

/* Writes into out (cap bytes) the upgrade request followed by the
 * connection_init frame carrying token. Returns its length, 0 if it does not fit. */
size_t ws_client_hello(char *out, size_t cap, const char *token);

/* Reads what fd has: while w->upgrading, the 101 head first (then
 * on_upgraded(arg)); then every whole frame: text to on_text(arg, payload, n),
 * pings answered. Returns WS_CLIENT_OK or what ends the connection (the caller
 * closes it and calls ws_client_release). Not reentrant: one buffer per process. */
int ws_client_read(int fd, struct ws_client *w, void (*on_upgraded)(void *arg),
                   void (*on_text)(void *arg, const uint8_t *p, size_t n), void *arg);

/* Frees what w carries. */
void ws_client_release(struct ws_client *w);

#endif
