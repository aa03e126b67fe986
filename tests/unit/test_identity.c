/* Email canonical form, display names and the new-password policy. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "display_name.h"
#include "email_norm.h"
#include "password_policy.h"

static void expect_canonical(const char *in, const char *want)
{
    char *out = NULL;
    enum crm_email_result r = crm_email_normalize(in, &out);
    if (r != CRM_EMAIL_OK)
        fail_msg("refused: %s", in);
    if (strcmp(out, want) != 0)
        fail_msg("%s became %s, not %s", in, out, want);
    free(out);
}

static void expect_refused(const char *in)
{
    char *out = NULL;
    if (crm_email_normalize(in, &out) != CRM_EMAIL_INVALID)
        fail_msg("accepted: %s as %s", in, out ? out : "?");
    assert_null(out);
}

static void emails_become_canonical(void **state)
{
    (void)state;
    expect_canonical("Pat@Demo.Test", "pat@demo.test");
    /* fullwidth letters: NFKC makes them the plain address */
    expect_canonical("\xef\xbd\x90\xef\xbd\x81\xef\xbd\x94@demo.test", "pat@demo.test");
    expect_canonical("PAT@\xef\xbd\x84\xef\xbd\x85\xef\xbd\x8d\xef\xbd\x8f.test", "pat@demo.test");
    /* an internationalised domain: the xn-- and Unicode spellings are one */
    expect_canonical("a@B\xc3\xbc"
                     "cher.example",
                     "a@b\xc3\xbc"
                     "cher.example");
    expect_canonical("a@xn--bcher-kva.example", "a@b\xc3\xbc"
                                                "cher.example");
    /* one script other than Latin is fine */
    expect_canonical("\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd@example.test",
                     "\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd@example.test");
    expect_canonical("first.last+tag@sub.example.org", "first.last+tag@sub.example.org");
}

static void look_alikes_are_refused(void **state)
{
    (void)state;
    expect_refused("pat@demo.test\xc2\xa0");     /* trailing no-break space */
    expect_refused("pat\xe2\x80\x8b@demo.test"); /* zero-width space */
    expect_refused("p\xd0\xb0t@demo.test");      /* Cyrillic a among Latin */
    expect_refused("pat@dem\xd0\xbe.test");      /* Cyrillic o in a domain label */
    expect_refused("pat@demo.test\xe2\x80\xae"); /* right-to-left override */
    expect_refused("pat\xc2\xad@demo.test");     /* soft hyphen */
    expect_refused("pat @demo.test");
    expect_refused("pat@demo"); /* one label */
    expect_refused("pat@@demo.test");
    expect_refused("@demo.test");
    expect_refused("pat@");
    expect_refused("pat@-demo.test");
    expect_refused("pat@demo..test");
    expect_refused(".pat@demo.test");
    expect_refused("pa\"t@demo.test");
    expect_refused("pat\x01@demo.test");
    expect_refused("");
}

static void display_names(void **state)
{
    (void)state;
    const char *ok[] = {"Pat Patient",
                        "Zo\xc3\xab M\xc3\xbcller",
                        "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd",
                        "\xd9\x85\xd8\xad\xd9\x85\xd8\xaf", /* Arabic */
                        "\xd9\x85\xe2\x80\x8c\xd8\xad",     /* ZWNJ between Arabic letters */
                        "A"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!crm_display_name_valid(ok[i], strlen(ok[i])))
            fail_msg("refused: %s", ok[i]);
    const char *bad[] = {"",
                         "   ",
                         "Pat\xe2\x80\xaeiluap",         /* RLO */
                         "Pat\xe2\x81\xa6x\xe2\x81\xa9", /* LRI, PDI */
                         "Pat\xe2\x80\x8b",
                         "Pat\xe2\x80\x8dPatient",
                         "\xef\xbb\xbfPat",
                         "Pat\x07",
                         "Pat\xc2\x85",
                         "Pat\xe2\x80\xa8x",
                         "\xe3\x85\xa4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (crm_display_name_valid(bad[i], strlen(bad[i])))
            fail_msg("accepted: %s", bad[i]);
    char longest[CRM_DISPLAY_NAME_MAX * 2 + 3];
    memset(longest, 0, sizeof longest);
    for (int i = 0; i < CRM_DISPLAY_NAME_MAX; i++)
        memcpy(longest + 2 * i, "\xc3\xa9", 2);
    assert_true(crm_display_name_valid(longest, strlen(longest)));
    memcpy(longest + 2 * CRM_DISPLAY_NAME_MAX, "e", 2);
    assert_false(crm_display_name_valid(longest, strlen(longest)));
}

static void password_policy(void **state)
{
    (void)state;
    assert_int_equal(crm_password_policy_check("12345678", 8), CRM_PASSWORD_COMMON);
    assert_int_equal(crm_password_policy_check("Password1", 9), CRM_PASSWORD_COMMON);
    assert_int_equal(crm_password_policy_check("QWERTYUIOP", 10), CRM_PASSWORD_COMMON);
    assert_int_equal(crm_password_policy_check("1234567", 7), CRM_PASSWORD_TOO_SHORT);
    assert_int_equal(crm_password_policy_check("correct horse battery", 21), CRM_PASSWORD_ACCEPTED);
    /* eight characters of two bytes each: counted as 8, not 16 */
    assert_int_equal(
        crm_password_policy_check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 14),
        CRM_PASSWORD_TOO_SHORT);
    assert_int_equal(
        crm_password_policy_check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 16),
        CRM_PASSWORD_ACCEPTED);
    char phrase[CRM_PASSWORD_MAX_CHARS + 2];
    memset(phrase, 'w', sizeof phrase);
    assert_int_equal(crm_password_policy_check(phrase, CRM_PASSWORD_MAX_CHARS), CRM_PASSWORD_ACCEPTED);
    assert_int_equal(crm_password_policy_check(phrase, CRM_PASSWORD_MAX_CHARS + 1), CRM_PASSWORD_TOO_LONG);
    assert_int_equal(crm_password_policy_check("abc\0defgh", 9), CRM_PASSWORD_NOT_TEXT);
    assert_int_equal(crm_password_policy_check("\xff\xfe"
                                               "abcdefgh",
                                               10),
                     CRM_PASSWORD_NOT_TEXT);
}

static void common_list_is_sorted_lower_case_and_long_enough(void **state)
{
    (void)state;
    assert_true(crm_common_passwords_count > 800);
    for (size_t i = 0; i < crm_common_passwords_count; i++) {
        const char *p = crm_common_passwords[i];
        assert_true(strlen(p) >= 8 && strlen(p) < 65);
        for (const char *c = p; *c; c++)
            assert_false(*c >= 'A' && *c <= 'Z');
        if (i > 0 && strcmp(crm_common_passwords[i - 1], p) >= 0)
            fail_msg("not sorted or repeated: %s", p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(emails_become_canonical),
        cmocka_unit_test(look_alikes_are_refused),
        cmocka_unit_test(display_names),
        cmocka_unit_test(password_policy),
        cmocka_unit_test(common_list_is_sorted_lower_case_and_long_enough),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
