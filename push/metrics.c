#include "config.h"

#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>

struct push_metrics push_metrics;

size_t push_metrics_render(char *buf, size_t size)
{
    int n = snprintf(buf, size,
                     "# TYPE crm_pushd_connections gauge\n"
                     "crm_pushd_connections %" PRIu64 "\n"
                     "# TYPE crm_pushd_connections_total counter\n"
                     "crm_pushd_connections_total %" PRIu64 "\n"
                     "# TYPE crm_pushd_redis_reconnects_total counter\n"
                     "crm_pushd_redis_reconnects_total %" PRIu64 "\n"
                     "# TYPE crm_pushd_redis_up gauge\n"
                     "crm_pushd_redis_up %d\n",
                     push_metrics.connections_open, push_metrics.connections_total,
                     push_metrics.redis_reconnects, push_metrics.redis_up);
    return n < 0 ? 0 : (size_t)n;
}
