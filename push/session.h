/* The graphql-transport-ws host of one socket: token checks at connection_init
 * (JWT, then the revocation key in Redis), revocation and expiry, and the
 * subscriptions it starts (subs.c). These are the callbacks of a session: the
 * host operations the gtws state machine calls, and what the socket layer
 * (ws_conn.c) and the revocation channel tell it. */
#ifndef CRM_PUSH_SESSION_H
#define CRM_PUSH_SESSION_H

#include "gtws.h"

#include <stddef.h>

struct ws_conn;

/* The host operations of the gtws state machine, for every socket. */
extern const struct gtws_ops session_ops;

/* The socket is going away: drop its subscriptions. */
void session_end(struct ws_conn *c);

/* The socket's output queue drained: replays waiting for room continue. */
void session_drained(struct ws_conn *c);

/* A token was revoked (jti from the revocation channel): its sockets close 4403. */
void session_revoked(const char *jti, size_t len);

#endif
