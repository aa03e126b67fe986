/* Stream naming and room partitioning shared by the three programs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "streams.h"

static void names_partitions(void **state)
{
    char buf[CRM_STREAM_NAME_MAX];
    (void)state;
    assert_string_equal(crm_stream_name(buf, 0), "crm:msg:0");
    assert_string_equal(crm_stream_name(buf, 1023), "crm:msg:1023");
}

static void rooms_spread_and_stay(void **state)
{
    (void)state;
    assert_int_equal(crm_stream_of_room(7, 1), 0);
    assert_int_equal(crm_stream_of_room(7, 4), 3);
    assert_int_equal(crm_stream_of_room(8, 4), 0);
    assert_int_equal(crm_stream_of_room(INT64_MAX, 1024), (int)(INT64_MAX % 1024));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_partitions),
        cmocka_unit_test(rooms_spread_and_stay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
