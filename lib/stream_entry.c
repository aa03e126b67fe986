#include "config.h"

#include "stream_entry.h"

#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int crm_decimal_id_parse(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 19 || s[0] == '0')
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > INT64_MAX)
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* Parses decimal digits (a uint64, "0" allowed, no leading zeros otherwise). */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int crm_stream_id_parse(const char *id, size_t len, uint64_t *ms, uint64_t *seq)
{
    const char *dash = memchr(id, '-', len);
    if (!dash)
        return CRM_ENTRY_EID;
    size_t a = (size_t)(dash - id);
    if (parse_u64(id, a, ms) < 0 || parse_u64(dash + 1, len - a - 1, seq) < 0 || *ms > INT64_MAX ||
        *seq > INT64_MAX)
        return CRM_ENTRY_EID;
    return 0;
}

/* One optional sender field: absent, or 1..CRM_ENTRY_SENDER_MAX bytes of UTF-8. */
static int sender_field_ok(const char *s, size_t len)
{
    return s && len > 0 && len <= CRM_ENTRY_SENDER_MAX && crm_utf8_count(s, len) >= 0;
}

static int sender_validate(const struct crm_entry_sender *w)
{
    int present = (w->email != NULL) + (w->name != NULL) + (w->role != NULL) + (w->created != NULL);
    if (present == 0)
        return 0;
    if (present != CRM_ENTRY_SENDER_FIELDS || !sender_field_ok(w->email, w->email_len) ||
        !sender_field_ok(w->name, w->name_len) || !sender_field_ok(w->role, w->role_len) ||
        !sender_field_ok(w->created, w->created_len))
        return CRM_ENTRY_ESENDERINFO;
    return 0;
}

int crm_stream_entry_validate(const struct crm_stream_entry *e)
{
    long chars;
    if (e->room_id <= 0)
        return CRM_ENTRY_EROOM;
    if (e->sender_id <= 0)
        return CRM_ENTRY_ESENDER;
    if (!e->key || e->key_len == 0 || e->key_len > CRM_ENTRY_KEY_MAX ||
        crm_utf8_count(e->key, e->key_len) < 0)
        return CRM_ENTRY_EKEY;
    if (!e->body || e->body_len == 0 || e->body_len > 4 * CRM_ENTRY_BODY_MAX_CHARS ||
        (chars = crm_utf8_count(e->body, e->body_len)) < 0 || chars > CRM_ENTRY_BODY_MAX_CHARS)
        return CRM_ENTRY_EBODY;
    return sender_validate(&e->who);
}

int crm_stream_entry_encode(struct crm_entry_argv *out, const struct crm_stream_entry *e)
{
    int rc = crm_stream_entry_validate(e);
    if (rc < 0)
        return rc;
    snprintf(out->room, sizeof out->room, "%" PRId64, e->room_id);
    snprintf(out->sender, sizeof out->sender, "%" PRId64, e->sender_id);
    const char *argv[] = {
        "v", CRM_ENTRY_VERSION, "room", out->room, "sender", out->sender, "key", e->key, "body", e->body};
    size_t lens[] = {
        1,          strlen(CRM_ENTRY_VERSION), 4, strlen(out->room), 6, strlen(out->sender), 3, e->key_len, 4,
        e->body_len};
    int n = 2 * CRM_ENTRY_FIELDS;
    memcpy(out->argv, argv, sizeof argv);
    memcpy(out->argvlen, lens, sizeof lens);
    if (e->who.email) {
        const char *sv[] = {"semail", e->who.email, "sname",    e->who.name,
                            "srole",  e->who.role,  "screated", e->who.created};
        size_t sl[] = {6, e->who.email_len, 5, e->who.name_len, 5, e->who.role_len, 8, e->who.created_len};
        memcpy(out->argv + n, sv, sizeof sv);
        memcpy(out->argvlen + n, sl, sizeof sl);
        n += 2 * CRM_ENTRY_SENDER_FIELDS;
    }
    if (e->internal) {
        out->argv[n] = "internal", out->argvlen[n] = 8;
        out->argv[n + 1] = "1", out->argvlen[n + 1] = 1;
        n += 2;
    }
    out->argc = n;
    return 0;
}

