/* Resolvers: finding things. searchMessages (PostgreSQL full-text search over
 * persisted messages) and auditLog (admins), AuditRecord.actor. */
#include "config.h"

#include "api.h"
#include "audit.h"
#include "message.h"
#include "room_access.h"
#include "sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_QUERY_MAX 200 /* bytes */
#define SEARCH_LIMIT_MAX 50
#define AUDIT_LIMIT_MAX 200
#define ACTION_MAX 64

/* Audits a search once per patient whose messages it answered (and once
 * without a patient when it touched none): "who read this patient's data" then
 * finds searches too. patients: n ids, duplicates allowed. */
static int search_audit(struct api_call *call, int64_t room, const int64_t *patients, int n, int count)
{
    char target[40] = "", detail[64];
    if (room)
        snprintf(target, sizeof target, "room:%" PRId64, room);
    snprintf(detail, sizeof detail, "{\"count\":%d}", count);
    int64_t distinct[SEARCH_LIMIT_MAX];
    int k = 0;
    for (int i = 0; i < n; i++) {
        int seen = patients[i] == 0;
        for (int j = 0; j < k && !seen; j++)
            seen = distinct[j] == patients[i];
        if (!seen)
            distinct[k++] = patients[i];
    }
    if (k == 0)
        return audit_record(&call->api->redis, call->who.user_id, "messages.search", target,
                            call->client_addr, detail);
    return audit_record_patients(&call->api->redis, call->who.user_id, "messages.search", target, 0,
                                 call->client_addr, detail, distinct, k);
}

static int r_search_messages(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    const char *query = json_object_get_string(api_arg(info, "query"));
    json_object *lv = api_arg(info, "limit"), *rv = api_arg(info, "roomId");
    int limit = lv ? json_object_get_int(lv) : 20;
    size_t qlen = strlen(query);
    if (qlen < 1 || qlen > SEARCH_QUERY_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "query must be 1 to %d bytes.", SEARCH_QUERY_MAX);
    if (limit < 1 || limit > SEARCH_LIMIT_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "limit must be 1 to %d.", SEARCH_LIMIT_MAX);
    int64_t room = 0;
    if (rv) {
        struct room_access a;
        if ((rc = room_access(info, call, rv, 1, &a)))
            return rc;
        json_object_put(a.room);
        room = a.id;
    }
    char suser[24], sroom[24], slimit[16];
    snprintf(suser, sizeof suser, "%" PRId64, call->who.user_id);
    snprintf(sroom, sizeof sroom, "%" PRId64, room);
    snprintf(slimit, sizeof slimit, "%d", limit);
    const char *params[] = {suser, api_is_staff(call) ? "t" : "f", query, room ? sroom : NULL, slimit};
    /* A patient searches within their own rooms, never the whole index. */
    PGresult *r = api_query(info, call, api_is_staff(call) ? SQL_SEARCH_MESSAGES : SQL_SEARCH_MESSAGES_MEMBER,
                            5, params, &rc);
    if (!r)
        return rc;
    int n = PQntuples(r);
    int64_t patients[SEARCH_LIMIT_MAX];
    json_object *list = json_object_new_array();
    for (int i = 0; i < n; i++) {
        struct api_message m = {0};
        m.room_id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        m.sender_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        m.body = PQgetvalue(r, i, 2);
        m.key = PQgetvalue(r, i, 3);
        m.ms = strtoull(PQgetvalue(r, i, 4), NULL, 10);
        m.seq = strtoull(PQgetvalue(r, i, 5), NULL, 10);
        m.internal = PQgetvalue(r, i, 6)[0] == 't';
        m.persisted = 1;
        patients[i] = PQgetisnull(r, i, 7) ? 0 : strtoll(PQgetvalue(r, i, 7), NULL, 10);
        /* m borrows r's strings: converted before r is cleared, never freed. */
        json_object_array_add(list, api_message_to_json(&m));
    }
    PQclear(r);
    if (search_audit(call, room, patients, n, n) < 0) {
        json_object_put(list);
        return api_unavailable(info);
    }
    *out = list;
    return 0;
}

