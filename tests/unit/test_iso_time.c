/* crm_iso_time against gmtime_r + strftime, which it replaced: every day of
 * 1970-2199 at several times of day, and known instants. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "iso_time.h"

static void reference(uint64_t ms, char *buf, size_t size)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, size - n, ".%03uZ", (unsigned)(ms % 1000));
}

static void known_instants(void **state)
{
    (void)state;
    char buf[CRM_ISO_TIME_MAX];
    crm_iso_time(0, buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    crm_iso_time(1764100939123ULL, buf);
    assert_string_equal(buf, "2025-11-25T20:02:19.123Z");
    crm_iso_time(951782400000ULL + 5, buf); /* a leap day of a year divisible by 400 */
    assert_string_equal(buf, "2000-02-29T00:00:00.005Z");
    crm_iso_time(4107542399999ULL, buf); /* 2100 is not a leap year */
    assert_string_equal(buf, "2100-02-28T23:59:59.999Z");
}

static void every_day_matches_gmtime(void **state)
{
    (void)state;
    static const uint64_t offsets[] = {0, 1, 999, 59999, 3600000, 43199999, 86399999};
    char got[CRM_ISO_TIME_MAX], want[64];
    for (uint64_t day = 0; day < 84000; day++) {
        for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
            uint64_t ms = day * 86400000ULL + offsets[i] + day % 1000;
            if (ms % 86400000ULL < offsets[i]) /* stay inside the day */
                continue;
            crm_iso_time(ms, got);
            reference(ms, want, sizeof want);
            if (strcmp(got, want) != 0)
                fail_msg("ms %llu: got %s, want %s", (unsigned long long)ms, got, want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_instants),
        cmocka_unit_test(every_day_matches_gmtime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
