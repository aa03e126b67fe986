#include "config.h"

#include "auth.h"

#include "log.h"
#include "streams.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum auth_result auth_check(const char *header, const char *secret, struct crm_redis *r,
                            long long now, struct crm_token_claims *claims)
{
    if (!header || !*header)
        return AUTH_NONE;
    if (strncasecmp(header, "Bearer ", 7) != 0)
        return AUTH_INVALID;
    const char *tok = header + 7;
    tok += strspn(tok, " ");
    if (crm_token_verify(secret, strlen(secret), tok, strlen(tok), now, claims) != CRM_TOKEN_OK)
        return AUTH_INVALID;
    char key[sizeof CRM_REVOKED_PREFIX + CRM_TOKEN_JTI_LEN];
    snprintf(key, sizeof key, CRM_REVOKED_PREFIX "%s", claims->jti);
    const char *argv[] = {"EXISTS", key};
    redisReply *rep = crm_redis_argv(r, 2, argv, NULL);
    if (!rep)
        return AUTH_UNAVAILABLE;
    enum auth_result res = rep->type == REDIS_REPLY_INTEGER
                               ? (rep->integer == 0 ? AUTH_OK : AUTH_INVALID)
                               : AUTH_UNAVAILABLE;
    freeReplyObject(rep);
    return res;
}

int auth_revoke(struct crm_redis *r, const struct crm_token_claims *claims, long long now)
{
    redisContext *c = crm_redis_get(r);
    if (!c)
        return -1;
    long long ttl = claims->exp - now;
    if (ttl < 1)
        ttl = 1;
    /* jti is 32 hex characters (checked by crm_token_verify): safe in %s. */
    redisAppendCommand(c, "SET " CRM_REVOKED_PREFIX "%s 1 EX %lld", claims->jti, ttl);
    redisAppendCommand(c, "PUBLISH " CRM_REVOKED_CHANNEL " %s", claims->jti);
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
