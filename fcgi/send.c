#include "config.h"

#include "send.h"

#include "auth.h"
#include "log.h"
#include "sql.h"
#include "streams.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KEYS: stream, idempotency key, rate key, the sender's token revocation key.
 * ARGV: room, sender, key, body, idempotency ttl, rate max, rate window ms,
 * stream name, internal ("1" for a staff-only note, else "0"), then optionally
 * the sender's email, name, role and createdAt (lib/stream_entry.h: written
 * into the entry so that crm-pushd shows the sender without a database round
 * trip).
 * Returns {1, id} accepted, {0, "stream id"} replay, {2, pttl} rate limited,
 * {3, ""} the token is revoked (nothing claimed, counted or added). The
 * revocation check is here, not a round trip of its own, so that a sendMessage
 * costs one round trip, and a logout that lands before the script is seen by it. */
static const char send_script[] =
    "if redis.call('EXISTS', KEYS[4]) == 1 then return {3, ''} end\n"
    "local prev = redis.call('GET', KEYS[2])\n"
    "if prev then return {0, prev} end\n"
    "local n = redis.call('INCR', KEYS[3])\n"
    "if n == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[7]) end\n"
    "if n > tonumber(ARGV[6]) then return {2, tostring(redis.call('PTTL', KEYS[3]))} end\n"
    "local f = {KEYS[1], '*', 'v', '1', 'room', ARGV[1], 'sender', ARGV[2], 'key', ARGV[3],"
    " 'body', ARGV[4]}\n"
    "if ARGV[10] then\n"
    "  for i, k in ipairs({'semail', 'sname', 'srole', 'screated'}) do\n"
    "    f[#f + 1] = k\n"
    "    f[#f + 1] = ARGV[9 + i]\n"
    "  end\n"
    "end\n"
    "if ARGV[9] == '1' then f[#f + 1] = 'internal'; f[#f + 1] = '1' end\n"
    "local id = redis.call('XADD', unpack(f))\n"
    "redis.call('SET', KEYS[2], ARGV[8] .. ' ' .. id, 'EX', ARGV[5])\n"
    "return {1, id}\n";

static char script_sha[41];

/* Runs the script by SHA, loading it on NOSCRIPT (a restarted Redis forgets it).
 * Repeating it after a lost connection is safe: the key makes it idempotent. */
static redisReply *run_script(struct crm_redis *r, int argc, const char **argv, size_t *lens)
{
    if (!script_sha[0]) {
        const char *load[] = {"SCRIPT", "LOAD", send_script};
        size_t load_lens[] = {6, 4, sizeof send_script - 1};
        redisReply *l = crm_redis_argv(r, 3, load, load_lens);
        if (!l)
            return NULL;
        if (l->type == REDIS_REPLY_STRING && l->len == 40)
            memcpy(script_sha, l->str, 41);
        freeReplyObject(l);
        if (!script_sha[0])
            return NULL;
    }
    argv[1] = script_sha;
    lens[1] = 40;
    redisReply *rep = crm_redis_argv(r, argc, argv, lens);
    if (rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(rep);
        script_sha[0] = '\0';
        return run_script(r, argc, argv, lens);
    }
    return rep;
}

/* Reads entry id of stream into out. 1 found, 0 gone, -1 Redis error. */
static int read_entry(redisContext *c, const char *stream, const char *id, struct api_message *out)
{
    redisReply *r = redisCommand(c, "XRANGE %s %s %s", stream, id, id);
    if (!r)
        return -1;
    int rc = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1) {
        redisReply *ent = r->element[0];
        struct crm_stream_entry e;
        if (ent->type == REDIS_REPLY_ARRAY && ent->elements == 2 &&
            crm_stream_entry_parse(ent->element[1], &e) == 0 &&
            api_message_from_entry(out, ent->element[0]->str, ent->element[0]->len, &e) == 0)
            rc = 1;
    } else if (r->type == REDIS_REPLY_ERROR) {
        rc = -1;
    }
    freeReplyObject(r);
    return rc;
}

int send_find_persisted(struct crm_db *db, int64_t sender, const char *key, struct api_message *out)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, sender);
    const char *params[] = {sid, key};
    PGresult *r = sql_run(db, SQL_MESSAGE_BY_SENDER_KEY, 2, params);
    if (!r)
        return -1;
    int rc = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        rc = 0;
        if (PQntuples(r) == 1) {
            memset(out, 0, sizeof *out);
            out->room_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
            out->sender_id = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
            out->body = strdup(PQgetvalue(r, 0, 2));
            out->key = strdup(PQgetvalue(r, 0, 3));
            out->ms = strtoull(PQgetvalue(r, 0, 4), NULL, 10);
            out->seq = strtoull(PQgetvalue(r, 0, 5), NULL, 10);
            out->persisted = 1;
            out->internal = PQgetvalue(r, 0, 6)[0] == 't';
            rc = out->body && out->key ? 1 : -1;
            if (rc < 0)
                api_message_deinit(out);
        }
    }
    PQclear(r);
    return rc;
}

