#include "config.h"

#include "room_access.h"

#include "audit.h"
#include "sql.h"
#include "streams.h"
#include "tags_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_id_or_null(json_object *o, const char *name, const PGresult *r, int i, int col)
{
    api_put(o, name, PQgetisnull(r, i, col) ? NULL : json_object_new_string(PQgetvalue(r, i, col)));
}

json_object *room_json(const PGresult *r, int i)
{
    json_object *o = json_object_new_object();
    api_put(o, "id", json_object_new_string(PQgetvalue(r, i, ROOM_COL_ID)));
    api_put(o, "name", json_object_new_string(PQgetvalue(r, i, ROOM_COL_NAME)));
    api_put(o, "createdAt", json_object_new_string(PQgetvalue(r, i, ROOM_COL_CREATED)));
    api_put(o, "status", json_object_new_string(PQgetvalue(r, i, ROOM_COL_STATUS)));
    add_id_or_null(o, "assigneeId", r, i, ROOM_COL_ASSIGNEE);
    add_id_or_null(o, "patientId", r, i, ROOM_COL_PATIENT);
    api_put(o, "tags", tags_json(PQgetvalue(r, i, ROOM_COL_TAGS)));
    api_put(o, "updatedAt", json_object_new_string(PQgetvalue(r, i, ROOM_COL_UPDATED)));
    api_put(o, "publicUpdatedAt", json_object_new_string(PQgetvalue(r, i, ROOM_COL_PUBLIC_UPDATED)));
    return o;
}

void room_cursor(const PGresult *r, int i, int public_view, char *buf)
{
    snprintf(buf, 48, "%s:%s",
             PQgetvalue(r, i, public_view ? ROOM_COL_PUBLIC_UPDATED_US : ROOM_COL_UPDATED_US),
             PQgetvalue(r, i, ROOM_COL_ID));
}

int api_is_staff(const struct api_call *call)
{
    return call->role_checked &&
           (strcmp(call->who.role, "STAFF") == 0 || strcmp(call->who.role, "ADMIN") == 0);
}

int room_access(gql_resolve_info *info, struct api_call *call, json_object *idv, int triage,
                struct room_access *out)
{
    memset(out, 0, sizeof *out);
    int64_t room;
    char sroom[24], suser[24];
    if (api_parse_id(idv, &room) < 0)
        room = 0;
    if (room == 0)
        goto forbidden;
    snprintf(sroom, sizeof sroom, "%" PRId64, room);
    snprintf(suser, sizeof suser, "%" PRId64, call->who.user_id);
    const char *params[] = {sroom, suser};
    int rc;
    PGresult *r = api_query(info, call, SQL_ROOM_ACCESS, 2, params, &rc);
    if (!r)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        goto forbidden;
    }
    out->id = room;
    out->member = PQgetvalue(r, 0, ROOM_NCOLS)[0] == 't';
    out->patient_id =
        PQgetisnull(r, 0, ROOM_COL_PATIENT) ? 0 : strtoll(PQgetvalue(r, 0, ROOM_COL_PATIENT), NULL, 10);
    out->assignee_id =
        PQgetisnull(r, 0, ROOM_COL_ASSIGNEE) ? 0 : strtoll(PQgetvalue(r, 0, ROOM_COL_ASSIGNEE), NULL, 10);
    int allowed = out->member || (triage && api_is_staff(call) && out->patient_id && !out->assignee_id);
    if (allowed)
        out->room = room_json(r, 0);
    PQclear(r);
    if (allowed)
        return 0;
forbidden:
    /* Someone asking for a room that is not theirs is worth a record. */
    audit_access_denied(&call->api->redis, call->who.user_id, room, info->field_name, call->client_addr);
    memset(out, 0, sizeof *out);
    return gql_resolve_error(info, "FORBIDDEN", "You are not a member of this room.");
}

void room_members_changed(struct api_call *call, int64_t room)
{
    char key[64];
    snprintf(key, sizeof key, CRM_MEMBERS_PREFIX "%" PRId64, room);
    redisContext *c = crm_redis_get(&call->api->redis);
    if (!c)
        return;
    /* The generation first: a fill of crm-pushd that read the database before
     * this change either lands before the DEL (and is deleted) or finds the
     * generation moved (and is not made). One round trip for the three. */
    redisAppendCommand(c, "INCR %s" CRM_MEMBERS_GEN_SUFFIX, key);
    redisAppendCommand(c, "EXPIRE %s" CRM_MEMBERS_GEN_SUFFIX " %d", key, CRM_MEMBERS_GEN_TTL);
    redisAppendCommand(c, "DEL %s %s" CRM_MEMBERS_PATIENT_SUFFIX, key, key);
    for (int i = 0; i < 3; i++) {
        redisReply *rep = NULL;
        if (redisGetReply(c, (void **)&rep) != REDIS_OK || !rep) {
            crm_redis_reset(&call->api->redis);
            return;
        }
        freeReplyObject(rep);
    }
}
