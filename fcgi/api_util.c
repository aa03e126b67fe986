#include "config.h"

#include "api.h"

#include "auth.h"
#include "sql.h"
#include "stream_entry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unauthenticated(gql_resolve_info *info)
{
    return gql_resolve_error(info, "UNAUTHENTICATED", "Sign in first: a valid token is required.");
}

/* Roles this process read from the database, trusted for CRM_ROLE_CACHE_TTL
 * seconds: the role a request acts with is the user's record, never the token's
 * claim, so a token signed with a leaked key, or kept by a demoted user, has only
 * the power the database gives its subject. Direct-mapped by user id. */
#define ROLE_CACHE_SIZE 256
static struct role_cache_entry {
    int64_t user;
    long long until;
    char role[sizeof((struct crm_token_claims *)0)->role];
} role_cache[ROLE_CACHE_SIZE];

static void role_cache_put(struct api_call *call)
{
    if (call->api->cfg.role_cache_ttl <= 0)
        return;
    struct role_cache_entry *e = &role_cache[(uint64_t)call->who.user_id % ROLE_CACHE_SIZE];
    e->user = call->who.user_id;
    e->until = call->now + call->api->cfg.role_cache_ttl;
    memcpy(e->role, call->who.role, sizeof e->role);
}

void api_role_read(struct api_call *call, const char *role)
{
    snprintf(call->who.role, sizeof call->who.role, "%s", role);
    call->role_checked = 1;
    role_cache_put(call);
}

/* Sets call->who.role from the user's record. 0, or a resolver error. */
static int caller_role(gql_resolve_info *info, struct api_call *call)
{
    struct role_cache_entry *e = &role_cache[(uint64_t)call->who.user_id % ROLE_CACHE_SIZE];
    if (e->user == call->who.user_id && e->until > call->now) {
        memcpy(call->who.role, e->role, sizeof e->role);
        call->role_checked = 1;
        return 0;
    }
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, call->who.user_id);
    const char *params[] = {id};
    int rc = 0;
    PGresult *r = api_query(info, call, SQL_USER_BY_ID, 1, params, &rc);
    if (!r)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return gql_resolve_error(info, "UNAUTHENTICATED", "This account no longer exists.");
    }
    api_role_read(call, PQgetvalue(r, 0, 3));
    PQclear(r);
    return 0;
}

int api_require_signed(gql_resolve_info *info, struct api_call *call, const char *roles)
{
    if (!call->authed || call->revocation == API_REVOCATION_REVOKED)
        return unauthenticated(info);
    if (!call->role_checked) {
        int rc = caller_role(info, call);
        if (rc)
            return rc;
    }
    if (!roles)
        return 0;
    size_t rl = strlen(call->who.role);
    for (const char *p = roles; *p;) {
        size_t n = strcspn(p, ",");
        if (n == rl && strncmp(p, call->who.role, n) == 0)
            return 0;
        p += n + (p[n] == ',');
    }
    return gql_resolve_error(info, "FORBIDDEN", "Your role may not do this.");
}

int api_require(gql_resolve_info *info, struct api_call *call, const char *roles)
{
    if (call->authed && call->revocation == API_REVOCATION_UNKNOWN) {
        /* Unknown stays unknown when Redis is away: the next field asks again. */
        int revoked = auth_revoked(&call->api->redis, call->who.jti);
        if (revoked < 0)
            return api_unavailable(info);
        call->revocation = revoked ? API_REVOCATION_REVOKED : API_REVOCATION_CLEAR;
    }
    return api_require_signed(info, call, roles);
}

