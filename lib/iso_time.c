#include "config.h"

#include "iso_time.h"

#include <stdio.h>
#include <time.h>

void crm_iso_time(uint64_t ms, char buf[CRM_ISO_TIME_MAX])
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(buf, CRM_ISO_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, CRM_ISO_TIME_MAX - n, ".%03uZ", (unsigned)(ms % 1000));
}
