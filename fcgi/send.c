#include "config.h"

#include "send.h"

#include "auth.h"
#include "log.h"
#include "redis_wait.h"
#include "send_reply.h"
#include "sql.h"
#include "streams.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KEYS: stream, idempotency key, rate key, the sender's token revocation key.
 * ARGV: idempotency ttl, rate max, rate window ms, stream name, then the entry's
 * field/value pairs as crm_stream_entry_encode gives them (lib/stream_entry.h is
 * the one definition of the entry: the script adds them as they come).
 * Returns {1, id} accepted, {0, "stream id"} replay, {2, pttl} rate limited,
 * {3, ""} the token is revoked (nothing claimed, counted or added); read by
 * send_reply_parse. The revocation check is here, not a round trip of its own,
 * so that a sendMessage costs one round trip, and a logout that lands before the
 * script is seen by it. A replay writes the key again (same value and expiry):
 * the WAIT after it (CRM_REDIS_MIN_REPLICAS) then confirms that the replicas
 * have everything up to it, the first attempt's entry included, even when the
 * first attempt's WAIT fell short or ran on another connection. */
static const char send_script[] =
    "if redis.call('EXISTS', KEYS[4]) == 1 then return {3, ''} end\n"
    "local prev = redis.call('GET', KEYS[2])\n"
    "if prev then redis.call('SET', KEYS[2], prev, 'KEEPTTL') return {0, prev} end\n"
    "local n = redis.call('INCR', KEYS[3])\n"
    "if n == 1 then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end\n"
    "if n > tonumber(ARGV[2]) then return {2, tostring(redis.call('PTTL', KEYS[3]))} end\n"
    "local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 5))\n"
    "redis.call('SET', KEYS[2], ARGV[4] .. ' ' .. id, 'EX', ARGV[1])\n"
    "return {1, id}\n";

static char script_sha[41];

/* Runs the script by SHA, loading it on NOSCRIPT (a restarted Redis forgets it).
 * Repeating it after a lost connection is safe: the key makes it idempotent. */
static redisReply *run_script(struct crm_redis *r, int argc, const char **argv, size_t *lens, int *confirmed)
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
    /* EVALSHA and, with CRM_REDIS_MIN_REPLICAS, WAIT in the same round trip. */
    redisReply *rep = crm_redis_argv_confirmed(r, argc, argv, lens, confirmed);
    if (rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(rep);
        script_sha[0] = '\0';
        return run_script(r, argc, argv, lens, confirmed);
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

/* The script's argv before the entry's pairs: EVALSHA sha 4, four keys, four values. */
#define SEND_ARGV_HEAD 11

enum send_status send_message(struct crm_redis *r, struct crm_db *db, int streams, int rate_max,
                              const char *jti, const struct crm_stream_entry *e, struct api_message *out,
                              long *retry_ms)
{
    struct crm_entry_argv entry;
    if (crm_stream_entry_encode(&entry, e) != 0) {
        /* The caller validated e: an invalid entry here is a bug, and nothing is written. */
        log_error("sendMessage: invalid entry reached send_message");
        return SEND_UNAVAILABLE;
    }
    char stream[CRM_STREAM_NAME_MAX], ttl[16], rate[16], window[16];
    crm_stream_name(stream, crm_stream_of_room(e->room_id, streams));
    snprintf(ttl, sizeof ttl, "%d", CRM_IDEM_TTL_SEC);
    snprintf(rate, sizeof rate, "%d", rate_max);
    snprintf(window, sizeof window, "%d", CRM_SEND_RATE_WINDOW_MS);

    /* The idempotency key is scoped to the sender; the key bytes go in as they are. */
    size_t idem_len = strlen(CRM_IDEM_PREFIX) + strlen(entry.sender) + 1 + e->key_len;
    char idem[sizeof CRM_IDEM_PREFIX + 24 + 1 + CRM_ENTRY_KEY_MAX];
    snprintf(idem, sizeof idem, CRM_IDEM_PREFIX "%s:%.*s", entry.sender, (int)e->key_len, e->key);
    char ratekey[64];
    snprintf(ratekey, sizeof ratekey, "crm:rate:send:%s", entry.sender);

    char revoked[AUTH_REVOKED_KEY_SIZE];
    size_t revoked_len = auth_revoked_key(revoked, jti);

    const char *argv[SEND_ARGV_HEAD + CRM_ENTRY_ARGC] = {"EVALSHA", NULL, "4",  stream, idem,  ratekey,
                                                         revoked,   ttl,  rate, window, stream};
    size_t lens[SEND_ARGV_HEAD + CRM_ENTRY_ARGC] = {7,
                                                    40,
                                                    1,
                                                    strlen(stream),
                                                    idem_len,
                                                    strlen(ratekey),
                                                    revoked_len,
                                                    strlen(ttl),
                                                    strlen(rate),
                                                    strlen(window),
                                                    strlen(stream)};
    memcpy(argv + SEND_ARGV_HEAD, entry.argv, (size_t)entry.argc * sizeof entry.argv[0]);
    memcpy(lens + SEND_ARGV_HEAD, entry.argvlen, (size_t)entry.argc * sizeof entry.argvlen[0]);
    int confirmed = 0;
    redisReply *rep = run_script(r, SEND_ARGV_HEAD + entry.argc, argv, lens, &confirmed);
    if (!rep) {
        log_warn("redis: sendMessage: Redis unavailable");
        return SEND_UNAVAILABLE;
    }
    enum send_status st = SEND_UNAVAILABLE;
    struct send_reply sr;
    enum send_reply_kind kind = send_reply_parse(rep, &sr);
    if (!confirmed && (kind == SEND_REPLY_ACCEPTED || kind == SEND_REPLY_REPLAY)) {
        /* On the primary but not on enough replicas: a failover now could
         * lose it, so it is not answered as accepted. The client's retry with
         * the same key replays it and waits again. */
        log_warn("redis: sendMessage not confirmed by %d replica(s): refused", crm_redis_wait_replicas());
        freeReplyObject(rep);
        return SEND_UNAVAILABLE;
    }
    switch (kind) {
    case SEND_REPLY_ACCEPTED:
        st = api_message_from_entry(out, sr.id, sr.id_len, e) == 0 ? SEND_ACCEPTED : SEND_ENOMEM;
        break;
    case SEND_REPLY_RATE:
        *retry_ms = sr.retry_ms;
        st = SEND_RATE_LIMITED;
        break;
    case SEND_REPLY_REVOKED:
        st = SEND_REVOKED;
        break;
    case SEND_REPLY_REPLAY: {
        int found = read_entry(r->ctx, sr.prev_stream, sr.prev_id, out);
        if (found == 0) {
            char key[CRM_ENTRY_KEY_MAX + 1];
            snprintf(key, sizeof key, "%.*s", (int)e->key_len, e->key);
            found = send_find_persisted(db, e->sender_id, key, out);
        }
        st = found == 1 ? SEND_REPLAYED : SEND_UNAVAILABLE;
        break;
    }
    case SEND_REPLY_REFUSED:
        /* OOM (noeviction), MISCONF (disk), READONLY: refused, nothing accepted. */
        log_warn("redis: sendMessage refused: %.60s", rep->str);
        break;
    case SEND_REPLY_MALFORMED:
        log_warn("redis: sendMessage: unexpected reply of the send script");
        break;
    }
    freeReplyObject(rep);
    return st;
}
