/* Resolvers: live state (issue 15, docs/LIVE-STATE.md). markRead, setTyping,
 * Room.unreadCount, Room.readReceipts, User.online. The subscriptions
 * (inboxUpdated, typing) are crm-pushd's.
 *
 * Audit: unreadCount and readReceipts are counts and positions, not message
 * content, and markRead changes only the caller's own position; none of them
 * reads a body, so none leaves a messages.read record. */
#include "config.h"

#include "api.h"
#include "live_events.h"
#include "presence.h"
#include "ratelimit.h"
#include "room_access.h"
#include "sql.h"
#include "stream_entry.h"
#include "streams.h"
#include "unread.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TYPING_WINDOW_MS 60000

static int bad(gql_resolve_info *info, const char *msg)
{
    return gql_resolve_error(info, "BAD_USER_INPUT", "%s", msg);
}

/* Whether position (ms, seq) is a message of room the caller may see (a
 * patient: not an internal note): in PostgreSQL, else still only in its
 * stream. 1 yes, 0 no, -1 unavailable. */
static int message_of_room(struct api_call *call, int64_t room, uint64_t ms, uint64_t seq)
{
    char sroom[24], sms[24], sseq[24];
    snprintf(sroom, sizeof sroom, "%" PRId64, room);
    snprintf(sms, sizeof sms, "%" PRIu64, ms);
    snprintf(sseq, sizeof sseq, "%" PRIu64, seq);
    int staff = api_is_staff(call);
    const char *params[] = {sroom, sms, sseq};
    PGresult *r = sql_run(&call->api->db, SQL_MESSAGE_AT, 3, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return -1;
    }
    int found = PQntuples(r) == 1, visible = found && (staff || PQgetvalue(r, 0, 0)[0] != 't');
    PQclear(r);
    if (found)
        return visible;
    /* Not stored yet: the room's stream holds it from the moment it was
     * accepted (and keeps it CRM_RESUME_WINDOW after it is stored). */
    char stream[CRM_STREAM_NAME_MAX], id[CRM_ENTRY_ID_MAX];
    int partition;
    struct crm_redis *shard = api_room_redis(call->api, room, &partition);
    crm_stream_name(stream, partition);
    snprintf(id, sizeof id, "%" PRIu64 "-%" PRIu64, ms, seq);
    const char *argv[] = {"XRANGE", stream, id, id};
    redisReply *rep = crm_redis_argv(shard, 4, argv, NULL);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        if (rep)
            freeReplyObject(rep);
        return -1;
    }
    struct crm_stream_entry e;
    int ok = rep->elements == 1 && rep->element[0]->type == REDIS_REPLY_ARRAY &&
             rep->element[0]->elements == 2 && crm_stream_entry_parse(rep->element[0]->element[1], &e) == 0 &&
             e.room_id == room && (staff || !e.internal);
    freeReplyObject(rep);
    return ok;
}

static int r_mark_read(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    /* Whoever may read the room may mark it read: members, and staff and
     * admins triaging an unassigned conversation (their position then counts
     * for their inbox; readReceipts lists members only). */
    struct room_access a;
    if ((rc = room_access(info, call, api_arg(info, "roomId"), 1, &a)))
        return rc;
    json_object *cv = api_arg(info, "cursor");
    const char *cursor = json_object_get_string(cv);
    uint64_t ms, seq;
    if (crm_stream_id_parse(cursor, (size_t)json_object_get_string_len(cv), &ms, &seq) != 0 ||
        strlen(cursor) != (size_t)json_object_get_string_len(cv)) {
        json_object_put(a.room);
        return bad(info, "cursor must be the cursor of a message (\"<ms>-<seq>\").");
    }
    int found = message_of_room(call, a.id, ms, seq);
    if (found <= 0) {
        json_object_put(a.room);
        return found < 0 ? api_unavailable(info) : bad(info, "cursor is not a message of this room.");
    }
    char sroom[24], suser[24], sms[24], sseq[24];
    snprintf(sroom, sizeof sroom, "%" PRId64, a.id);
    snprintf(suser, sizeof suser, "%" PRId64, call->who.user_id);
    snprintf(sms, sizeof sms, "%" PRIu64, ms);
    snprintf(sseq, sizeof sseq, "%" PRIu64, seq);
    const char *params[] = {sroom, suser, sms, sseq};
    PGresult *r = api_query(info, call, SQL_READ_POSITION_UPSERT, 4, params, &rc);
    if (!r) {
        json_object_put(a.room);
        return rc;
    }
    if (PQntuples(r) == 1) {
        /* The position moved (committed: one statement, autocommit). */
        char scursor[CRM_ENTRY_ID_MAX];
        snprintf(scursor, sizeof scursor, "%s-%s", sms, sseq);
        json_object *ev = live_room_event(a.id, "read");
        json_object_object_add(ev, "userId", json_object_new_string(suser));
        json_object_object_add(ev, "cursor", json_object_new_string(scursor));
        json_object_object_add(ev, "readAt", json_object_new_string(PQgetvalue(r, 0, 0)));
        live_publish(call, CRM_ROOM_EVENTS_CHANNEL, ev);
        /* Counts this request computed before are stale now. */
        json_object_put(call->unread);
        call->unread = NULL;
        json_object_put(call->receipts);
        call->receipts = NULL;
    }
    PQclear(r);
    *out = a.room;
    return 0;
}

