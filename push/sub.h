/* One messageAdded subscription, as the modules that serve it share it:
 * subs.c (its life: start, complete, end, failure, sending), membership.c (the
 * check before anything is sent), replay.c (missed messages), rooms.c (the room
 * table and live fan-out), sub_audit.c (the audit record). Only push/ includes it.
 *
 * A subscription is first PENDING (membership being checked), then REPLAY
 * (with `after`: missed messages are sent while live entries of the room are
 * held), then LIVE. Every subscription remembers the last position it sent and
 * sends only later ones, so the replay sources and the held live entries join
 * with no gap and no duplicate. */
#ifndef CRM_PUSH_SUB_H
#define CRM_PUSH_SUB_H

#include <stddef.h>
#include <stdint.h>

struct ws_conn;
struct room;
struct sub_query;
struct push_message;
struct push_buf;

/* Bound of every database request made for a subscription (membership on a
 * cache miss, replay older than the stream): then it gets an error. */
#define SUB_DB_TIMEOUT_MS 5000

enum sub_state { SUB_PENDING, SUB_REPLAY, SUB_LIVE };

struct sub {
    struct sub *conn_next; /* c->subs */
    struct sub *room_prev, *room_next;
    struct room *room; /* NULL until registered (messageAdded) */
    void *group;       /* typing.c's room or inbox.c's user entry; NULL until registered */
    struct ws_conn *conn;
    struct sub_query *q; /* prepared selection (shared) */
    int64_t room_id;
    int64_t patient_id;         /* the room's patient (0: none), for the audit record */
    uint64_t last_ms, last_seq; /* last position sent (or `after`) */
    uint64_t pg_ms, pg_seq;     /* PostgreSQL is (to be) read below this position */
    uint8_t pg_pending;         /* PostgreSQL must be read up to pg_ms-pg_seq */
    uint32_t serial;            /* identifies this subscription in callbacks */
    uint8_t state;              /* enum sub_state */
    uint8_t kind;               /* enum sub_kind (sub_query.h) */
    uint8_t has_after;          /* subscribed with `after`: replay first */
    uint8_t busy;               /* a Redis or database request for it is in flight */
    uint8_t wait_drain;         /* replay waits for the queue to drain */
    uint8_t viewer_patient;     /* the subscriber is a patient (or its role is unknown): no others' emails */
    uint8_t scheduled;          /* on its socket's list of replays ready for a page (replay.c) */
    struct sub *run_next;       /* that list */
    struct push_message **held; /* live entries held while replaying */
    uint32_t nheld, capheld;
    uint16_t id_len;
    char id[]; /* JSON-encoded id, quotes included */
};

/* A handle for a callback that may outlive the subscription (a Redis or
 * database answer): it holds a reference to the socket. */
struct sub_ref {
    struct ws_conn *conn;
    uint32_t serial;
};

struct sub_ref *sub_ref_new(struct sub *s);

/* The subscription a callback is for, or NULL if it is gone; frees ref. */
struct sub *sub_ref_take(struct sub_ref *ref);

/* The subscription of c with this serial, or NULL. */
struct sub *sub_by_serial(struct ws_conn *c, uint32_t serial);

/* 1 while s (known by its socket and serial) still exists. */
int sub_alive(struct ws_conn *c, uint32_t serial);

/* Sends an `error` (code, message) for s and drops it. */
void sub_fail(struct sub *s, const char *code, const char *msg);

/* Sends m to s as a `next` with a payload already rendered (0, or -1 when the
 * socket took nothing); records m's position as sent. */
int sub_send_payload(struct sub *s, const struct push_message *m, struct push_buf *payload);

/* 1 when s must not see the email of m's sender: s's viewer is a patient (or
 * of a role not known) and m is not their own (crm-api's rule for User.email). */
int sub_hides_email(const struct sub *s, const struct push_message *m);

/* Sends a rendered payload (typing, inboxUpdated) to s as a `next`: 0, or -1
 * when the socket took nothing. */
int sub_send_value(struct sub *s, struct push_buf *payload);

/* Renders m for s alone and sends it, unless s already sent that position. */
int sub_send_one(struct sub *s, struct push_message *m);

/* Membership granted: audited (the subscription fails if Redis refuses the
 * record), then live, or replay then live. */
void sub_granted(struct sub *s);

#endif
