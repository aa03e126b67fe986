/* Resolvers: who you are. register, login, logout, createUser, me. */
#include "config.h"

#include "api.h"
#include "audit.h"
#include "auth.h"
#include "hash_slots.h"
#include "log.h"
#include "message.h"
#include "password.h"
#include "ratelimit.h"
#include "sql.h"
#include "utf8.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMAIL_MAX 254
#define DISPLAY_NAME_MAX 100 /* characters */

/* A plausible address: one '@', something on both sides, no spaces or controls. */
static int email_valid(const char *e)
{
    size_t n = strlen(e);
    const char *at = strchr(e, '@');
    if (n < 3 || n > EMAIL_MAX || !at || at == e || !at[1] || strchr(at + 1, '@'))
        return 0;
    for (const char *p = e; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return 0;
    return crm_utf8_count(e, n) > 0;
}

static int name_valid(const char *s)
{
    long chars = crm_utf8_count(s, strlen(s));
    if (chars < 1 || chars > DISPLAY_NAME_MAX)
        return 0;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < ' ')
            return 0;
    return 1;
}

/* AuthPayload for the user row at r[0]. */
static int auth_payload(gql_resolve_info *info, struct api_call *call, const PGresult *r,
                        json_object **out)
{
    char *token = NULL;
    struct crm_token_claims claims;
    int64_t uid = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    const char *secret = call->api->cfg.jwt_secret;
    if (crm_token_issue(secret, strlen(secret), uid, PQgetvalue(r, 0, 3), call->now,
                        call->api->cfg.jwt_ttl, &token, &claims) != CRM_TOKEN_OK)
        return gql_resolve_error(info, "INTERNAL_SERVER_ERROR", "Could not issue a token.");
    char expires[32];
    api_format_ms((uint64_t)claims.exp * 1000u, expires);
    /* The new user sees their own record in full. */
    struct api_call self = *call;
    self.authed = 1;
    self.who = claims;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(token));
    json_object_object_add(o, "expiresAt", json_object_new_string(expires));
    json_object_object_add(o, "user", api_user_json(&self, r, 0, 0));
    crm_token_str_free(token);
    *out = o;
    return 0;
}

/* Hashes under a host-wide slot. 0, or a resolver error. */
static int hash_bounded(gql_resolve_info *info, struct api_call *call, const char *pw,
                        char hash[CRM_PASSWORD_HASH_LEN])
{
    size_t len = strlen(pw);
    if (len < CRM_PASSWORD_MIN || len > CRM_PASSWORD_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "The password must be %d to %d bytes long.",
                                 CRM_PASSWORD_MIN, CRM_PASSWORD_MAX);
    int slot = hash_slot_acquire(call->api->cfg.hash_slots);
    if (slot < 0)
        return gql_resolve_error(info, "RATE_LIMITED", "The server is busy; try again in a moment.");
    int rc = crm_password_hash(pw, len, hash);
    hash_slot_release(slot);
    return rc == 0 ? 0 : gql_resolve_error(info, "INTERNAL_SERVER_ERROR", "Could not hash the password.");
}

/* Inserts a user; answers with the row (user columns) or a resolver error. */
static int insert_user(gql_resolve_info *info, struct api_call *call, const char *role, PGresult **row)
{
    const char *email = json_object_get_string(api_arg(info, "email"));
    const char *password = json_object_get_string(api_arg(info, "password"));
    const char *name = json_object_get_string(api_arg(info, "displayName"));
    if (!email_valid(email))
        return gql_resolve_error(info, "BAD_USER_INPUT", "The email address is not valid.");
    if (!name_valid(name))
        return gql_resolve_error(info, "BAD_USER_INPUT",
                                 "The display name must be 1 to %d characters.", DISPLAY_NAME_MAX);
    char hash[CRM_PASSWORD_HASH_LEN];
    int rc = hash_bounded(info, call, password, hash);
    if (rc)
        return rc;
    const char *params[] = {email, name, role, hash};
    PGresult *r = sql_run(&call->api->db, SQL_USER_INSERT, 4, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        int bad = r && sql_is_constraint_error(r, NULL);
        PQclear(r);
        return bad ? gql_resolve_error(info, "BAD_USER_INPUT", "The email or name is not acceptable.")
                   : api_unavailable(info);
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        return gql_resolve_error(info, "BAD_USER_INPUT", "An account with this email exists.");
    }
    *row = r;
    return 0;
}

static int r_register(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    PGresult *row = NULL;
    int rc = insert_user(info, call, "PATIENT", &row);
    if (rc)
        return rc;
    char target[40];
    snprintf(target, sizeof target, "user:%s", PQgetvalue(row, 0, 0));
    audit_record(&call->api->redis, strtoll(PQgetvalue(row, 0, 0), NULL, 10), "user.register",
                 target, call->client_addr, NULL);
    rc = auth_payload(info, call, row, out);
    PQclear(row);
    return rc;
}

static int r_create_user(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "ADMIN");
    if (rc)
        return rc;
    PGresult *row = NULL;
    rc = insert_user(info, call, json_object_get_string(api_arg(info, "role")), &row);
    if (rc)
        return rc;
    char target[40];
    snprintf(target, sizeof target, "user:%s", PQgetvalue(row, 0, 0));
    audit_record(&call->api->redis, call->who.user_id, "user.create", target, call->client_addr, NULL);
    *out = api_user_json(call, row, 0, 0);
    PQclear(row);
    return 0;
}