json_object *api_user_json(const struct api_call *call, const PGresult *r, int i, int col)
{
    json_object *u = json_object_new_object();
    if (!u)
        return NULL;
    const char *id = PQgetvalue(r, i, col);
    int self = call->authed && strtoll(id, NULL, 10) == call->who.user_id;
    /* A role not yet read from the database is trusted least. */
    int patient_viewer = call->authed && (!call->role_checked || strcmp(call->who.role, "PATIENT") == 0);
    api_put(u, "id", json_object_new_string(id));
    api_put(u, "email", json_object_new_string(patient_viewer && !self ? "" : PQgetvalue(r, i, col + 1)));
    api_put(u, "displayName", json_object_new_string(PQgetvalue(r, i, col + 2)));
    api_put(u, "role", json_object_new_string(PQgetvalue(r, i, col + 3)));
    api_put(u, "createdAt", json_object_new_string(PQgetvalue(r, i, col + 4)));
    return u;
}

int api_user_lookup(gql_resolve_info *info, struct api_call *call, const char *id, json_object **out)
{
    json_object *cached;
    if (!id) {
        *out = NULL;
        return 0;
    }
    if (!call->users)
        call->users = json_object_new_object();
    if (json_object_object_get_ex(call->users, id, &cached)) {
        *out = json_object_get(cached);
        return 0;
    }
    const char *params[] = {id};
    PGresult *r = sql_run(&call->api->db, SQL_USER_BY_ID, 1, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        PQclear(r);
        return api_unavailable(info);
    }
    json_object *u = api_user_json(call, r, 0, 0);
    PQclear(r);
    json_object_object_add(call->users, id, json_object_get(u));
    *out = u;
    return 0;
}

void api_users_preload(struct api_call *call, json_object *rooms)
{
    static const char *const keys[] = {"patientId", "assigneeId"};
    size_t n = json_object_array_length(rooms), o = 0;
    char *ids = malloc(2 * n * 21 + 3);
    if (!ids || n == 0) {
        free(ids);
        return;
    }
    if (!call->users)
        call->users = json_object_new_object();
    ids[o++] = '{';
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 2; k++) {
            json_object *v = json_object_object_get(json_object_array_get_idx(rooms, i), keys[k]);
            const char *id = v ? json_object_get_string(v) : NULL;
            if (!id || json_object_object_get_ex(call->users, id, NULL))
                continue;
            o += (size_t)sprintf(ids + o, "%s%.20s", o > 1 ? "," : "", id);
        }
    ids[o++] = '}';
    ids[o] = '\0';
    if (o > 2) {
        const char *params[] = {ids};
        PGresult *r = sql_run(&call->api->db, SQL_USERS_BY_IDS, 1, params);
        for (int i = 0; r && PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
            json_object_object_add(call->users, PQgetvalue(r, i, 0), api_user_json(call, r, i, 0));
        PQclear(r);
    }
    free(ids);
}

int api_parse_id(json_object *v, int64_t *out)
{
    if (!v)
        return -1;
    const char *s = json_object_get_string(v);
    return crm_decimal_id_parse(s, strlen(s), out);
}

PGresult *api_query(gql_resolve_info *info, struct api_call *call, int s, int n, const char *const *params,
                    int *rc)
{
    PGresult *r = sql_run(&call->api->db, (enum sql_stmt)s, n, params);
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK)
        return r;
    PQclear(r);
    *rc = api_unavailable(info);
    return NULL;
}

int api_unavailable(gql_resolve_info *info)
{
    return gql_resolve_error(info, "INTERNAL_SERVER_ERROR",
                             "The service is temporarily unavailable; try again.");
}

json_object *api_arg(gql_resolve_info *info, const char *name)
{
    json_object *v = NULL;
    if (!info->args || !json_object_object_get_ex(info->args, name, &v))
        return NULL;
    return v;
}

int api_resolvers_register(gql_engine *r)
{
    int rc;
    if ((rc = api_register_auth(r)) || (rc = api_register_rooms(r)) || (rc = api_register_messages(r)) ||
        (rc = api_register_admin(r)) || (rc = api_register_inbox(r)) || (rc = api_register_patients(r)) ||
        (rc = api_register_search(r)) || (rc = api_register_live(r)))
        return rc;
    return 0;
}
