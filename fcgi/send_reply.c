#include "config.h"

#include "send_reply.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The "stream id" an earlier send left under its idempotency key. */
static int parse_replay(const char *s, size_t len, struct send_reply *out)
{
    const char *sp = memchr(s, ' ', len);
    if (!sp)
        return -1;
    size_t slen = (size_t)(sp - s), ilen = len - slen - 1;
    uint64_t ms, seq;
    if (slen == 0 || slen >= sizeof out->prev_stream || ilen >= sizeof out->prev_id ||
        memchr(s, '\0', slen) || crm_stream_id_parse(sp + 1, ilen, &ms, &seq) != 0)
        return -1;
    memcpy(out->prev_stream, s, slen);
    out->prev_stream[slen] = '\0';
    memcpy(out->prev_id, sp + 1, ilen);
    out->prev_id[ilen] = '\0';
    return 0;
}

/* PTTL as the script's tostring() wrote it; a key without a lifetime (-1) or
 * gone already (-2) means "now". */
static int parse_pttl(const char *s, size_t len, long *out)
{
    char buf[24];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (errno || *end || end == buf)
        return -1;
    *out = v < 0 ? 0 : v;
    return 0;
}

enum send_reply_kind send_reply_parse(const redisReply *rep, struct send_reply *out)
{
    memset(out, 0, sizeof *out);
    out->kind = SEND_REPLY_MALFORMED;
    if (!rep)
        return out->kind;
    if (rep->type == REDIS_REPLY_ERROR)
        return out->kind = SEND_REPLY_REFUSED;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
        rep->element[0]->type != REDIS_REPLY_INTEGER || rep->element[1]->type != REDIS_REPLY_STRING)
        return out->kind;
    const char *val = rep->element[1]->str;
    size_t len = rep->element[1]->len;
    uint64_t ms, seq;
    switch (rep->element[0]->integer) {
    case 1:
        if (crm_stream_id_parse(val, len, &ms, &seq) == 0 && len < CRM_ENTRY_ID_MAX) {
            out->id = val;
            out->id_len = len;
            out->kind = SEND_REPLY_ACCEPTED;
        }
        break;
    case 0:
        if (parse_replay(val, len, out) == 0)
            out->kind = SEND_REPLY_REPLAY;
        break;
    case 2:
        if (parse_pttl(val, len, &out->retry_ms) == 0)
            out->kind = SEND_REPLY_RATE;
        break;
    case 3:
        out->kind = SEND_REPLY_REVOKED;
        break;
    }
    return out->kind;
}
