/* Counters of one crm-pushd process, served as Prometheus text on GET /metrics. */
#ifndef CRM_PUSH_METRICS_H
#define CRM_PUSH_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct push_metrics {
    uint64_t connections_open;   /* HTTP and WebSocket connections now open */
    uint64_t connections_total;  /* accepted since start */
    uint64_t redis_reconnects;   /* successful reconnects after a loss */
    int redis_up;                /* 1 while the stream connection is established */
};

extern struct push_metrics push_metrics;

/* Renders the counters into buf (size bytes); returns the length written, or the
 * length needed when it does not fit (like snprintf). */
size_t push_metrics_render(char *buf, size_t size);

#endif
