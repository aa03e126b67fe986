/* graphql-transport-ws, the server side of one socket, as the graphql-ws library
 * defines it: a state machine that takes text messages in and calls the host's
 * operations to send messages, close, authenticate and (un)subscribe. No I/O, no
 * event loop: unit tests drive it with strings. */
#ifndef CRM_PUSH_GTWS_H
#define CRM_PUSH_GTWS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* Close codes of graphql-ws (common.ts CloseCode). */
enum gtws_close_code {
    GTWS_CLOSE_INTERNAL = 4500,
    GTWS_CLOSE_BAD_REQUEST = 4400,    /* invalid or unexpected message */
    GTWS_CLOSE_UNAUTHORIZED = 4401,   /* subscribe before connection_ack */
    GTWS_CLOSE_FORBIDDEN = 4403,      /* bad, expired or revoked token */
    GTWS_CLOSE_SUBPROTOCOL = 4406,    /* upgrade without graphql-transport-ws */
    GTWS_CLOSE_INIT_TIMEOUT = 4408,   /* no connection_init in time */
    GTWS_CLOSE_DUPLICATE = 4409,      /* subscribe with an id still in use */
    GTWS_CLOSE_TOO_MANY_INITS = 4429, /* a second connection_init */
    /* Also 4429 (reason "Too many connections"): the user holds
     * CRM_WS_MAX_SOCKETS_PER_USER sockets already. graphql-ws clients do not
     * retry on 4429, which is what a refused socket should do. */
    GTWS_CLOSE_TOO_MANY_SOCKETS = 4429,
};

#define GTWS_MAX_ID 128   /* bytes of a subscription id */
#define GTWS_MAX_DEPTH 16 /* JSON nesting of one message */

enum gtws_state {
    GTWS_WAIT_INIT = 0, /* socket open, no connection_init yet */
    GTWS_INIT_PENDING,  /* connection_init received, token being checked */
    GTWS_READY,         /* connection_ack sent */
    GTWS_CLOSED,        /* close requested: further input is ignored */
};

/* The per-socket state: one byte, kept in the connection struct. */
struct gtws {
    uint8_t state; /* enum gtws_state */
};

/* What the state machine asks of its host. Strings are borrowed for the call. */
struct gtws_ops {
    /* Queue one text message. */
    void (*send)(void *host, const char *text, size_t len);
    /* Start the close handshake with code and reason. */
    void (*close)(void *host, int code, const char *reason);
    /* Check the token of connection_init; the host answers later (or at once)
     * with gtws_init_done. */
    void (*init)(void *host, const char *token, size_t len);
    /* 1 if id names a subscription that is active or being set up. */
    int (*has_id)(void *host, const char *id, size_t len);
    /* Start subscription id with payload {query, variables?, operationName?,
     * extensions?} (checked for shape). The host replies next/error/complete. */
    void (*subscribe)(void *host, const char *id, size_t len, json_object *payload);
    /* The client completes id (maybe unknown: then nothing happens). */
    void (*complete)(void *host, const char *id, size_t len);
};

/* Handles one text message of len bytes (any bytes; invalid JSON closes 4400). */
void gtws_on_text(struct gtws *g, const struct gtws_ops *ops, void *host, const char *text, size_t len);

/* The host's answer to ops->init: ok sends connection_ack, else closes 4403. */
void gtws_init_done(struct gtws *g, const struct gtws_ops *ops, void *host, int ok);

/* The connection_init timeout ran out: closes 4408 unless init was received. */
void gtws_init_timeout(struct gtws *g, const struct gtws_ops *ops, void *host);

/* Closes with code and reason (the host's own reasons: token expiry, revocation). */
void gtws_close(struct gtws *g, const struct gtws_ops *ops, void *host, int code, const char *reason);

/* Sends {"id":id,"type":"error","payload":errors} (errors: a JSON array, borrowed). */
void gtws_send_error(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id, size_t id_len,
                     json_object *errors);

/* Sends one GraphQL error {"message":msg,"extensions":{"code":code}} as `error`. */
void gtws_send_error_msg(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id,
                         size_t id_len, const char *code, const char *msg);

/* Sends {"id":id,"type":"complete"}. */
void gtws_send_complete(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id,
                        size_t id_len);

/* Messages of one subscription whose id the host keeps JSON-encoded (quotes
 * included), as sent on every delivery. */

/* Writes `{"id":<id_json>,"type":"next","payload":` into out (cap bytes): the
 * head of a `next`, whose payload (the execution result) follows, then
 * GTWS_NEXT_TAIL. Returns the length, or 0 when it does not fit. */
size_t gtws_next_head(char *out, size_t cap, const char *id_json, size_t id_json_len);
#define GTWS_NEXT_TAIL "}"
#define GTWS_NEXT_HEAD_MAX (GTWS_MAX_ID * 6 + 64)

/* Sends an `error` with one GraphQL error {message, extensions: {code}}. */
void gtws_sub_error(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id_json,
                    size_t id_json_len, const char *code, const char *msg);

/* Sends an `error` whose payload is errors (a JSON array, borrowed). */
void gtws_sub_errors(struct gtws *g, const struct gtws_ops *ops, void *host, const char *id_json,
                     size_t id_json_len, json_object *errors);

/* Writes id as a JSON string (quotes and escapes) into out (cap bytes); returns
 * the length, or 0 when it does not fit. */
size_t gtws_json_string(char *out, size_t cap, const char *s, size_t len);

#endif
