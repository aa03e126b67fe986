#include "config.h"

#include "token.h"

#include <errno.h>
#include <jwt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int role_valid(const char *role)
{
    return role && (strcmp(role, "ADMIN") == 0 || strcmp(role, "STAFF") == 0 || strcmp(role, "PATIENT") == 0);
}

/* A positive decimal without sign, leading zeros or trailing bytes. */
static int parse_id(const char *s, int64_t *out)
{
    if (!s || *s < '1' || *s > '9' || strlen(s) > 18)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    *out = strtoll(s, NULL, 10);
    return 0;
}

int crm_token_issue(const char *secret, size_t secret_len, int64_t user_id, const char *role, int64_t now,
                    int ttl, char **out, struct crm_token_claims *claims)
{
    jwt_t *jwt = NULL;
    unsigned char raw[CRM_TOKEN_JTI_LEN / 2];
    char jti[CRM_TOKEN_JTI_LEN + 1], sub[24];
    int rc = CRM_TOKEN_ENOMEM;

    *out = NULL;
    if (secret_len < CRM_TOKEN_SECRET_MIN)
        return CRM_TOKEN_EKEY;
    if (user_id <= 0 || !role_valid(role) || ttl <= 0)
        return CRM_TOKEN_EINVAL;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(jti, sizeof jti, raw, sizeof raw);
    snprintf(sub, sizeof sub, "%lld", (long long)user_id);

    if (jwt_new(&jwt) != 0)
        goto done;
    if (jwt_add_grant(jwt, "sub", sub) || jwt_add_grant(jwt, "role", role) ||
        jwt_add_grant(jwt, "jti", jti) || jwt_add_grant_int(jwt, "iat", (long)now) ||
        jwt_add_grant_int(jwt, "exp", (long)(now + ttl)) ||
        jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)secret_len))
        goto done;
    *out = jwt_encode_str(jwt);
    if (!*out)
        goto done;
    if (claims) {
        claims->user_id = user_id;
        snprintf(claims->role, sizeof claims->role, "%s", role);
        memcpy(claims->jti, jti, sizeof jti);
        claims->iat = now;
        claims->exp = now + ttl;
    }
    rc = CRM_TOKEN_OK;
done:
    jwt_free(jwt);
    return rc;
}

int crm_token_verify(const char *secret, size_t secret_len, const char *token, size_t len, int64_t now,
                     struct crm_token_claims *claims)
{
    char buf[CRM_TOKEN_MAX_LEN + 1];
    jwt_t *jwt = NULL;
    int rc = CRM_TOKEN_EINVAL;

    if (secret_len < CRM_TOKEN_SECRET_MIN)
        return CRM_TOKEN_EKEY;
    if (len == 0 || len > CRM_TOKEN_MAX_LEN || memchr(token, '\0', len))
        return CRM_TOKEN_EINVAL;
    memcpy(buf, token, len);
    buf[len] = '\0';

    /* The key is always passed: without it libjwt accepts any signature. */
    int err = jwt_decode(&jwt, buf, (const unsigned char *)secret, (int)secret_len);
    if (err == ENOMEM) {
        rc = CRM_TOKEN_ENOMEM;
        goto done;
    }
    if (err != 0 || !jwt)
        goto done;
    /* The header chooses the algorithm in libjwt: pin it. */
    if (jwt_get_alg(jwt) != JWT_ALG_HS256)
        goto done;

    errno = 0;
    long iat = jwt_get_grant_int(jwt, "iat");
    long exp = jwt_get_grant_int(jwt, "exp");
    /* 0 means missing or not a number: never valid. */
    if (exp <= 0 || iat <= 0 || iat > exp || iat > now + CRM_TOKEN_CLOCK_SKEW)
        goto done;
    const char *role = jwt_get_grant(jwt, "role");
    const char *jti = jwt_get_grant(jwt, "jti");
    int64_t uid;
    if (parse_id(jwt_get_grant(jwt, "sub"), &uid) < 0 || !role_valid(role) || !jti ||
        strlen(jti) != CRM_TOKEN_JTI_LEN || strspn(jti, "0123456789abcdef") != CRM_TOKEN_JTI_LEN)
        goto done;
    if (now >= exp) {
        rc = CRM_TOKEN_EXPIRED;
        goto done;
    }
    claims->user_id = uid;
    snprintf(claims->role, sizeof claims->role, "%s", role);
    memcpy(claims->jti, jti, CRM_TOKEN_JTI_LEN + 1);
    claims->iat = iat;
    claims->exp = exp;
    rc = CRM_TOKEN_OK;
done:
    jwt_free(jwt);
    return rc;
}

void crm_token_str_free(char *s)
{
    free(s); /* libjwt 1.10 allocates with malloc */
}
