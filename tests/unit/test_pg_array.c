/* Array literals for the worker's unnest() parameters: quoting and NULLs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pg_array.h"

static void ints_and_nulls(void **state)
{
    (void)state;
    struct pg_array a = {0};
    pg_array_reset(&a);
    assert_string_equal(pg_array_finish(&a), "{}");
    pg_array_reset(&a);
    pg_array_add_int(&a, 1);
    pg_array_add_null(&a);
    pg_array_add_int(&a, INT64_MIN);
    assert_string_equal(pg_array_finish(&a), "{1,NULL,-9223372036854775808}");
    pg_array_deinit(&a);
}

static void text_is_quoted(void **state)
{
    (void)state;
    struct pg_array a = {0};
    pg_array_reset(&a);
    pg_array_add_text(&a, "a\"b\\c", 5);
    pg_array_add_text(&a, "NULL", 4);
    pg_array_add_text(&a, "{x,y}\n", 6);
    pg_array_add_text(&a, "", 0);
    assert_string_equal(pg_array_finish(&a), "{\"a\\\"b\\\\c\",\"NULL\",\"{x,y}\n\",\"\"}");
    pg_array_deinit(&a);
}

static void grows_past_its_first_buffer(void **state)
{
    (void)state;
    struct pg_array a = {0};
    char big[5000];
    memset(big, '"', sizeof big);
    pg_array_reset(&a);
    for (int i = 0; i < 10; i++)
        pg_array_add_text(&a, big, sizeof big);
    const char *s = pg_array_finish(&a);
    assert_int_equal(strlen(s), 2 + 10 * (2 + 2 * sizeof big) + 9);
    assert_int_equal(a.count, 10);
    pg_array_deinit(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ints_and_nulls),
        cmocka_unit_test(text_is_quoted),
        cmocka_unit_test(grows_past_its_first_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