/* An optional ID filter: NULL when absent, else its decimal text in buf. 0 or -1. */
static int id_filter(gql_resolve_info *info, const char *name, char *buf, const char **out)
{
    json_object *v = api_arg(info, name);
    int64_t id;
    *out = NULL;
    if (!v)
        return 0;
    if (api_parse_id(v, &id) < 0)
        return -1;
    snprintf(buf, 24, "%" PRId64, id);
    *out = buf;
    return 0;
}

static int r_audit_log(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "ADMIN");
    if (rc)
        return rc;
    char actor[24], patient[24], room[24], target[40], before[24], slimit[16];
    const char *pactor, *ppatient, *proom, *pbefore;
    if (id_filter(info, "actorId", actor, &pactor) < 0 ||
        id_filter(info, "patientId", patient, &ppatient) < 0 || id_filter(info, "roomId", room, &proom) < 0)
        return gql_resolve_error(info, "BAD_USER_INPUT", "actorId, patientId and roomId must be ids.");
    if (id_filter(info, "before", before, &pbefore) < 0)
        return gql_resolve_error(info, "BAD_USER_INPUT", "before must be the id of an audit record.");
    json_object *av = api_arg(info, "action"), *lv = api_arg(info, "limit");
    const char *action = av ? json_object_get_string(av) : NULL;
    if (action && (strlen(action) < 1 || strlen(action) > ACTION_MAX))
        return gql_resolve_error(info, "BAD_USER_INPUT", "action must be 1 to %d bytes.", ACTION_MAX);
    int limit = lv ? json_object_get_int(lv) : 50;
    if (limit < 1 || limit > AUDIT_LIMIT_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "limit must be 1 to %d.", AUDIT_LIMIT_MAX);
    if (proom)
        snprintf(target, sizeof target, "room:%s", proom);
    snprintf(slimit, sizeof slimit, "%d", limit);
    const char *params[] = {pactor, ppatient, proom ? target : NULL, action, pbefore, slimit};
    PGresult *r = api_query(info, call, SQL_AUDIT_LOG, 6, params, &rc);
    if (!r)
        return rc;
    json_object *list = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string(PQgetvalue(r, i, 0)));
        json_object_object_add(o, "at", json_object_new_string(PQgetvalue(r, i, 1)));
        json_object_object_add(o, "actorId",
                               PQgetisnull(r, i, 2) ? NULL : json_object_new_string(PQgetvalue(r, i, 2)));
        json_object_object_add(o, "action", json_object_new_string(PQgetvalue(r, i, 3)));
        const char *t = PQgetisnull(r, i, 4) ? "" : PQgetvalue(r, i, 4);
        json_object_object_add(o, "roomId",
                               strncmp(t, "room:", 5) == 0 ? json_object_new_string(t + 5) : NULL);
        json_object_object_add(o, "patientId",
                               PQgetisnull(r, i, 5) ? NULL : json_object_new_string(PQgetvalue(r, i, 5)));
        json_object_object_add(o, "address",
                               PQgetisnull(r, i, 6) ? NULL : json_object_new_string(PQgetvalue(r, i, 6)));
        json_object_object_add(o, "detail", json_object_new_string(PQgetvalue(r, i, 7)));
        json_object_array_add(list, o);
    }
    PQclear(r);
    /* Reading the trail is itself on the trail. */
    if (audit_record(&call->api->redis, call->who.user_id, "audit.read", NULL, call->client_addr, NULL) < 0) {
        json_object_put(list);
        return api_unavailable(info);
    }
    *out = list;
    return 0;
}

static int r_audit_actor(gql_resolve_info *info, void *ctx, json_object **out)
{
    json_object *id = json_object_object_get(info->parent, "actorId");
    return api_user_lookup(info, ctx, id ? json_object_get_string(id) : NULL, out);
}

int api_register_search(gql_engine *r)
{
    int rc;
    if ((rc = gql_engine_register(r, "Query.searchMessages", r_search_messages)) ||
        (rc = gql_engine_register(r, "Query.auditLog", r_audit_log)) ||
        (rc = gql_engine_register(r, "AuditRecord.actor", r_audit_actor)))
        return rc;
    return 0;
}
