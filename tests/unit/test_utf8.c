/* Strict UTF-8 counting: every class of bad sequence, and the boundaries. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

#define COUNT(lit) crm_utf8_count(lit, sizeof(lit) - 1)

static void valid_sequences(void **state)
{
    (void)state;
    assert_int_equal(COUNT(""), 0);
    assert_int_equal(COUNT("abc"), 3);
    assert_int_equal(COUNT("caf\xc3\xa9"), 4);
    assert_int_equal(COUNT("\xe2\x82\xac"), 1);     /* U+20AC */
    assert_int_equal(COUNT("\xf0\x9f\x98\x80"), 1); /* U+1F600 */
    assert_int_equal(COUNT("\xf4\x8f\xbf\xbf"), 1); /* U+10FFFF */
    assert_int_equal(COUNT("\xed\x9f\xbf"), 1);     /* U+D7FF */
    assert_int_equal(COUNT("\xee\x80\x80"), 1);     /* U+E000 */
}

static void invalid_sequences(void **state)
{
    (void)state;
    assert_int_equal(COUNT("a\0b"), -1);     /* NUL */
    assert_int_equal(COUNT("\x80"), -1);     /* lone continuation */
    assert_int_equal(COUNT("\xc0\xaf"), -1); /* overlong '/' */
    assert_int_equal(COUNT("\xc1\xbf"), -1);
    assert_int_equal(COUNT("\xe0\x80\xaf"), -1);     /* overlong, 3 bytes */
    assert_int_equal(COUNT("\xf0\x80\x80\xaf"), -1); /* overlong, 4 bytes */
    assert_int_equal(COUNT("\xed\xa0\x80"), -1);     /* surrogate U+D800 */
    assert_int_equal(COUNT("\xed\xbf\xbf"), -1);     /* surrogate U+DFFF */
    assert_int_equal(COUNT("\xf4\x90\x80\x80"), -1); /* U+110000 */
    assert_int_equal(COUNT("\xf5\x80\x80\x80"), -1);
    assert_int_equal(COUNT("\xc3"), -1); /* truncated */
    assert_int_equal(COUNT("\xe2\x82"), -1);
    assert_int_equal(COUNT("\xe2\x28\xa1"), -1); /* bad continuation */
    assert_int_equal(COUNT("\xff"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_sequences),
        cmocka_unit_test(invalid_sequences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
