/* The values crm-pushd fans out: a message (one stream entry or one persisted
 * row) and a shared, reference-counted byte buffer (a payload serialised once and
 * queued on many sockets). */
#ifndef CRM_PUSH_MESSAGE_H
#define CRM_PUSH_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#define PUSH_ID_MAX 48   /* "<ms>-<seq>" and a NUL */
#define PUSH_TIME_MAX 32 /* "2026-11-25T20:02:19.123Z" and a NUL */

/* A user as Message.sender shows it; shared by the user cache and messages. */
struct push_user {
    uint32_t refs;                  /* owners: the cache and each message */
    int64_t id;                     /* users.id */
    char role[8];                   /* ADMIN, STAFF or PATIENT */
    char created_at[PUSH_TIME_MAX]; /* ISO-8601 UTC with milliseconds */
    char *email;                    /* owned, NUL-terminated */
    char *display_name;             /* owned, NUL-terminated */
};

struct push_message {
    uint32_t refs;     /* the reader, replay buffers, subscriptions waiting */
    uint8_t persisted; /* 1: read from PostgreSQL (PERSISTED), 0: stream (PENDING) */
    uint8_t internal;  /* 1: a staff-only note: never sent to a patient (rooms_may_see) */
    uint64_t ms, seq;  /* the entry ID: position and clock */
    int64_t room_id;
    int64_t sender_id;
    struct push_user *sender; /* a reference, or NULL until looked up (or unknown) */
    char id[PUSH_ID_MAX];     /* "<ms>-<seq>": Message.id and Message.cursor */
    size_t key_len, body_len;
    char *key;  /* idempotency key, points into this allocation */
    char *body; /* body, points into this allocation */
};

/* A new message (refs 1) with copies of key and body; NULL when out of memory. */
struct push_message *push_message_new(uint64_t ms, uint64_t seq, int64_t room_id, int64_t sender_id,
                                      const char *key, size_t key_len, const char *body, size_t body_len,
                                      int persisted);
struct push_message *push_message_ref(struct push_message *m);
void push_message_unref(struct push_message *m); /* NULL is a no-op */

/* A new user (refs 1) with copies of the strings; NULL when out of memory. */
struct push_user *push_user_new(int64_t id, const char *email, size_t email_len, const char *name,
                                size_t name_len, const char *role, size_t role_len, const char *created,
                                size_t created_len);
struct push_user *push_user_ref(struct push_user *u);
void push_user_unref(struct push_user *u); /* NULL is a no-op */

/* Compares positions (ms, seq): <0, 0, >0. */
static inline int push_pos_cmp(uint64_t ams, uint64_t aseq, uint64_t bms, uint64_t bseq)
{
    if (ams != bms)
        return ams < bms ? -1 : 1;
    return aseq < bseq ? -1 : aseq > bseq;
}

/* Writes the ISO-8601 UTC time of ms since the epoch with milliseconds. */
void push_iso8601(uint64_t ms, char out[PUSH_TIME_MAX]);

/* A shared byte buffer: bytes are written once, then only read. */
struct push_buf {
    uint32_t refs;
    uint32_t len;
    char data[];
};

/* A buffer of len bytes (refs 1, contents uninitialised); NULL when out of memory. */
struct push_buf *push_buf_new(size_t len);
struct push_buf *push_buf_ref(struct push_buf *b);
void push_buf_unref(struct push_buf *b); /* NULL is a no-op */

#endif
