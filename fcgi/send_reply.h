/* The send script's reply (fcgi/send.c), read without I/O so that it is tested
 * on its own: {1, id} accepted, {0, "stream id"} replay of an earlier send,
 * {2, pttl} rate limited, {3, ""} revoked token, or a Redis error. */
#ifndef CRM_API_SEND_REPLY_H
#define CRM_API_SEND_REPLY_H

#include "stream_entry.h"
#include "streams.h"

#include <hiredis/hiredis.h>

enum send_reply_kind {
    SEND_REPLY_ACCEPTED,  /* id: the new entry's ID */
    SEND_REPLY_REPLAY,    /* prev_stream, prev_id: the entry of the first send with the key */
    SEND_REPLY_RATE,      /* retry_ms: when the sender may send again */
    SEND_REPLY_REVOKED,   /* the token is revoked: nothing was done */
    SEND_REPLY_REFUSED,   /* an error reply (OOM, MISCONF, READONLY): nothing was done */
    SEND_REPLY_MALFORMED, /* anything else */
};

struct send_reply {
    enum send_reply_kind kind;
    const char *id; /* ACCEPTED: borrowed from the reply, id_len bytes */
    size_t id_len;
    long retry_ms;                         /* RATE: at least 0 */
    char prev_stream[CRM_STREAM_NAME_MAX]; /* REPLAY */
    char prev_id[CRM_ENTRY_ID_MAX];        /* REPLAY */
};

/* Reads rep into out (which borrows from rep) and returns out->kind. IDs are
 * checked as stream IDs (crm_stream_id_parse). */
enum send_reply_kind send_reply_parse(const redisReply *rep, struct send_reply *out);

#endif
