/* Access tokens: JWT HS256 through libjwt, with every check libjwt 1.10 leaves to
 * the caller done here (key always given, algorithm pinned, exp/iat/sub/role/jti
 * required and typed). Revocation is the caller's (a Redis key per jti). */
#ifndef CRM_TOKEN_H
#define CRM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define CRM_TOKEN_MAX_LEN 2048  /* longer bearer strings are refused unparsed */
#define CRM_TOKEN_SECRET_MIN 32 /* bytes of HS256 key */
#define CRM_TOKEN_CLOCK_SKEW 60 /* seconds an iat may lie in the future */
#define CRM_TOKEN_JTI_LEN 32    /* hex characters */

enum crm_token_err {
    CRM_TOKEN_OK = 0,
    CRM_TOKEN_EINVAL = -1,  /* malformed, forged, wrong algorithm, bad claims */
    CRM_TOKEN_EXPIRED = -2, /* well signed, but exp has passed */
    CRM_TOKEN_ENOMEM = -3,
    CRM_TOKEN_EKEY = -4, /* the secret is shorter than CRM_TOKEN_SECRET_MIN */
};

struct crm_token_claims {
    int64_t user_id;                 /* sub */
    char role[8];                    /* ADMIN, STAFF or PATIENT */
    char jti[CRM_TOKEN_JTI_LEN + 1]; /* random id, the revocation handle */
    int64_t iat;                     /* issued at, seconds since the epoch */
    int64_t exp;                     /* expires at, seconds since the epoch */
};

/* Issues a token for user_id and role valid from now for ttl seconds. On success
 * *out is a NUL-terminated string the caller frees with crm_token_str_free, and
 * claims (if not NULL) holds what was signed. */
int crm_token_issue(const char *secret, size_t secret_len, int64_t user_id, const char *role, int64_t now,
                    int ttl, char **out, struct crm_token_claims *claims);

/* Verifies token (len bytes, need not be NUL-terminated) at time now and fills
 * claims. Returns CRM_TOKEN_OK, or a negative crm_token_err; claims is then
 * unspecified. */
int crm_token_verify(const char *secret, size_t secret_len, const char *token, size_t len, int64_t now,
                     struct crm_token_claims *claims);

/* Frees a string from crm_token_issue; NULL is a no-op. */
void crm_token_str_free(char *s);

#endif
