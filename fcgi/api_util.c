#include "config.h"

#include "api.h"

#include "auth.h"
#include "sql.h"
#include "stream_entry.h"

#include <string.h>

static int unauthenticated(gql_resolve_info *info)
{
    return gql_resolve_error(info, "UNAUTHENTICATED", "Sign in first: a valid token is required.");
}

int api_require_signed(gql_resolve_info *info, struct api_call *call, const char *roles)
{
    if (!call->authed || call->revocation == API_REVOCATION_REVOKED)
        return unauthenticated(info);
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
    int patient_viewer = call->authed && strcmp(call->who.role, "PATIENT") == 0;
    json_object_object_add(u, "id", json_object_new_string(id));
    json_object_object_add(u, "email", json_object_new_string(
                                           patient_viewer && !self ? "" : PQgetvalue(r, i, col + 1)));
    json_object_object_add(u, "displayName", json_object_new_string(PQgetvalue(r, i, col + 2)));
    json_object_object_add(u, "role", json_object_new_string(PQgetvalue(r, i, col + 3)));
    json_object_object_add(u, "createdAt", json_object_new_string(PQgetvalue(r, i, col + 4)));
    return u;
}

int api_parse_id(json_object *v, int64_t *out)
{
    if (!v)
        return -1;
    const char *s = json_object_get_string(v);
    return crm_decimal_id_parse(s, strlen(s), out);
}

PGresult *api_query(gql_resolve_info *info, struct api_call *call, int s, int n,
                    const char *const *params, int *rc)
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
    if ((rc = api_register_auth(r)) || (rc = api_register_rooms(r)) ||
        (rc = api_register_messages(r)) || (rc = api_register_admin(r)))
        return rc;
    return 0;
}
