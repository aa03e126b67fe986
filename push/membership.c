#include "config.h"

#include "membership.h"

#include "log.h"
#include "pg_link.h"
#include "pushd.h"
#include "redis_link.h"
#include "streams.h"
#include "sub.h"
#include "sub_audit.h"
#include "ws_conn.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void decided(struct sub *s, int rc, int member, int64_t patient)
{
    if (rc < 0) {
        sub_fail(s, "INTERNAL_SERVER_ERROR", "Membership cannot be checked now; try again.");
        return;
    }
    if (!member) {
        log_info("socket %d user %lld: not a member of room %lld", s->conn->fd, (long long)s->conn->user_id,
                 (long long)s->room_id);
        /* As over HTTP: an attempt on someone else's room leaves a record. */
        sub_audit_denied(s);
        sub_fail(s, "FORBIDDEN", "You are not a member of this room.");
        return;
    }
    s->patient_id = patient;
    sub_granted(s);
}

/* Fills the cache atomically, unless the room's generation (KEYS[3]) moved
 * since ARGV[1] was read: then the database answer may predate a change, and
 * the next miss reads again. ARGV: generation, ttl, patient, member ids. The
 * "0" in the set marks a cached room (user ids start at 1); the patient (0:
 * none), for the messages.subscribe record, is a key of its own so that a
 * check stays O(1) in a room of any size. SADD takes the ids in slices: Lua's
 * unpack has a bound. */
static const char fill_script[] =
    "if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[1] then return 0 end "
    "redis.call('SADD', KEYS[1], '0') "
    "for i = 4, #ARGV, 1000 do redis.call('SADD', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV))) end "
    "redis.call('EXPIRE', KEYS[1], ARGV[2]) "
    "redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2]) return 1";

/* A database read for a subscription's membership, and the room's generation
 * read before it. */
struct members_ask {
    struct sub_ref *ref;
    int64_t room_id;
    char gen[24]; /* "": unknown (Redis was away): the answer is not cached */
};

/* Fills the Redis cache with the room's members from res, and its patient. */
static void cache_members(const struct members_ask *a, const PGresult *res, int64_t patient)
{
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (!a->gen[0] || !ac)
        return;
    int rows = PQntuples(res);
    size_t argc = 9 + (size_t)rows;
    char key[64], pkey[72], gkey[72], pat[24], ttl[16];
    snprintf(key, sizeof key, "%s%" PRId64, CRM_MEMBERS_PREFIX, a->room_id);
    snprintf(pkey, sizeof pkey, "%s%s", key, CRM_MEMBERS_PATIENT_SUFFIX);
    snprintf(gkey, sizeof gkey, "%s%s", key, CRM_MEMBERS_GEN_SUFFIX);
    snprintf(pat, sizeof pat, "%" PRId64, patient);
    snprintf(ttl, sizeof ttl, "%d", MEMBERSHIP_TTL);
    const char **argv = calloc(argc, sizeof *argv);
    size_t *argvlen = calloc(argc, sizeof *argvlen);
    if (argv && argvlen) {
        const char *head[] = {"EVAL", fill_script, "3", key, pkey, gkey, a->gen, ttl, pat};
        memcpy(argv, head, sizeof head);
        for (int i = 0; i < rows; i++)
            argv[9 + i] = PQgetvalue(res, i, 0);
        for (size_t i = 0; i < argc; i++)
            argvlen[i] = strlen(argv[i]);
        redisAsyncCommandArgv(ac, NULL, NULL, (int)argc, argv, argvlen);
    }
    free(argv);
    free(argvlen);
}

/* PostgreSQL's answer on a cache miss. */
static void on_members(const PGresult *res, void *arg)
{
    struct members_ask *a = arg;
    struct sub *s = sub_ref_take(a->ref);
    if (res) {
        int64_t patient = 0;
        for (int i = 0; i < PQntuples(res); i++)
            if (!PQgetisnull(res, i, 1))
                patient = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        /* Cached even when the subscription is gone: the answer is as good. */
        cache_members(a, res, patient);
        if (s) {
            int member = 0;
            for (int i = 0; i < PQntuples(res) && !member; i++)
                member = strtoll(PQgetvalue(res, i, 0), NULL, 10) == s->conn->user_id;
            decided(s, 0, member, patient);
        }
    } else if (s) {
        decided(s, -1, 0, 0);
    }
    free(a);
}

/* gen: the room's generation read just before, or "" when unknown. */
static void ask_database(struct sub *s, const char *gen)
{
    char room[24];
    snprintf(room, sizeof room, "%" PRId64, s->room_id);
    const char *params[] = {room};
    struct members_ask *a = calloc(1, sizeof *a);
    if (!a) {
        decided(s, -1, 0, 0);
        return;
    }
    a->ref = sub_ref_new(s);
    a->room_id = s->room_id;
    snprintf(a->gen, sizeof a->gen, "%s", gen);
    if (pg_link_query(pushd->pg, PSQL_ROOM_MEMBERS, 1, params, SUB_DB_TIMEOUT_MS, on_members, a) < 0) {
        sub_ref_take(a->ref);
        free(a);
        decided(s, -1, 0, 0);
    }
}

/* Reply of the membership script: 0 not a member, "p<id>" a member (the
 * room's patient, 0 for none), or "g<generation>" not cached. */
static void on_cached(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    struct sub *s = sub_ref_take(priv);
    if (!s)
        return;
    redisReply *r = reply;
    if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 0)
        decided(s, 0, 0, 0);
    else if (r && r->type == REDIS_REPLY_STRING && r->len > 1 && r->str[0] == 'p')
        decided(s, 0, 1, strtoll(r->str + 1, NULL, 10));
    else if (r && r->type == REDIS_REPLY_STRING && r->len > 1 && r->len < 24 && r->str[0] == 'g')
        ask_database(s, r->str + 1);
    else
        ask_database(s, "");
}

/* A room counts as cached only with both keys (a set without its patient key
 * is one of an older crm-pushd): else the database is asked, with the room's
 * generation of this moment for the fill. */
static const char member_script[] = "if redis.call('EXISTS', KEYS[1]) == 1 then "
                                    "if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end "
                                    "local p = redis.call('GET', KEYS[2]) if p then return 'p' .. p end end "
                                    "return 'g' .. (redis.call('GET', KEYS[3]) or '0')";

void membership_check(struct sub *s)
{
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    char key[64], pkey[72], gkey[72], uid[24];
    snprintf(key, sizeof key, "%s%" PRId64, CRM_MEMBERS_PREFIX, s->room_id);
    snprintf(pkey, sizeof pkey, "%s%s", key, CRM_MEMBERS_PATIENT_SUFFIX);
    snprintf(gkey, sizeof gkey, "%s%s", key, CRM_MEMBERS_GEN_SUFFIX);
    snprintf(uid, sizeof uid, "%" PRId64, s->conn->user_id);
    struct sub_ref *ref = sub_ref_new(s);
    if (ac && redisAsyncCommand(ac, on_cached, ref, "EVAL %s 3 %s %s %s %s", member_script, key, pkey, gkey,
                                uid) == REDIS_OK)
        return;
    /* Redis is down: ask PostgreSQL, and cache nothing. */
    sub_ref_take(ref);
    ask_database(s, "");
}