static int r_set_typing(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    /* Members only, as for sendMessage: triage reads, it does not write. */
    struct room_access a;
    if ((rc = room_access(info, call, api_arg(info, "roomId"), 0, &a)))
        return rc;
    json_object_put(a.room);
    char key[64];
    int klen = snprintf(key, sizeof key, "crm:rate:typing:%" PRId64, call->who.user_id);
    long retry_ms = 0;
    enum ratelimit_result lim = ratelimit_hit(&call->api->redis, key, (size_t)klen,
                                              call->api->cfg.typing_per_minute, TYPING_WINDOW_MS, &retry_ms);
    if (lim == RATE_UNAVAILABLE)
        return api_unavailable(info);
    if (lim == RATE_LIMITED)
        return gql_resolve_error(info, "RATE_LIMITED", "Too many typing notices; try again in %ld ms.",
                                 retry_ms);
    char sroom[24], suser[24];
    snprintf(sroom, sizeof sroom, "%" PRId64, a.id);
    snprintf(suser, sizeof suser, "%" PRId64, call->who.user_id);
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "roomId", json_object_new_string(sroom));
    json_object_object_add(ev, "userId", json_object_new_string(suser));
    json_object_object_add(ev, "typing",
                           json_object_new_boolean(json_object_get_boolean(api_arg(info, "typing"))));
    /* Typing is the publish itself: never stored, so a failed one fails the call. */
    if (live_publish(call, CRM_TYPING_CHANNEL, ev) < 0)
        return api_unavailable(info);
    *out = json_object_new_boolean(1);
    return 0;
}

/* Adds id to ids[*n] unless present or the cache has it. */
static void batch_add(int64_t *ids, size_t *n, size_t cap, json_object *cache, const char *id)
{
    int64_t v;
    if (!id || crm_decimal_id_parse(id, strlen(id), &v) < 0 || *n >= cap ||
        (cache && json_object_object_get_ex(cache, id, NULL)))
        return;
    for (size_t i = 0; i < *n; i++)
        if (ids[i] == v)
            return;
    ids[(*n)++] = v;
}

/* Into ids (UNREAD_ROOMS_MAX): room, then the other rooms of the page the
 * caller listed that cache does not hold yet. Returns how many. */
static size_t page_batch(struct api_call *call, const char *room, json_object *cache, int64_t *ids)
{
    size_t n = 0;
    batch_add(ids, &n, UNREAD_ROOMS_MAX, NULL, room);
    size_t pages = call->page_rooms ? json_object_array_length(call->page_rooms) : 0;
    for (size_t i = 0; i < pages; i++)
        batch_add(ids, &n, UNREAD_ROOMS_MAX, cache,
                  json_object_get_string(
                      json_object_object_get(json_object_array_get_idx(call->page_rooms, i), "id")));
    return n;
}

/* The value a page batch already put in map (per request) for the parent room:
 * 1 with *out set (a new reference), else 0. */
static int batched(const gql_resolve_info *info, json_object *map, const char **room, json_object **out)
{
    json_object *cached;
    *room = json_object_get_string(json_object_object_get(info->parent, "id"));
    if (!map || !json_object_object_get_ex(map, *room, &cached))
        return 0;
    *out = json_object_get(cached);
    return 1;
}

static int r_room_unread(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    const char *room;
    if (batched(info, call->unread, &room, out))
        return 0;
    /* Rooms reach here only through access checks (rooms, room, inbox, the
     * mutations). This room and the rest of the page the caller listed, in
     * one go. */
    int64_t ids[UNREAD_ROOMS_MAX];
    long long counts[UNREAD_ROOMS_MAX];
    size_t n = page_batch(call, room, call->unread, ids);
    if (unread_counts(call, ids, n, counts) < 0)
        return api_unavailable(info);
    if (!call->unread)
        call->unread = json_object_new_object();
    for (size_t i = 0; i < n; i++) {
        char sid[24];
        snprintf(sid, sizeof sid, "%" PRId64, ids[i]);
        json_object_object_add(call->unread, sid, json_object_new_int64(counts[i]));
    }
    *out = json_object_new_int64(counts[0]);
    return 0;
}

/* "{a,b,c}" of ids[0..n) (malloc'd), or NULL when out of memory. */
static char *id_literal(const int64_t *ids, size_t n)
{
    char *lit = malloc(n * 21 + 3);
    if (!lit)
        return NULL;
    size_t o = 0;
    lit[o++] = '{';
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(lit + o, "%s%" PRId64, i ? "," : "", ids[i]);
    lit[o++] = '}';
    lit[o] = '\0';
    return lit;
}

/* Loads the readReceipts of rooms ids[0..n) (rooms the caller reached
 * through access checks) into call->receipts, one query for them all. 0 or -1. */
