/* Who is calling: the bearer token of a request, verified here, and the
 * revocation list in Redis, asked separately (auth_revoked) by whoever needs the
 * caller, so that a request that writes to Redis anyway can check it in the same
 * round trip (sendMessage's script). */
#ifndef CRM_API_AUTH_H
#define CRM_API_AUTH_H

#include "redis_sync.h"
#include "streams.h"
#include "token.h"

#include <stddef.h>

enum auth_result {
    AUTH_OK = 0,
    AUTH_NONE = 1,     /* no Authorization header */
    AUTH_INVALID = -1, /* malformed, forged or expired */
};

/* Verifies the Authorization header value ("Bearer <jwt>") at time now: signature
 * and claims only. AUTH_OK says nothing about revocation. */
enum auth_result auth_check(const char *header, const char *secret, long long now,
                            struct crm_token_claims *claims);

/* Asks Redis whether the token jti was revoked: 1 revoked, 0 not, -1 Redis
 * unavailable (the caller must then refuse, not assume either). */
int auth_revoked(struct crm_redis *r, const char *jti);

/* The revocation key of jti, written to key; returns its length. */
#define AUTH_REVOKED_KEY_SIZE (sizeof CRM_REVOKED_PREFIX + CRM_TOKEN_JTI_LEN)
size_t auth_revoked_key(char key[AUTH_REVOKED_KEY_SIZE], const char *jti);

/* Revokes a token until its exp: sets the revocation key and publishes the jti for
 * crm-pushd. Returns 0 or -1 (Redis unavailable). */
int auth_revoke(struct crm_redis *r, const struct crm_token_claims *claims, long long now);

/* Writes the revocation key (no publication) on a further Redis shard
 * (lib/redis_shards.h): the send script checks it where the room's stream
 * is, in the same round trip as the write. 0 or -1 (unavailable). */
int auth_revoke_on_shard(struct crm_redis *r, const struct crm_token_claims *claims, long long now);

#endif
