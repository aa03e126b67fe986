#include "config.h"

#include "auth.h"

#include "log.h"
#include "streams.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Tokens this process verified, so that a client sending the same token on every
 * request pays the HMAC and JSON decoding once (about 90 us of CPU a request,
 * measured in bench/api_bench.sh). An entry holds the whole token and is used
 * only on an exact byte match, until the token's exp; revocation is not cached (it
 * is asked of Redis by every request that needs the caller, see auth_revoked).
 * Direct-mapped: a colliding token replaces the entry. */
#define TOKEN_CACHE_SIZE 256
static struct token_cache_entry {
    char *token;
    size_t len;
    struct crm_token_claims claims;
} token_cache[TOKEN_CACHE_SIZE];

static size_t token_hash(const char *tok, size_t len)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a: equality is checked byte for byte */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)tok[i]) * 1099511628211ull;
    return (size_t)(h % TOKEN_CACHE_SIZE);
}

static int token_verify_cached(const char *secret, const char *tok, size_t len, long long now,
                               struct crm_token_claims *claims)
{
    struct token_cache_entry *e = &token_cache[token_hash(tok, len)];
    if (e->token && e->len == len && memcmp(e->token, tok, len) == 0) {
        if (now < e->claims.exp) {
            *claims = e->claims;
            return CRM_TOKEN_OK;
        }
        return CRM_TOKEN_EXPIRED;
    }
    int rc = crm_token_verify(secret, strlen(secret), tok, len, now, claims);
    if (rc == CRM_TOKEN_OK) {
        char *copy = malloc(len);
        if (copy) {
            memcpy(copy, tok, len);
            free(e->token);
            e->token = copy;
            e->len = len;
            e->claims = *claims;
        }
    }
    return rc;
}

enum auth_result auth_check(const char *header, const char *secret, long long now,
                            struct crm_token_claims *claims)
{
    if (!header || !*header)
        return AUTH_NONE;
    if (strncasecmp(header, "Bearer ", 7) != 0)
        return AUTH_INVALID;
    const char *tok = header + 7;
    tok += strspn(tok, " ");
    if (token_verify_cached(secret, tok, strlen(tok), now, claims) != CRM_TOKEN_OK)
        return AUTH_INVALID;
    return AUTH_OK;
}

int auth_revoked(struct crm_redis *r, const char *jti)
{
    char key[AUTH_REVOKED_KEY_SIZE];
    size_t n = auth_revoked_key(key, jti);
    const char *argv[] = {"EXISTS", key};
    size_t lens[] = {6, n};
    redisReply *rep = crm_redis_argv(r, 2, argv, lens);
    if (!rep)
        return -1;
    int res = rep->type == REDIS_REPLY_INTEGER ? rep->integer != 0 : -1;
    freeReplyObject(rep);
    return res;
}

size_t auth_revoked_key(char key[AUTH_REVOKED_KEY_SIZE], const char *jti)
{
    /* jti is CRM_TOKEN_JTI_LEN hex characters (checked by crm_token_verify). */
    size_t p = sizeof CRM_REVOKED_PREFIX - 1, n = strlen(jti);
    memcpy(key, CRM_REVOKED_PREFIX, p);
    memcpy(key + p, jti, n + 1);
    return p + n;
}

/* SET crm:revoked:<jti> 1 EX <seconds the token has left, at least 1>. */
struct revoke_set {
    char key[AUTH_REVOKED_KEY_SIZE], ex[24];
    const char *argv[5];
    size_t lens[5];
};

static void revoke_set_init(struct revoke_set *v, const struct crm_token_claims *claims, long long now)
{
    long long ttl = claims->exp - now;
    if (ttl < 1)
        ttl = 1;
    size_t kn = auth_revoked_key(v->key, claims->jti);
    int en = snprintf(v->ex, sizeof v->ex, "%lld", ttl);
    const char *argv[] = {"SET", v->key, "1", "EX", v->ex};
    size_t lens[] = {3, kn, 1, 2, (size_t)en};
    memcpy(v->argv, argv, sizeof argv);
    memcpy(v->lens, lens, sizeof lens);
}

int auth_revoke(struct crm_redis *r, const struct crm_token_claims *claims, long long now)
{
    redisContext *c = crm_redis_get(r);
    if (!c)
        return -1;
    struct revoke_set set;
    revoke_set_init(&set, claims, now);
    const char *pub[] = {"PUBLISH", CRM_REVOKED_CHANNEL, claims->jti};
    size_t pub_lens[] = {7, sizeof CRM_REVOKED_CHANNEL - 1, strlen(claims->jti)};
    redisAppendCommandArgv(c, 5, set.argv, set.lens);
    redisAppendCommandArgv(c, 3, pub, pub_lens);
    int ok = 1;
    for (int i = 0; i < 2; i++) {
        redisReply *rep = NULL;
        if (redisGetReply(c, (void **)&rep) != REDIS_OK) {
            crm_redis_reset(r);
            return -1;
        }
        if (rep->type == REDIS_REPLY_ERROR)
            ok = 0;
        freeReplyObject(rep);
    }
    if (!ok)
        log_warn("redis: revocation refused");
    return ok ? 0 : -1;
}

int auth_revoke_on_shard(struct crm_redis *r, const struct crm_token_claims *claims, long long now)
{
    struct revoke_set set;
    revoke_set_init(&set, claims, now);
    redisReply *rep = crm_redis_argv(r, 5, set.argv, set.lens);
    int ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep)
        freeReplyObject(rep);
    return ok ? 0 : -1;
}
