/* Resolvers: people and rooms. users, rooms, room, createRoom, addMembers,
 * Room.members, Room.lastMessage. */
#include "config.h"

#include "api.h"
#include "audit.h"
#include "history.h"
#include "last_messages.h"
#include "live_events.h"
#include "room_access.h"
#include "sql.h"
#include "streams.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROOM_NAME_MAX 200 /* characters */
#define USERS_LIMIT_MAX 100
#define SEARCH_MAX 100    /* bytes */
#define MEMBER_IDS_MAX 50 /* users added by one call */

static int r_rooms(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, call->who.user_id);
    const char *params[] = {id};
    PGresult *r = api_query(info, call, SQL_ROOMS_OF_USER, 1, params, &rc);
    if (!r)
        return rc;
    json_object *list = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(list, room_json(r, i));
    PQclear(r);
    api_page_rooms(call, list);
    *out = list;
    return 0;
}

/* The room if the caller may open it (members; staff and admins also an
 * unassigned conversation when triage is 1), else FORBIDDEN whether or not it
 * exists. */
static int member_room(gql_resolve_info *info, struct api_call *call, json_object *idv, int triage,
                       json_object **out)
{
    struct room_access a;
    int rc = room_access(info, call, idv, triage, &a);
    if (!rc)
        *out = a.room;
    return rc;
}

static int r_room(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    return rc ? rc : member_room(info, call, api_arg(info, "id"), 1, out);
}

/* Escapes LIKE's metacharacters so a search is a plain prefix. */
static void like_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 2 < cap; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            out[o++] = '\\';
        out[o++] = *s;
    }
    out[o] = '\0';
}

static int r_users(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "STAFF,ADMIN");
    if (rc)
        return rc;
    json_object *sv = api_arg(info, "search"), *lv = api_arg(info, "limit");
    int limit = lv ? json_object_get_int(lv) : 20;
    if (limit < 1 || limit > USERS_LIMIT_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "limit must be 1 to %d.", USERS_LIMIT_MAX);
    char pattern[2 * SEARCH_MAX + 1], slimit[16];
    const char *search = sv ? json_object_get_string(sv) : NULL;
    if (search && strlen(search) > SEARCH_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "search must be at most %d bytes.", SEARCH_MAX);
    if (search)
        like_escape(search, pattern, sizeof pattern);
    snprintf(slimit, sizeof slimit, "%d", limit);
    const char *params[] = {search ? pattern : NULL, slimit};
    PGresult *r = api_query(info, call, SQL_USERS_SEARCH, 2, params, &rc);
    if (!r)
        return rc;
    json_object *list = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(list, api_user_json(call, r, i, 0));
    PQclear(r);
    *out = list;
    return 0;
}

/* Who a membership change added, for its audit record: the ids of the users
 * who were not members yet, and the patient among them, if any. */
struct members_added {
    json_object *user_ids; /* array of id strings; owned */
    char patient_id[24];   /* "" for none */
};

/* Adds users to room inside the caller's transaction, noting in added who was
 * not a member yet. Returns 0 or a resolver error (the caller rolls back). */