static int load_receipts(struct api_call *call, const int64_t *ids, size_t n)
{
    char *lit = id_literal(ids, n);
    if (!lit)
        return -1;
    const char *params[] = {lit};
    PGresult *r = sql_run(&call->api->db, SQL_READ_RECEIPTS, 1, params);
    free(lit);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return -1;
    }
    if (!call->receipts)
        call->receipts = json_object_new_object();
    /* Every room asked gets a list, an empty one when nobody has read it. */
    for (size_t i = 0; i < n; i++) {
        char sid[24];
        snprintf(sid, sizeof sid, "%" PRId64, ids[i]);
        json_object_object_add(call->receipts, sid, json_object_new_array());
    }
    for (int i = 0; i < PQntuples(r); i++) {
        json_object *list;
        if (!json_object_object_get_ex(call->receipts, PQgetvalue(r, i, 8), &list))
            continue;
        json_object *rr = json_object_new_object();
        char cursor[CRM_ENTRY_ID_MAX];
        snprintf(cursor, sizeof cursor, "%s-%s", PQgetvalue(r, i, 5), PQgetvalue(r, i, 6));
        /* As Room.members shows them: a patient sees no one else's email. */
        json_object_object_add(rr, "user", api_user_json(call, r, i, 0));
        json_object_object_add(rr, "cursor", json_object_new_string(cursor));
        json_object_object_add(rr, "readAt", json_object_new_string(PQgetvalue(r, i, 7)));
        json_object_array_add(list, rr);
    }
    PQclear(r);
    return 0;
}

static int r_room_read_receipts(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    const char *room;
    if (batched(info, call->receipts, &room, out))
        return 0;
    /* As unreadCount: this room and the rest of the page the caller listed
     * (rooms reach here only through access checks), in one query. */
    int64_t ids[UNREAD_ROOMS_MAX];
    size_t n = page_batch(call, room, call->receipts, ids);
    if (n == 0 || load_receipts(call, ids, n) < 0)
        return api_unavailable(info);
    return batched(info, call->receipts, &room, out) ? 0 : api_unavailable(info);
}

/* Of ids[0..n), keeps in visible[i] whether a patient caller may see user
 * ids[i]'s presence: themselves and those who share a room with them. 0 or -1. */
static int patient_visible(struct api_call *call, const int64_t *ids, size_t n, int *visible)
{
    char *lit = id_literal(ids, n), me[24];
    if (!lit)
        return -1;
    for (size_t i = 0; i < n; i++)
        visible[i] = ids[i] == call->who.user_id;
    snprintf(me, sizeof me, "%" PRId64, call->who.user_id);
    const char *params[] = {me, lit};
    PGresult *r = sql_run(&call->api->db, SQL_CO_MEMBERS, 2, params);
    free(lit);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return -1;
    }
    for (int k = 0; k < PQntuples(r); k++) {
        int64_t id = strtoll(PQgetvalue(r, k, 0), NULL, 10);
        for (size_t i = 0; i < n; i++)
            if (ids[i] == id)
                visible[i] = 1;
    }
    PQclear(r);
    return 0;
}

static int r_user_online(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    const char *user = json_object_get_string(json_object_object_get(info->parent, "id"));
    json_object *cached;
    if (call->online && json_object_object_get_ex(call->online, user, &cached)) {
        *out = json_object_get(cached);
        return 0;
    }
    /* This user and every other this request has shown so far (the per-request
     * user cache): one round of Redis for a page of people. */
    int64_t ids[PRESENCE_USERS_MAX];
    int online[PRESENCE_USERS_MAX], visible[PRESENCE_USERS_MAX];
    size_t n = 0;
    batch_add(ids, &n, PRESENCE_USERS_MAX, NULL, user);
    if (call->users) {
        json_object_object_foreach(call->users, key, val)
        {
            (void)val;
            batch_add(ids, &n, PRESENCE_USERS_MAX, call->online, key);
        }
    }
    if (n == 0) {
        *out = json_object_new_boolean(0);
        return 0;
    }
    int patient = strcmp(call->who.role, "PATIENT") == 0;
    if (patient && patient_visible(call, ids, n, visible) < 0)
        return api_unavailable(info);
    if (presence_online(call, ids, n, online) < 0)
        return api_unavailable(info);
    if (!call->online)
        call->online = json_object_new_object();
    for (size_t i = 0; i < n; i++) {
        char sid[24];
        snprintf(sid, sizeof sid, "%" PRId64, ids[i]);
        json_object_object_add(call->online, sid,
                               json_object_new_boolean(online[i] && (!patient || visible[i])));
    }
    *out = json_object_new_boolean(online[0] && (!patient || visible[0]));
    return 0;
}

int api_register_live(gql_engine *r)
{
    int rc;
    if ((rc = gql_engine_register(r, "Mutation.markRead", r_mark_read)) ||
        (rc = gql_engine_register(r, "Mutation.setTyping", r_set_typing)) ||
        (rc = gql_engine_register(r, "Room.unreadCount", r_room_unread)) ||
        (rc = gql_engine_register(r, "Room.readReceipts", r_room_read_receipts)) ||
        (rc = gql_engine_register(r, "User.online", r_user_online)))
        return rc;
    return 0;
}