enum send_status send_message(struct crm_redis *r, struct crm_db *db, int streams, int rate_max,
                              const char *jti, const struct crm_stream_entry *e, struct api_message *out,
                              long *retry_ms)
{
    char stream[CRM_STREAM_NAME_MAX], room[24], sender[24], ttl[16], rate[16], window[16];
    crm_stream_name(stream, crm_stream_of_room(e->room_id, streams));
    snprintf(room, sizeof room, "%" PRId64, e->room_id);
    snprintf(sender, sizeof sender, "%" PRId64, e->sender_id);
    snprintf(ttl, sizeof ttl, "%d", CRM_IDEM_TTL_SEC);
    snprintf(rate, sizeof rate, "%d", rate_max);
    snprintf(window, sizeof window, "%d", CRM_SEND_RATE_WINDOW_MS);

    /* The idempotency key is scoped to the sender; the key bytes go in as they are. */
    size_t idem_len = strlen(CRM_IDEM_PREFIX) + strlen(sender) + 1 + e->key_len;
    char idem[sizeof CRM_IDEM_PREFIX + 24 + 1 + CRM_ENTRY_KEY_MAX];
    snprintf(idem, sizeof idem, CRM_IDEM_PREFIX "%s:%.*s", sender, (int)e->key_len, e->key);
    char ratekey[64];
    snprintf(ratekey, sizeof ratekey, "crm:rate:send:%s", sender);

    char revoked[AUTH_REVOKED_KEY_SIZE];
    size_t revoked_len = auth_revoked_key(revoked, jti);

    const char *argv[] = {"EVALSHA",    NULL,        "4",         stream,
                          idem,         ratekey,     revoked,     room,
                          sender,       e->key,      e->body,     ttl,
                          rate,         window,      stream,      e->internal ? "1" : "0",
                          e->who.email, e->who.name, e->who.role, e->who.created};
    size_t lens[] = {7,
                     40,
                     1,
                     strlen(stream),
                     idem_len,
                     strlen(ratekey),
                     revoked_len,
                     strlen(room),
                     strlen(sender),
                     e->key_len,
                     e->body_len,
                     strlen(ttl),
                     strlen(rate),
                     strlen(window),
                     strlen(stream),
                     1,
                     e->who.email_len,
                     e->who.name_len,
                     e->who.role_len,
                     e->who.created_len};
    redisReply *rep = run_script(r, e->who.email ? 20 : 16, argv, lens);
    if (!rep) {
        log_warn("redis: sendMessage: Redis unavailable");
        return SEND_UNAVAILABLE;
    }
    redisContext *c = r->ctx;
    enum send_status st = SEND_UNAVAILABLE;
    if (rep->type == REDIS_REPLY_ERROR) {
        /* OOM (noeviction), MISCONF (disk), READONLY: refused, nothing accepted. */
        log_warn("redis: sendMessage refused: %.60s", rep->str);
    } else if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
               rep->element[0]->type == REDIS_REPLY_INTEGER && rep->element[1]->type == REDIS_REPLY_STRING) {
        long long kind = rep->element[0]->integer;
        const char *val = rep->element[1]->str;
        if (kind == 1) {
            memset(out, 0, sizeof *out);
            if (crm_stream_entry_validate(e) == 0 &&
                api_message_from_entry(out, val, rep->element[1]->len, e) == 0)
                st = SEND_ACCEPTED;
            else
                st = SEND_ENOMEM;
        } else if (kind == 2) {
            *retry_ms = atol(val);
            st = SEND_RATE_LIMITED;
        } else if (kind == 3) {
            st = SEND_REVOKED;
        } else {
            /* "stream id" of the first send with this key. */
            char prev_stream[CRM_STREAM_NAME_MAX] = "", prev_id[CRM_ENTRY_ID_MAX] = "";
            if (sscanf(val, "%31s %47s", prev_stream, prev_id) == 2) {
                int found = read_entry(c, prev_stream, prev_id, out);
                if (found == 0) {
                    char key[CRM_ENTRY_KEY_MAX + 1];
                    snprintf(key, sizeof key, "%.*s", (int)e->key_len, e->key);
                    found = send_find_persisted(db, e->sender_id, key, out);
                }
                st = found == 1 ? SEND_REPLAYED : SEND_UNAVAILABLE;
            }
        }
    }
    freeReplyObject(rep);
    return st;
}
