/* The HTTP side of a WebSocket opening handshake (RFC 6455 section 4.2): checks
 * an upgrade request head and computes Sec-WebSocket-Accept. Pure: no I/O, no
 * logging, so it is tested by feeding request heads. */
#ifndef CRM_PUSH_WS_HANDSHAKE_H
#define CRM_PUSH_WS_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#define WS_SUBPROTOCOL "graphql-transport-ws"
#define WS_ACCEPT_LEN 28 /* base64 of a SHA-1 digest */

enum ws_hs_result {
    WS_HS_OK = 0,
    WS_HS_NOT_UPGRADE = -1, /* no "Upgrade: websocket": a plain HTTP request */
    WS_HS_EBAD = -2,        /* 400: not GET, not HTTP/1.1, no Host, bad or missing key */
    WS_HS_EVERSION = -3,    /* 426: Sec-WebSocket-Version is not 13 */
    WS_HS_EORIGIN = -4,     /* 403: Origin present and not in the allow-list */
};

struct ws_handshake {
    char accept[WS_ACCEPT_LEN + 1]; /* Sec-WebSocket-Accept value, NUL-terminated */
    int subprotocol_ok;             /* 1 if the client offered graphql-transport-ws; else the
                           upgrade completes without a subprotocol and the socket is
                           closed with 4406, as graphql-ws servers do */
};

/* Checks the request head (request line and headers, CRLF separated, without
 * the final empty line or with it; len bytes, need not be NUL-terminated) against
 * origins (a comma-separated allow-list; a request without Origin is allowed:
 * only browsers send it, and they always do). Fills out on WS_HS_OK. */
int ws_handshake_check(const char *head, size_t len, const char *origins, struct ws_handshake *out);

/* Sec-WebSocket-Accept for key (its base64 text as sent): base64(SHA-1(key + GUID)). */
void ws_handshake_accept(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1]);

/* SHA-1 (FIPS 180-4) of data; only for the handshake, which RFC 6455 fixes to it. */
void ws_sha1(const void *data, size_t len, uint8_t out[20]);

#endif
