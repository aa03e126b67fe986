/* Resolvers: who you are. register, login, logout, createUser, me. */
#include "config.h"

#include "api.h"
#include "audit.h"
#include "auth.h"
#include "display_name.h"
#include "email_norm.h"
#include "hash_slots.h"
#include "log.h"
#include "message.h"
#include "password.h"
#include "password_policy.h"
#include "ratelimit.h"
#include "sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGISTER_WINDOW_ADDR_MS (15 * 60 * 1000)
#define REGISTER_WINDOW_ALL_MS (60 * 1000)

/* The one answer to every registration that passed the checks, whether the email
 * was free (the account is made now) or already had an account (nothing
 * changes): the answer must not tell which, and without an email channel there
 * is no one else to tell. The client signs in next with the same email and
 * password; see README, "Security". */
#define REGISTERED_CODE "REGISTRATION_RECEIVED"
#define REGISTERED_MESSAGE                                                                  \
    "Thank you. If this email had no account, it has one now: sign in with this email and " \
    "password. If it had one already, nothing changed: sign in with its own password."

/* Checks a new user's fields before any limit or hash is spent on them; writes
 * the canonical email (free() it) on success. 0, or a resolver error. */
static int new_user_fields(gql_resolve_info *info, const char *email, const char *name, const char *password,
                           char **canon)
{
    *canon = NULL;
    enum crm_email_result er = crm_email_normalize(email, canon);
    if (er == CRM_EMAIL_NOMEM)
        return gql_resolve_error(info, "INTERNAL_SERVER_ERROR", "Out of memory.");
    if (er != CRM_EMAIL_OK)
        return gql_resolve_error(info, "BAD_USER_INPUT", "The email address is not valid.");
    int rc = 0;
    enum crm_password_policy pp = crm_password_policy_check(password, strlen(password));
    if (!crm_display_name_valid(name, strlen(name)))
        rc = gql_resolve_error(info, "BAD_USER_INPUT",
                               "The display name must be 1 to %d characters, without control, "
                               "direction or invisible characters.",
                               CRM_DISPLAY_NAME_MAX);
    else if (pp != CRM_PASSWORD_ACCEPTED)
        rc = gql_resolve_error(info, "BAD_USER_INPUT", "%s", crm_password_policy_message(pp));
    if (rc) {
        free(*canon);
        *canon = NULL;
    }
    return rc;
}

static int busy(gql_resolve_info *info)
{
    return gql_resolve_error(info, "RATE_LIMITED", "The server is busy; try again in a moment.");
}

/* AuthPayload for the user row at r[0]. */
static int auth_payload(gql_resolve_info *info, struct api_call *call, const PGresult *r, json_object **out)
{
    char *token = NULL;
    struct crm_token_claims claims;
    int64_t uid = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    const char *secret = call->api->cfg.jwt_secret;
    if (crm_token_issue(secret, strlen(secret), uid, PQgetvalue(r, 0, 3), call->now, call->api->cfg.jwt_ttl,
                        &token, &claims) != CRM_TOKEN_OK)
        return gql_resolve_error(info, "INTERNAL_SERVER_ERROR", "Could not issue a token.");
    char expires[32];
    api_format_ms((uint64_t)claims.exp * 1000u, expires);
    /* The new user sees their own record in full. */
    struct api_call self = *call;
    self.authed = 1;
    self.who = claims;
    self.role_checked = 1; /* the role was just read from the row */
    json_object *o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(token));
    json_object_object_add(o, "expiresAt", json_object_new_string(expires));
    json_object_object_add(o, "user", api_user_json(&self, r, 0, 0));
    crm_token_str_free(token);
    *out = o;
    return 0;
}

/* Hashes a password new_user_fields accepted under a host-wide slot. 0, or a
 * resolver error. */
static int hash_bounded(gql_resolve_info *info, struct api_call *call, const char *pw,
                        char hash[CRM_PASSWORD_HASH_LEN])
{
    int slot = hash_slot_acquire(call->api->cfg.hash_slots);
    if (slot < 0)
        return busy(info);
    int rc = crm_password_hash(pw, strlen(pw), hash);
    hash_slot_release(slot);
    return rc == 0 ? 0 : gql_resolve_error(info, "INTERNAL_SERVER_ERROR", "Could not hash the password.");
}

/* The registration limits, per address and for all addresses, checked before
 * anything else is spent on the request. 0, or a resolver error. */