static int add_members(gql_resolve_info *info, struct api_call *call, int64_t room, json_object *ids,
                       struct members_added *added)
{
    char sroom[24], sby[24];
    snprintf(sroom, sizeof sroom, "%" PRId64, room);
    snprintf(sby, sizeof sby, "%" PRId64, call->who.user_id);
    size_t n = ids ? json_object_array_length(ids) : 0;
    if (n > MEMBER_IDS_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "At most %d users at once.", MEMBER_IDS_MAX);
    for (size_t i = 0; i < n; i++) {
        int64_t uid;
        char suid[24];
        if (api_parse_id(json_object_array_get_idx(ids, i), &uid) < 0)
            return gql_resolve_error(info, "BAD_USER_INPUT", "Unknown user.");
        snprintf(suid, sizeof suid, "%" PRId64, uid);
        const char *params[] = {sroom, suid, sby};
        PGresult *r = sql_run(&call->api->db, SQL_MEMBER_INSERT, 3, params);
        if (!r)
            return api_unavailable(info);
        const char *constraint = NULL;
        int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        /* One row back when the user was added (none: already a member). */
        if (ok && PQntuples(r) == 1) {
            json_object_array_add(added->user_ids, json_object_new_string(suid));
            if (strcmp(PQgetvalue(r, 0, 0), "PATIENT") == 0)
                snprintf(added->patient_id, sizeof added->patient_id, "%s", suid);
        }
        int bad = !ok && sql_is_constraint_error(r, &constraint);
        /* constraint points into r: read it before r is cleared. */
        int second_patient = bad && constraint && strcmp(constraint, "room_members_one_patient") == 0;
        PQclear(r);
        if (second_patient)
            return gql_resolve_error(info, "BAD_USER_INPUT", "A room holds at most one patient.");
        if (bad)
            return gql_resolve_error(info, "BAD_USER_INPUT", "Unknown user.");
        if (!ok)
            return api_unavailable(info);
    }
    return 0;
}

/* Ends the transaction of a membership change: commits when rc is 0 (then drops
 * crm-pushd's cached member set, records the change and answers the room), else
 * rolls back and returns rc. Frees added's list either way. */
static void members_changed(struct api_call *call, int64_t room, const char *action,
                            const struct members_added *added);

static int finish_members_tx(gql_resolve_info *info, struct api_call *call, int rc, int64_t room_id,
                             json_object *room, const char *action, struct members_added *added,
                             json_object **out)
{
    if (rc || sql_tx(&call->api->db, "COMMIT") < 0) {
        sql_tx(&call->api->db, "ROLLBACK");
        json_object_put(room);
        json_object_put(added->user_ids);
        return rc ? rc : api_unavailable(info);
    }
    members_changed(call, room_id, action, added);
    json_object_put(added->user_ids);
    /* The room row was read before its patient joined (a trigger sets it). */
    if (added->patient_id[0] && !json_object_object_get(room, "patientId"))
        json_object_object_add(room, "patientId", json_object_new_string(added->patient_id));
    *out = room;
    return 0;
}

/* After a membership change: drop crm-pushd's cached member set, record it
 * with who was added ({"userIds": [...], "patientId": ...}: ids only). */
static void members_changed(struct api_call *call, int64_t room, const char *action,
                            const struct members_added *added)
{
    char key[64], target[40];
    snprintf(key, sizeof key, CRM_MEMBERS_PREFIX "%" PRId64, room);
    snprintf(target, sizeof target, "room:%" PRId64, room);
    redisContext *c = crm_redis_get(&call->api->redis);
    redisReply *rep = c ? redisCommand(c, "DEL %s %s" CRM_MEMBERS_PATIENT_SUFFIX, key, key) : NULL;
    if (rep)
        freeReplyObject(rep);
    else
        crm_redis_reset(&call->api->redis);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "userIds", json_object_get(added->user_ids));
    if (added->patient_id[0])
        json_object_object_add(d, "patientId", json_object_new_string(added->patient_id));
    audit_record_json_patient(&call->api->redis, call->who.user_id, action, target, call->client_addr, d,
                              added->patient_id[0] ? strtoll(added->patient_id, NULL, 10) : 0);
    json_object_put(d);
    /* Each new member's inbox gains the room (the transaction is committed). */
    size_t n = json_object_array_length(added->user_ids);
    for (size_t i = 0; i < n; i++)
        live_room_changed(call, room, "member", "userId",
                          json_object_get_string(json_object_array_get_idx(added->user_ids, i)));
}