/* A sign-in's audit record. email (at most EMAIL_MAX bytes, checked before any
 * call; NULL: none) is what was typed, an address and not PHI: it names the
 * account tried when there is no user id. limit: the limit that refused it. */
static void login_audit(struct api_call *call, int64_t uid, const char *action, const char *email,
                        const char *limit)
{
    json_object *d = json_object_new_object();
    if (email)
        json_object_object_add(d, "email", json_object_new_string(email));
    if (limit)
        json_object_object_add(d, "limit", json_object_new_string(limit));
    audit_record_json(&call->api->redis, uid, action, NULL, call->client_addr, d);
    json_object_put(d);
}

/* Counts the attempt against the email and the address limits. */
static int login_limits(gql_resolve_info *info, struct api_call *call, const char *email)
{
    char key[EMAIL_MAX + 64];
    long retry = 0;
    size_t n = (size_t)snprintf(key, sizeof key, "crm:rate:login:email:");
    for (const char *p = email; *p && n + 1 < sizeof key; p++)
        key[n++] = (char)tolower((unsigned char)*p);
    enum ratelimit_result a = ratelimit_hit(&call->api->redis, key, n, call->api->cfg.login_per_email,
                                            CRM_LOGIN_WINDOW_MS, &retry);
    n = (size_t)snprintf(key, sizeof key, "crm:rate:login:addr:%s",
                         call->client_addr ? call->client_addr : "-");
    enum ratelimit_result b = a == RATE_OK ? ratelimit_hit(&call->api->redis, key, n,
                                                           call->api->cfg.login_per_addr, CRM_LOGIN_WINDOW_MS, &retry)
                                           : a;
    if (a == RATE_UNAVAILABLE || b == RATE_UNAVAILABLE)
        return api_unavailable(info);
    if (a == RATE_LIMITED || b == RATE_LIMITED)
        login_audit(call, 0, "login.limited", email, a == RATE_LIMITED ? "email" : "address");
    if (a == RATE_LIMITED || b == RATE_LIMITED)
        return gql_resolve_error(info, "RATE_LIMITED",
                                 "Too many sign-in attempts; try again in %ld seconds.",
                                 (retry + 999) / 1000);
    return 0;
}

static int r_login(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    const char *email = json_object_get_string(api_arg(info, "email"));
    const char *password = json_object_get_string(api_arg(info, "password"));
    if (strlen(email) > EMAIL_MAX)
        return gql_resolve_error(info, "UNAUTHENTICATED", "Wrong email or password.");
    int rc = login_limits(info, call, email);
    if (rc)
        return rc;
    const char *params[] = {email};
    PGresult *r = api_query(info, call, SQL_USER_BY_EMAIL, 1, params, &rc);
    if (!r)
        return rc;
    const char *hash = PQntuples(r) == 1 ? PQgetvalue(r, 0, 5) : NULL;
    int slot = hash_slot_acquire(call->api->cfg.hash_slots);
    if (slot < 0) {
        PQclear(r);
        return gql_resolve_error(info, "RATE_LIMITED", "The server is busy; try again in a moment.");
    }
    /* An unknown email costs a full verification against a dummy hash too. */
    int ok = crm_password_verify(hash, password, strlen(password));
    hash_slot_release(slot);
    if (!ok) {
        int64_t uid = hash ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
        /* An unknown email has no user id: the record names the email tried. */
        login_audit(call, uid, "login.failed", uid ? NULL : email, NULL);
        PQclear(r);
        return gql_resolve_error(info, "UNAUTHENTICATED", "Wrong email or password.");
    }
    audit_record(&call->api->redis, strtoll(PQgetvalue(r, 0, 0), NULL, 10), "login", NULL,
                 call->client_addr, NULL);
    rc = auth_payload(info, call, r, out);
    PQclear(r);
    return rc;
}

static int r_logout(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    if (auth_revoke(&call->api->redis, &call->who, call->now) < 0)
        return api_unavailable(info);
    call->revocation = API_REVOCATION_REVOKED; /* later fields of this request too */
    audit_record(&call->api->redis, call->who.user_id, "logout", NULL, call->client_addr, NULL);
    *out = json_object_new_boolean(1);
    return 0;
}

static int r_me(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, call->who.user_id);
    const char *params[] = {id};
    PGresult *r = api_query(info, call, SQL_USER_BY_ID, 1, params, &rc);
    if (!r)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return gql_resolve_error(info, "UNAUTHENTICATED", "This account no longer exists.");
    }
    *out = api_user_json(call, r, 0, 0);
    PQclear(r);
    return 0;
}

int api_register_auth(gql_engine *r)
{
    int rc;
    if ((rc = gql_engine_register(r, "Mutation.register", r_register)) ||
        (rc = gql_engine_register(r, "Mutation.login", r_login)) ||
        (rc = gql_engine_register(r, "Mutation.logout", r_logout)) ||
        (rc = gql_engine_register(r, "Mutation.createUser", r_create_user)) ||
        (rc = gql_engine_register(r, "Query.me", r_me)))
        return rc;
    return 0;
}