static int register_limits(gql_resolve_info *info, struct api_call *call)
{
    char key[128];
    long retry = 0;
    int n =
        snprintf(key, sizeof key, "crm:rate:register:addr:%s", call->client_addr ? call->client_addr : "-");
    enum ratelimit_result a = ratelimit_hit(
        &call->api->redis, key, (size_t)n, call->api->cfg.register_per_addr, REGISTER_WINDOW_ADDR_MS, &retry);
    enum ratelimit_result b = a;
    if (a == RATE_OK) {
        static const char all[] = "crm:rate:register:all";
        b = ratelimit_hit(&call->api->redis, all, sizeof all - 1, call->api->cfg.register_per_minute,
                          REGISTER_WINDOW_ALL_MS, &retry);
    }
    if (b == RATE_UNAVAILABLE)
        return api_unavailable(info);
    if (b == RATE_LIMITED)
        return gql_resolve_error(info, "RATE_LIMITED", "Too many registrations; try again in %ld seconds.",
                                 (retry + 999) / 1000);
    return 0;
}

static int r_register(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)out;
    struct api_call *call = ctx;
    char *email = NULL;
    int rc = new_user_fields(info, json_object_get_string(api_arg(info, "email")),
                             json_object_get_string(api_arg(info, "displayName")),
                             json_object_get_string(api_arg(info, "password")), &email);
    if (rc)
        return rc;
    const char *name = json_object_get_string(api_arg(info, "displayName"));
    const char *password = json_object_get_string(api_arg(info, "password"));
    PGresult *r = NULL;
    int gate = -1, slot = -1;
    if ((rc = register_limits(info, call)))
        goto done;
    /* Whether the email is taken is known before any hash, but it changes only
     * what is done after the hash: a taken email costs the same one hash, under
     * the same gate and slot, as a new account (the hash is thrown away), so
     * neither the answer, nor its time, nor a "busy" under load tells them apart.
     * The gate keeps registrations to one slot at a time, so a flood of them,
     * new or taken, never starves sign-ins of hash slots; the limits above bound
     * how often even that one slot is used. */
    const char *params[] = {email};
    r = api_query(info, call, SQL_USER_BY_EMAIL, 1, params, &rc);
    if (!r)
        goto done;
    int taken = PQntuples(r) > 0;
    PQclear(r);
    r = NULL;
    if ((gate = hash_gate_register()) < 0 || (slot = hash_slot_acquire(call->api->cfg.hash_slots)) < 0) {
        rc = busy(info);
        goto done;
    }
    char hash[CRM_PASSWORD_HASH_LEN];
    int hashed = crm_password_hash(password, strlen(password), hash);
    hash_slot_release(slot);
    hash_slot_release(gate);
    slot = gate = -1;
    if (hashed != 0) {
        rc = gql_resolve_error(info, "INTERNAL_SERVER_ERROR", "Could not hash the password.");
        goto done;
    }
    if (!taken) {
        const char *ins[] = {email, name, "PATIENT", hash};
        r = sql_run(&call->api->db, SQL_USER_INSERT, 4, ins);
        if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
            rc = r && sql_is_constraint_error(r, NULL)
                     ? gql_resolve_error(info, "BAD_USER_INPUT", "The email or name is not acceptable.")
                     : api_unavailable(info);
            goto done;
        }
        /* No row: the email was taken meanwhile; the same answer as above. */
        if (PQntuples(r) == 1) {
            char target[40];
            snprintf(target, sizeof target, "user:%s", PQgetvalue(r, 0, 0));
            audit_record(&call->api->redis, strtoll(PQgetvalue(r, 0, 0), NULL, 10), "user.register", target,
                         call->client_addr, NULL);
        }
    }
    sodium_memzero(hash, sizeof hash);
    rc = gql_resolve_error(info, REGISTERED_CODE, REGISTERED_MESSAGE);
done:
    hash_slot_release(slot);
    hash_slot_release(gate);
    PQclear(r);
    free(email);
    return rc;
}

static int r_create_user(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "ADMIN");
    if (rc)
        return rc;
    char *email = NULL;
    const char *name = json_object_get_string(api_arg(info, "displayName"));
    const char *password = json_object_get_string(api_arg(info, "password"));
    if ((rc = new_user_fields(info, json_object_get_string(api_arg(info, "email")), name, password, &email)))
        return rc;
    char hash[CRM_PASSWORD_HASH_LEN];
    if ((rc = hash_bounded(info, call, password, hash))) {
        free(email);
        return rc;
    }
    const char *params[] = {email, name, json_object_get_string(api_arg(info, "role")), hash};
    PGresult *row = sql_run(&call->api->db, SQL_USER_INSERT, 4, params);
    free(email);
    if (!row || PQresultStatus(row) != PGRES_TUPLES_OK) {
        int bad = row && sql_is_constraint_error(row, NULL);
        PQclear(row);
        return bad ? gql_resolve_error(info, "BAD_USER_INPUT", "The email or name is not acceptable.")
                   : api_unavailable(info);
    }
    /* An admin may know which emails have accounts. */
    if (PQntuples(row) == 0) {
        PQclear(row);
        return gql_resolve_error(info, "BAD_USER_INPUT", "An account with this email exists.");
    }
    char target[40];
    snprintf(target, sizeof target, "user:%s", PQgetvalue(row, 0, 0));
    audit_record(&call->api->redis, call->who.user_id, "user.create", target, call->client_addr, NULL);
    *out = api_user_json(call, row, 0, 0);
    PQclear(row);
    return 0;
}

