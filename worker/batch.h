/* The entries in hand: read from the streams, parsed once, then stored,
 * acknowledged or dead-lettered as one batch. Items borrow their strings from the
 * Redis replies, which the batch holds until it is reset. */
#ifndef WORKER_BATCH_H
#define WORKER_BATCH_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "audit_entry.h"
#include "stream_entry.h"
#include "streams.h"

enum item_kind {
    ITEM_MESSAGE, /* a message entry (crm:msg:N, or a retry of one) */
    ITEM_AUDIT,   /* an audit entry (crm:audit, or a retry of one) */
};

enum item_state {
    ITEM_NEW,       /* parsed, not yet stored */
    ITEM_STORED,    /* committed (or already there): acknowledge */
    ITEM_GONE,      /* its data was deleted from the stream: nothing to store, acknowledge */
    ITEM_REJECTED,  /* the database refused its content: retry later or dead-letter */
    ITEM_MALFORMED, /* does not parse: dead-letter at once */
};

struct batch_item {
    const char *src_key;                   /* stream it was read from; borrowed from the consumer */
    char id[CRM_ENTRY_ID_MAX];             /* its entry ID there (what XACK takes) */
    const redisReply *fields;              /* field/value array; borrowed from a held reply; NULL if gone */
    size_t first;                          /* index in fields where the entry's own fields start */
    char orig_stream[CRM_STREAM_NAME_MAX]; /* the stream it was first accepted on */
    char orig_id[CRM_ENTRY_ID_MAX];        /* its position there */
    uint64_t ms, seq;                      /* orig_id parsed: stream_ms, stream_seq */
    enum item_kind kind;
    enum item_state state;
    struct crm_stream_entry msg;  /* when kind is ITEM_MESSAGE and it parsed */
    struct crm_audit_entry audit; /* when kind is ITEM_AUDIT and it parsed */
    char *error;                  /* owned; why rejected or malformed */
};

struct batch {
    struct batch_item *items; /* owned; n used of cap */
    size_t n, cap;
    redisReply **replies; /* owned; the replies items borrow from */
    size_t nreplies, capreplies;
};

void batch_init(struct batch *b);

/* Takes ownership of reply r, which the items added next borrow from. */
void batch_hold(struct batch *b, redisReply *r);

/* Adds the entries of one stream from an XREADGROUP/XAUTOCLAIM entry array
 * ([[id, [f, v, ...]], ...]); src_key must outlive the batch. Entries are parsed
 * here: a malformed one is added in state ITEM_MALFORMED. Returns the number added. */
size_t batch_add_entries(struct batch *b, const char *src_key, const redisReply *entries);

/* Sets item's state and error (copied; may be NULL). */
void batch_item_fail(struct batch_item *it, enum item_state state, const char *error);

/* Frees the items' errors and the held replies; keeps the arrays for reuse. */
void batch_reset(struct batch *b);

void batch_deinit(struct batch *b);

#endif
