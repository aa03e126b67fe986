/* Argon2id hashing: round trip, wrong password, unknown user, length bounds. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "password.h"

static int init(void **state)
{
    (void)state;
    return crm_password_init();
}

static void hash_then_verify(void **state)
{
    char hash[CRM_PASSWORD_HASH_LEN];
    (void)state;
    assert_int_equal(crm_password_hash("correct horse", 13, hash), 0);
    assert_non_null(strstr(hash, "$argon2id$"));
    assert_int_equal(crm_password_verify(hash, "correct horse", 13), 1);
    assert_int_equal(crm_password_verify(hash, "correct hors", 12), 0);
    assert_int_equal(crm_password_verify(hash, "correct horsE", 13), 0);
}

static void unknown_user_never_verifies(void **state)
{
    (void)state;
    /* The dummy hash's own password must not open a NULL (unknown) account. */
    assert_int_equal(crm_password_verify(NULL, "dummy password for timing equality", 34), 0);
    assert_int_equal(crm_password_verify(NULL, "anything", 8), 0);
}

static void lengths_at_and_past_bounds(void **state)
{
    static char big[CRM_PASSWORD_MAX + 1];
    char hash[CRM_PASSWORD_HASH_LEN];
    (void)state;
    memset(big, 'x', sizeof big);
    assert_int_equal(crm_password_hash("1234567", CRM_PASSWORD_MIN - 1, hash), -1);
    assert_int_equal(crm_password_hash("12345678", CRM_PASSWORD_MIN, hash), 0);
    assert_int_equal(crm_password_hash(big, CRM_PASSWORD_MAX, hash), 0);
    assert_int_equal(crm_password_verify(hash, big, CRM_PASSWORD_MAX), 1);
    assert_int_equal(crm_password_hash(big, CRM_PASSWORD_MAX + 1, hash), -1);
    assert_int_equal(crm_password_verify(hash, big, CRM_PASSWORD_MAX + 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hash_then_verify),
        cmocka_unit_test(unknown_user_never_verifies),
        cmocka_unit_test(lengths_at_and_past_bounds),
    };
    return cmocka_run_group_tests(tests, init, NULL);
}