static int r_create_room(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "STAFF,ADMIN");
    if (rc)
        return rc;
    const char *name = json_object_get_string(api_arg(info, "name"));
    long chars = crm_utf8_count(name, strlen(name));
    if (chars < 1 || chars > ROOM_NAME_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "The room name must be 1 to %d characters.",
                                 ROOM_NAME_MAX);
    char suser[24];
    snprintf(suser, sizeof suser, "%" PRId64, call->who.user_id);
    if (sql_tx(&call->api->db, "BEGIN") < 0)
        return api_unavailable(info);
    const char *params[] = {name, suser};
    PGresult *r = sql_run(&call->api->db, SQL_ROOM_INSERT, 2, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        sql_tx(&call->api->db, "ROLLBACK");
        return api_unavailable(info);
    }
    json_object *room = room_json(r, 0);
    int64_t room_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    json_object *self = json_object_new_array();
    json_object_array_add(self, json_object_new_string(suser));
    struct members_added added = {json_object_new_array(), ""};
    rc = add_members(info, call, room_id, self, &added);
    json_object_put(self);
    if (!rc)
        rc = add_members(info, call, room_id, api_arg(info, "memberIds"), &added);
    return finish_members_tx(info, call, rc, room_id, room, "room.create", &added, out);
}

static int r_add_members(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "STAFF,ADMIN");
    if (rc)
        return rc;
    json_object *room = NULL;
    rc = member_room(info, call, api_arg(info, "roomId"), 0, &room);
    if (rc)
        return rc;
    int64_t room_id = strtoll(json_object_get_string(json_object_object_get(room, "id")), NULL, 10);
    if (sql_tx(&call->api->db, "BEGIN") < 0) {
        json_object_put(room);
        return api_unavailable(info);
    }
    struct members_added added = {json_object_new_array(), ""};
    rc = add_members(info, call, room_id, api_arg(info, "userIds"), &added);
    return finish_members_tx(info, call, rc, room_id, room, "room.members.add", &added, out);
}

static int r_room_members(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    const char *room = json_object_get_string(json_object_object_get(info->parent, "id"));
    const char *params[] = {room};
    int rc;
    PGresult *r = api_query(info, call, SQL_ROOM_MEMBERS, 1, params, &rc);
    if (!r)
        return rc;
    json_object *list = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(list, api_user_json(call, r, i, 0));
    PQclear(r);
    *out = list;
    return 0;
}

static int r_room_last_message(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    const char *room = json_object_get_string(json_object_object_get(info->parent, "id"));
    struct api_message *msgs;
    size_t n;
    int answered, rc = last_message_of_page(info, call, room, out, &answered);
    if (rc || answered)
        return rc;
    /* Rooms reach here only through access checks (rooms, room, inbox, the
     * conversation mutations), so the caller may read them. A patient's newest
     * is the newest that is not an internal note. */
    int64_t rid = strtoll(room, NULL, 10);
    int stream;
    struct crm_redis *shard = api_room_redis(call->api, rid, &stream);
    if (history_load(&call->api->db, shard, call->api->cfg.streams, rid, 0, 0, 0, 1, api_is_staff(call),
                     &msgs, &n) != HISTORY_OK)
        return api_unavailable(info);
    *out = n ? api_message_to_json(&msgs[0]) : NULL;
    history_free(msgs, n);
    if (n) {
        char target[40];
        snprintf(target, sizeof target, "room:%s", room);
        /* A body is patient data: not answered without its audit record. */
        json_object *pv = json_object_object_get(info->parent, "patientId");
        int64_t patient = pv ? strtoll(json_object_get_string(pv), NULL, 10) : 0;
        if (audit_record_patient(&call->api->redis, call->who.user_id, "messages.read", target,
                                 call->client_addr, "{\"via\":\"lastMessage\"}", patient) < 0) {
            json_object_put(*out);
            *out = NULL;
            return api_unavailable(info);
        }
    }
    return 0;
}

int api_register_rooms(gql_engine *r)
{
    int rc;
    if ((rc = gql_engine_register(r, "Query.rooms", r_rooms)) ||
        (rc = gql_engine_register(r, "Query.room", r_room)) ||
        (rc = gql_engine_register(r, "Query.users", r_users)) ||
        (rc = gql_engine_register(r, "Mutation.createRoom", r_create_room)) ||
        (rc = gql_engine_register(r, "Mutation.addMembers", r_add_members)) ||
        (rc = gql_engine_register(r, "Room.members", r_room_members)) ||
        (rc = gql_engine_register(r, "Room.lastMessage", r_room_last_message)))
        return rc;
    return 0;
}
