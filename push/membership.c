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

/* Fills the Redis cache with the room's members from res, and its patient. */
static void cache_members(int64_t room_id, const PGresult *res, int64_t patient)
{
    int rows = PQntuples(res);
    /* SADD key 0 ids...: the "0" marks a cached room (user ids start at 1).
     * The room's patient (0: none), for the messages.subscribe record, is a
     * key of its own, so that a check stays O(1) in a room of any size. */
    size_t argc = 3 + (size_t)rows;
    char pat[24];
    snprintf(pat, sizeof pat, "%" PRId64, patient);
    const char **argv = calloc(argc, sizeof *argv);
    size_t *argvlen = calloc(argc, sizeof *argvlen);
    char key[64], pkey[72];
    snprintf(key, sizeof key, "%s%" PRId64, CRM_MEMBERS_PREFIX, room_id);
    snprintf(pkey, sizeof pkey, "%s%s", key, CRM_MEMBERS_PATIENT_SUFFIX);
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (ac && argv && argvlen) {
        argv[0] = "SADD";
        argv[1] = key;
        argv[2] = "0";
        for (int i = 0; i < rows; i++)
            argv[3 + i] = PQgetvalue(res, i, 0);
        for (size_t i = 0; i < argc; i++)
            argvlen[i] = strlen(argv[i]);
        redisAsyncCommandArgv(ac, NULL, NULL, (int)argc, argv, argvlen);
        redisAsyncCommand(ac, NULL, NULL, "EXPIRE %s %d", key, MEMBERSHIP_TTL);
        redisAsyncCommand(ac, NULL, NULL, "SET %s %s EX %d", pkey, pat, MEMBERSHIP_TTL);
    }
    free(argv);
    free(argvlen);
}

/* PostgreSQL's answer on a cache miss. */
static void on_members(const PGresult *res, void *arg)
{
    struct sub *s = sub_ref_take(arg);
    if (!s)
        return;
    if (!res) {
        decided(s, -1, 0, 0);
        return;
    }
    int member = 0;
    int64_t patient = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        if (strtoll(PQgetvalue(res, i, 0), NULL, 10) == s->conn->user_id)
            member = 1;
        if (!PQgetisnull(res, i, 1))
            patient = strtoll(PQgetvalue(res, i, 1), NULL, 10);
    }
    cache_members(s->room_id, res, patient);
    decided(s, 0, member, patient);
}

static void ask_database(struct sub *s)
{
    char room[24];
    snprintf(room, sizeof room, "%" PRId64, s->room_id);
    const char *params[] = {room};
    struct sub_ref *ref = sub_ref_new(s);
    if (pg_link_query(pushd->pg, PSQL_ROOM_MEMBERS, 1, params, SUB_DB_TIMEOUT_MS, on_members, ref) < 0) {
        sub_ref_take(ref);
        decided(s, -1, 0, 0);
    }
}

/* Reply of the membership script: 0 not a member, -1 not cached, or "p<id>"
 * (a member; the room's patient, 0 for none). */
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
    else
        ask_database(s);
}

/* A room counts as cached only with both keys: a set without its patient key
 * (one being filled, or one of an older crm-pushd) is asked of the database. */
static const char member_script[] = "if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end "
                                    "if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end "
                                    "local p = redis.call('GET', KEYS[2]) "
                                    "if not p then return -1 end return 'p' .. p";

void membership_check(struct sub *s)
{
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    char key[64], pkey[72], uid[24];
    snprintf(key, sizeof key, "%s%" PRId64, CRM_MEMBERS_PREFIX, s->room_id);
    snprintf(pkey, sizeof pkey, "%s%s", key, CRM_MEMBERS_PATIENT_SUFFIX);
    snprintf(uid, sizeof uid, "%" PRId64, s->conn->user_id);
    struct sub_ref *ref = sub_ref_new(s);
    if (ac && redisAsyncCommand(ac, on_cached, ref, "EVAL %s 2 %s %s %s", member_script, key, pkey, uid) ==
                  REDIS_OK)
        return;
    /* Redis is down: ask PostgreSQL. */
    sub_ref_take(ref);
    ask_database(s);
}