static int is_str(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

static int field_is(const redisReply *f, const char *name)
{
    size_t n = strlen(name);
    return (size_t)f->len == n && memcmp(f->str, name, n) == 0;
}

int crm_stream_entry_parse_from(const redisReply *fields, size_t first, struct crm_stream_entry *out)
{
    enum {
        F_V = 1,
        F_ROOM = 2,
        F_SENDER = 4,
        F_KEY = 8,
        F_BODY = 16,
        F_SEMAIL = 32,
        F_SNAME = 64,
        F_SROLE = 128,
        F_SCREATED = 256,
        F_INTERNAL = 512
    };
    unsigned seen = 0;
    if (!fields || fields->type != REDIS_REPLY_ARRAY || first > fields->elements ||
        (fields->elements - first) % 2 != 0)
        return CRM_ENTRY_EFORMAT;
    memset(out, 0, sizeof *out);
    for (size_t i = first; i < fields->elements; i += 2) {
        const redisReply *f = fields->element[i], *v = fields->element[i + 1];
        if (!is_str(f) || !is_str(v))
            return CRM_ENTRY_EFORMAT;
        unsigned bit;
        if (field_is(f, "v")) {
            bit = F_V;
            if ((size_t)v->len != 1 || v->str[0] != CRM_ENTRY_VERSION[0])
                return CRM_ENTRY_EVERSION;
        } else if (field_is(f, "room")) {
            bit = F_ROOM;
            if (crm_decimal_id_parse(v->str, (size_t)v->len, &out->room_id) < 0)
                return CRM_ENTRY_EROOM;
        } else if (field_is(f, "sender")) {
            bit = F_SENDER;
            if (crm_decimal_id_parse(v->str, (size_t)v->len, &out->sender_id) < 0)
                return CRM_ENTRY_ESENDER;
        } else if (field_is(f, "key")) {
            bit = F_KEY;
            out->key = v->str;
            out->key_len = (size_t)v->len;
        } else if (field_is(f, "body")) {
            bit = F_BODY;
            out->body = v->str;
            out->body_len = (size_t)v->len;
        } else if (field_is(f, "semail")) {
            bit = F_SEMAIL;
            out->who.email = v->str;
            out->who.email_len = (size_t)v->len;
        } else if (field_is(f, "sname")) {
            bit = F_SNAME;
            out->who.name = v->str;
            out->who.name_len = (size_t)v->len;
        } else if (field_is(f, "srole")) {
            bit = F_SROLE;
            out->who.role = v->str;
            out->who.role_len = (size_t)v->len;
        } else if (field_is(f, "screated")) {
            bit = F_SCREATED;
            out->who.created = v->str;
            out->who.created_len = (size_t)v->len;
        } else if (field_is(f, "internal")) {
            bit = F_INTERNAL;
            /* Only "1": a note is marked, a message is not. */
            if ((size_t)v->len != 1 || v->str[0] != '1')
                return CRM_ENTRY_EINTERNAL;
            out->internal = 1;
        } else {
            return CRM_ENTRY_EFORMAT;
        }
        if (seen & bit)
            return CRM_ENTRY_EFORMAT;
        seen |= bit;
    }
    if (!(seen & F_V))
        return CRM_ENTRY_EVERSION;
    if (!(seen & F_ROOM))
        return CRM_ENTRY_EROOM;
    if (!(seen & F_SENDER))
        return CRM_ENTRY_ESENDER;
    return crm_stream_entry_validate(out);
}

int crm_stream_entry_parse(const redisReply *fields, struct crm_stream_entry *out)
{
    return crm_stream_entry_parse_from(fields, 0, out);
}

const char *crm_stream_entry_strerror(int err)
{
    switch (err) {
    case CRM_ENTRY_OK:
        return "ok";
    case CRM_ENTRY_EFORMAT:
        return "malformed entry: unknown, repeated or non-string field";
    case CRM_ENTRY_EVERSION:
        return "malformed entry: missing or unsupported version v";
    case CRM_ENTRY_EROOM:
        return "malformed entry: room is not a positive decimal id";
    case CRM_ENTRY_ESENDER:
        return "malformed entry: sender is not a positive decimal id";
    case CRM_ENTRY_EKEY:
        return "malformed entry: key is empty, longer than 128 bytes or not UTF-8";
    case CRM_ENTRY_EBODY:
        return "malformed entry: body is empty, longer than 4000 characters or not UTF-8";
    case CRM_ENTRY_EID:
        return "malformed entry ID";
    case CRM_ENTRY_ESENDERINFO:
        return "malformed entry: sender fields partial, too long or not UTF-8";
    case CRM_ENTRY_EINTERNAL:
        return "malformed entry: internal is not \"1\"";
    default:
        return "unknown error";
    }
}
