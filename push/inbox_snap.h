/* The inbox snapshot cache: per room, what inboxUpdated renders (the room row,
 * its members with roles, read positions and unread counts, the last message
 * and the last one a patient may see, the message total), loaded with ONE
 * query through pg_link (the rooms waiting to load go INBOX_LOAD_BATCH to a
 * query), then patched in place by new stream entries and read events (a read
 * behind the newest entry is counted from the room's last INBOX_TAIL entries);
 * other room events reload it (coalesced: one load in flight per room, one
 * more after it at most). Bounded: INBOX_SNAP_MAX rooms, least recently
 * used dropped first. Entries not yet persisted when a snapshot loads are
 * applied from a ring of the last INBOX_RECENT entries the reader saw. */
#ifndef CRM_PUSH_INBOX_SNAP_H
#define CRM_PUSH_INBOX_SNAP_H

#include "message.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define INBOX_SNAP_MAX 20000 /* rooms kept */
#define INBOX_RECENT 4096    /* stream entries remembered for loads */
#define INBOX_LOAD_MS 5000   /* deadline of one load query */
#define INBOX_LOAD_BATCH 200 /* rooms a load query asks for at most */
#define INBOX_LOAD_QUERIES 2 /* load queries in flight at most */
#define INBOX_TAIL 32        /* newest entries a snapshot keeps for reads */

/* An entry as a read behind the newest one recounts it. */
struct snap_entry {
    uint64_t ms, seq;
    int64_t sender_id;
    int internal;
};

struct snap_member {
    struct push_user *u;
    int has_read;
    uint64_t read_ms, read_seq;
    char read_at[PUSH_TIME_MAX];
    int64_t unread;
};

struct snap {
    struct snap *next;                /* hash chain */
    struct snap *lru_prev, *lru_next; /* most recently used first */
    int64_t room_id;
    uint8_t loaded;         /* the fields below hold a load's result */
    uint8_t loading;        /* a load is queued or in flight */
    uint8_t reload;         /* another load is due when it ends */
    uint8_t want;           /* a delivery waits for the load */
    uint8_t want_patients;  /* ... which patients may get (not only notes caused it) */
    uint8_t want_staff;     /* ... which every staff subscriber gets */
    uint32_t pins;          /* deliveries in flight (presence lookups): not evicted */
    struct snap *load_next; /* the rooms waiting for a load query */
    char *name;
    char created[PUSH_TIME_MAX], updated[PUSH_TIME_MAX], public_updated[PUSH_TIME_MAX];
    char status[12];
    json_object *tags;          /* array of strings */
    struct push_user *assignee; /* NULL: unassigned */
    struct push_user *patient;
    int64_t assignee_id;
    struct snap_member *members;
    size_t nmembers;
    struct push_message *last, *last_public; /* NULL: none */
    int64_t total;                           /* messages of the room (for a viewer with no position) */
    uint64_t applied_ms, applied_seq;        /* newest message the snapshot holds */
    /* The newest entries applied since the load, oldest first: every message
     * of the room after (cover_ms, cover_seq) is one of them. */
    struct snap_entry tail[INBOX_TAIL];
    size_t ntail;
    uint64_t cover_ms, cover_seq;
};

/* Called when a load ends (s loaded or, on failure, as it was) with s->want. */
typedef void (*snap_ready_fn)(struct snap *s);

void inbox_snap_init(snap_ready_fn ready);

/* The snapshot of room (moved to the front of the LRU), or NULL. */
struct snap *inbox_snap_find(int64_t room_id);

/* The snapshot of room, created (not loaded, loading) when missing. */
struct snap *inbox_snap_get(int64_t room_id);

/* Queues a load of s, or marks one due after the load in flight. */
void inbox_snap_reload(struct snap *s);

/* A stream entry (every one: the ring); applied to the room's snapshot if it
 * is loaded. Returns the snapshot it changed, or NULL. */
struct snap *inbox_snap_entry(struct push_message *m);

/* A read event: member user_id's position moved to (ms, seq) at read_at.
 * Returns 1 when applied in place, 0 when a reload was queued. */
int inbox_snap_read(struct snap *s, int64_t user_id, uint64_t ms, uint64_t seq, const char *read_at);

/* The member of s with this id, or NULL. */
struct snap_member *inbox_snap_member(struct snap *s, int64_t user_id);

size_t inbox_snap_count(void);

void inbox_snap_shutdown(void);

#endif
