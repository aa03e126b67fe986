#include "config.h"

#include "iso_time.h"

/* Two digits of v (0..99) at p. */
static char *two(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* The civil date from days since 1970-01-01 (proleptic Gregorian, era of 400
 * years): done by hand because gmtime_r takes glibc's time-zone lock and
 * strftime walks its format, and every sendMessage answer has a createdAt. */
void crm_iso_time(uint64_t ms, char buf[CRM_ISO_TIME_MAX])
{
    uint64_t secs = ms / 1000, days = secs / 86400, sod = secs % 86400;
    uint64_t z = days + 719468; /* days since 0000-03-01 */
    uint64_t era = z / 146097, doe = z - era * 146097;
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    uint64_t mp = (5 * doy + 2) / 153;
    unsigned d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    unsigned m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    uint64_t y = yoe + era * 400 + (m <= 2);
    /* Years past 9999 would not fit the format: the API never sees them (a
     * stream id's milliseconds come from Redis's clock); clamp to stay in buf. */
    if (y > 9999)
        y = 9999;
    char *p = buf;
    p = two(p, (unsigned)(y / 100));
    p = two(p, (unsigned)(y % 100));
    *p++ = '-';
    p = two(p, m);
    *p++ = '-';
    p = two(p, d);
    *p++ = 'T';
    p = two(p, (unsigned)(sod / 3600));
    *p++ = ':';
    p = two(p, (unsigned)(sod / 60 % 60));
    *p++ = ':';
    p = two(p, (unsigned)(sod % 60));
    unsigned frac = (unsigned)(ms % 1000);
    *p++ = '.';
    *p++ = (char)('0' + frac / 100);
    p = two(p, frac % 100);
    *p++ = 'Z';
    *p = '\0';
}
