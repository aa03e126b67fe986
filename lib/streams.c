#include "config.h"

#include "streams.h"

#include <stdio.h>

char *crm_stream_name(char buf[CRM_STREAM_NAME_MAX], int partition)
{
    snprintf(buf, CRM_STREAM_NAME_MAX, CRM_STREAM_PREFIX "%d", partition);
    return buf;
}
