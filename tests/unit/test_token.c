/* JWT issue and verify, and the attacks libjwt 1.10 does not stop by itself. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jwt.h>
#include <sodium.h>

#include "token.h"

#define SECRET "0123456789abcdef0123456789abcdef-test"
#define NOW 1800000000LL

static int verify(const char *tok, int64_t now, struct crm_token_claims *c)
{
    return crm_token_verify(SECRET, strlen(SECRET), tok, strlen(tok), now, c);
}

static void round_trip(void **state)
{
    char *tok;
    struct crm_token_claims issued, got;
    (void)state;
    assert_int_equal(crm_token_issue(SECRET, strlen(SECRET), 42, "STAFF", NOW, 3600, &tok, &issued), 0);
    assert_int_equal(verify(tok, NOW + 10, &got), CRM_TOKEN_OK);
    assert_int_equal(got.user_id, 42);
    assert_string_equal(got.role, "STAFF");
    assert_string_equal(got.jti, issued.jti);
    assert_int_equal(got.exp, NOW + 3600);
    crm_token_str_free(tok);
}

static void expiry_is_checked(void **state)
{
    char *tok;
    struct crm_token_claims c;
    (void)state;
    assert_int_equal(crm_token_issue(SECRET, strlen(SECRET), 1, "PATIENT", NOW, 60, &tok, NULL), 0);
    assert_int_equal(verify(tok, NOW + 59, &c), CRM_TOKEN_OK);
    assert_int_equal(verify(tok, NOW + 60, &c), CRM_TOKEN_EXPIRED);
    /* Issued in the future beyond the allowed skew. */
    assert_int_equal(verify(tok, NOW - CRM_TOKEN_CLOCK_SKEW - 1, &c), CRM_TOKEN_EINVAL);
    crm_token_str_free(tok);
}

/* Signs arbitrary claims with libjwt itself, as an attacker with a library would. */
static char *forge(jwt_alg_t alg, const char *key, const char *sub, const char *role, long exp,
                   int exp_as_string)
{
    jwt_t *j;
    char expbuf[32];
    assert_int_equal(jwt_new(&j), 0);
    if (sub)
        jwt_add_grant(j, "sub", sub);
    if (role)
        jwt_add_grant(j, "role", role);
    jwt_add_grant(j, "jti", "0123456789abcdef0123456789abcdef");
    jwt_add_grant_int(j, "iat", (long)NOW);
    snprintf(expbuf, sizeof expbuf, "%ld", exp);
    if (exp_as_string)
        jwt_add_grant(j, "exp", expbuf);
    else if (exp)
        jwt_add_grant_int(j, "exp", exp);
    jwt_set_alg(j, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0);
    char *s = jwt_encode_str(j);
    jwt_free(j);
    return s;
}

static void attacks_are_refused(void **state)
{
    struct crm_token_claims c;
    char *t;
    (void)state;
    t = forge(JWT_ALG_NONE, NULL, "1", "ADMIN", NOW + 100, 0);
    assert_int_equal(verify(t, NOW, &c), CRM_TOKEN_EINVAL);
    free(t);
    t = forge(JWT_ALG_HS512, SECRET, "1", "ADMIN", NOW + 100, 0);
    assert_int_equal(verify(t, NOW, &c), CRM_TOKEN_EINVAL);
    free(t);
    t = forge(JWT_ALG_HS256, "another-secret-of-enough-length-0123456789", "1", "ADMIN", NOW + 100, 0);
    assert_int_equal(verify(t, NOW, &c), CRM_TOKEN_EINVAL);
    free(t);
    t = forge(JWT_ALG_HS256, SECRET, "1", "ADMIN", 0, 0); /* no exp */
    assert_int_equal(verify(t, NOW, &c), CRM_TOKEN_EINVAL);
    free(t);
    t = forge(JWT_ALG_HS256, SECRET, "1", "ADMIN", NOW + 100, 1); /* exp as a string */
    assert_int_equal(verify(t, NOW, &c), CRM_TOKEN_EINVAL);
    free(t);
    t = forge(JWT_ALG_HS256, SECRET, "01", "ADMIN", NOW + 100, 0);
    assert_int_equal(verify(t, NOW, &c), CRM_TOKEN_EINVAL);
    free(t);
    t = forge(JWT_ALG_HS256, SECRET, "1", "ROOT", NOW + 100, 0);
    assert_int_equal(verify(t, NOW, &c), CRM_TOKEN_EINVAL);
    free(t);
    t = forge(JWT_ALG_HS256, SECRET, NULL, "ADMIN", NOW + 100, 0);
    assert_int_equal(verify(t, NOW, &c), CRM_TOKEN_EINVAL);
    free(t);
    /* The control case: the same forge with everything right verifies. */
    t = forge(JWT_ALG_HS256, SECRET, "1", "ADMIN", NOW + 100, 0);
    assert_int_equal(verify(t, NOW, &c), CRM_TOKEN_OK);
    free(t);
}

static void tampered_payload_is_refused(void **state)
{
    char *tok;
    struct crm_token_claims c;
    char payload[512], b64[700], forged[2048];
    (void)state;
    assert_int_equal(crm_token_issue(SECRET, strlen(SECRET), 7, "PATIENT", NOW, 3600, &tok, NULL), 0);
    char *dot1 = strchr(tok, '.'), *dot2 = strrchr(tok, '.');
    snprintf(payload, sizeof payload,
             "{\"exp\":%lld,\"iat\":%lld,\"jti\":\"0123456789abcdef0123456789abcdef\",\"role\":\"ADMIN\","
             "\"sub\":\"7\"}",
             NOW + 3600, NOW);
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)payload, strlen(payload),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(forged, sizeof forged, "%.*s.%s%s", (int)(dot1 - tok), tok, b64, dot2);
    assert_int_equal(verify(forged, NOW, &c), CRM_TOKEN_EINVAL);
    crm_token_str_free(tok);
}

static void garbage_and_bounds(void **state)
{
    struct crm_token_claims c;
    static char big[CRM_TOKEN_MAX_LEN + 2];
    (void)state;
    assert_int_equal(verify("", NOW, &c), CRM_TOKEN_EINVAL);
    assert_int_equal(verify("a.b.c", NOW, &c), CRM_TOKEN_EINVAL);
    assert_int_equal(verify("not a token", NOW, &c), CRM_TOKEN_EINVAL);
    memset(big, 'a', CRM_TOKEN_MAX_LEN + 1);
    assert_int_equal(verify(big, NOW, &c), CRM_TOKEN_EINVAL);
    assert_int_equal(crm_token_verify("short", 5, "x", 1, NOW, &c), CRM_TOKEN_EKEY);
    char *tok;
    assert_int_equal(crm_token_issue("short", 5, 1, "ADMIN", NOW, 10, &tok, NULL), CRM_TOKEN_EKEY);
    assert_int_equal(crm_token_issue(SECRET, strlen(SECRET), 0, "ADMIN", NOW, 10, &tok, NULL),
                     CRM_TOKEN_EINVAL);
    assert_int_equal(crm_token_issue(SECRET, strlen(SECRET), 1, "GOD", NOW, 10, &tok, NULL),
                     CRM_TOKEN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),          cmocka_unit_test(expiry_is_checked),
        cmocka_unit_test(attacks_are_refused), cmocka_unit_test(tampered_payload_is_refused),
        cmocka_unit_test(garbage_and_bounds),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