/* A sign-in's audit record. email (canonical, at most CRM_EMAIL_MAX bytes;
 * NULL: none) is what was typed, an address and not PHI: it names the
 * account tried when there is no user id. */
static void login_audit(struct api_call *call, int64_t uid, const char *action, const char *email)
{
    json_object *d = json_object_new_object();
    if (email)
        json_object_object_add(d, "email", json_object_new_string(email));
    audit_record_json(&call->api->redis, uid, action, NULL, call->client_addr, d);
    json_object_put(d);
}

/* Redis keys of the sign-in limits: the email's by a hash of its canonical form
 * (no address in Redis key names), the client address's as it is. */
static void login_keys(const char *email, const char *addr, char email_key[64], char addr_key[96])
{
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)email, strlen(email), NULL, 0);
    int n = snprintf(email_key, 64, "crm:rate:login:fail:email:");
    for (size_t i = 0; i < sizeof h; i++)
        n += snprintf(email_key + n, (size_t)(64 - n), "%02x", h[i]);
    snprintf(addr_key, 96, "crm:rate:login:fail:addr:%s", addr ? addr : "-");
}

static int login_refused(gql_resolve_info *info, long retry_ms)
{
    return gql_resolve_error(info, "RATE_LIMITED", "Too many failed sign-ins; try again in %ld seconds.",
                             (retry_ms + 999) / 1000);
}

static int r_login(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    const char *password = json_object_get_string(api_arg(info, "password"));
    char *email = NULL;
    enum crm_email_result er = crm_email_normalize(json_object_get_string(api_arg(info, "email")), &email);
    if (er == CRM_EMAIL_NOMEM)
        return gql_resolve_error(info, "INTERNAL_SERVER_ERROR", "Out of memory.");
    /* No account can have an address we would not accept: no hash for it. */
    if (er != CRM_EMAIL_OK)
        return gql_resolve_error(info, "UNAUTHENTICATED", "Wrong email or password.");
    char email_key[64], addr_key[96];
    login_keys(email, call->client_addr, email_key, addr_key);
    struct login_policy policy = {call->api->cfg.login_per_email, call->api->cfg.login_backoff_max * 1000L,
                                  call->api->cfg.login_per_addr};
    long retry = 0;
    int rc = 0, slot = -1;
    PGresult *r = NULL;
    enum ratelimit_result g = login_gate(&call->api->redis, email_key, addr_key, &policy, &retry);
    if (g != RATE_OK) {
        if (g == RATE_LIMITED)
            login_audit(call, 0, "login.limited", email);
        rc = g == RATE_LIMITED ? login_refused(info, retry) : api_unavailable(info);
        goto done;
    }
    const char *params[] = {email};
    r = api_query(info, call, SQL_USER_BY_EMAIL, 1, params, &rc);
    if (!r)
        goto done;
    const char *hash = PQntuples(r) == 1 ? PQgetvalue(r, 0, 5) : NULL;
    if ((slot = hash_slot_acquire(call->api->cfg.hash_slots)) < 0) {
        /* Busy is no failure of the caller's: the attempt the gate counted is
         * given back (the owner must not be slowed down by a busy server). */
        login_gate_undo(&call->api->redis, email_key);
        rc = busy(info);
        goto done;
    }
    /* An unknown email costs a full verification against a dummy hash too. */
    int ok = crm_password_verify(hash, password, strlen(password));
    hash_slot_release(slot);
    slot = -1;
    if (!ok) {
        login_failed(&call->api->redis, addr_key);
        int64_t uid = hash ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
        /* An unknown email has no user id: the record names the email tried. */
        login_audit(call, uid, "login.failed", uid ? NULL : email);
        rc = gql_resolve_error(info, "UNAUTHENTICATED", "Wrong email or password.");
        goto done;
    }
    login_succeeded(&call->api->redis, email_key);
    audit_record(&call->api->redis, strtoll(PQgetvalue(r, 0, 0), NULL, 10), "login", NULL, call->client_addr,
                 NULL);
    rc = auth_payload(info, call, r, out);
done:
    hash_slot_release(slot);
    PQclear(r);
    free(email);
    return rc;
}

static int r_logout(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    /* Every further shard first, then the main Redis (and the publication
     * crm-pushd acts on): a logout that fails part-way is retried whole. */
    for (int k = 1; k < call->api->shards.n; k++)
        if (auth_revoke_on_shard(&call->api->shard[k], &call->who, call->now) < 0)
            return api_unavailable(info);
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
