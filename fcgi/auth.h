/* Who is calling: the bearer token of a request, verified and checked against the
 * revocation list in Redis. */
#ifndef CRM_API_AUTH_H
#define CRM_API_AUTH_H

#include "redis_sync.h"
#include "token.h"

enum auth_result {
    AUTH_OK = 0,
    AUTH_NONE = 1,        /* no Authorization header */
    AUTH_INVALID = -1,    /* malformed, forged, expired or revoked */
    AUTH_UNAVAILABLE = -2 /* Redis did not answer: revocation cannot be checked */
};

/* Verifies the Authorization header value ("Bearer <jwt>") at time now. */
enum auth_result auth_check(const char *header, const char *secret, struct crm_redis *r,
                            long long now, struct crm_token_claims *claims);

/* Revokes a token until its exp: sets the revocation key and publishes the jti for
 * crm-pushd. Returns 0 or -1 (Redis unavailable). */
int auth_revoke(struct crm_redis *r, const struct crm_token_claims *claims, long long now);

#endif
