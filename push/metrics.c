#include "config.h"

#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

struct push_metrics push_metrics;

static const int lag_bounds_ms[PUSH_LAG_BUCKETS] = PUSH_LAG_BOUNDS_MS;

void push_metrics_lag(int64_t lag_us)
{
    struct push_metrics *m = &push_metrics;
    if (lag_us < 0)
        lag_us = 0;
    m->lag_count++;
    m->lag_sum_us += (uint64_t)lag_us;
    for (int i = 0; i < PUSH_LAG_BUCKETS; i++)
        if (lag_us <= (int64_t)lag_bounds_ms[i] * 1000) {
            m->lag_le[i]++;
            return;
        }
}

/* The histogram in Prometheus's text format (cumulative buckets), after n bytes. */
static size_t render_lag(char *buf, size_t size, size_t n)
{
    const struct push_metrics *m = &push_metrics;
    uint64_t cum = 0;
    int k = snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0,
                     "# TYPE crm_pushd_delivery_lag_seconds histogram\n");
    n += k < 0 ? 0 : (size_t)k;
    for (int i = 0; i <= PUSH_LAG_BUCKETS; i++) {
        char le[16];
        if (i < PUSH_LAG_BUCKETS) {
            cum += m->lag_le[i];
            snprintf(le, sizeof le, "%g", lag_bounds_ms[i] / 1000.0);
        } else {
            snprintf(le, sizeof le, "+Inf");
        }
        k = snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0,
                     "crm_pushd_delivery_lag_seconds_bucket{le=\"%s\"} %" PRIu64 "\n", le,
                     i < PUSH_LAG_BUCKETS ? cum : m->lag_count);
        n += k < 0 ? 0 : (size_t)k;
    }
    k = snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0,
                 "crm_pushd_delivery_lag_seconds_sum %.6f\ncrm_pushd_delivery_lag_seconds_count %" PRIu64
                 "\n# TYPE crm_pushd_process_id gauge\ncrm_pushd_process_id %ld\n",
                 (double)m->lag_sum_us / 1e6, m->lag_count, (long)getpid());
    return n + (k < 0 ? 0 : (size_t)k);
}

size_t push_metrics_render(char *buf, size_t size)
{
    const struct push_metrics *m = &push_metrics;
    int n = snprintf(
        buf, size,
#define G(name) "# TYPE crm_pushd_" name " gauge\ncrm_pushd_" name " %" PRIu64 "\n"
#define C(name) "# TYPE crm_pushd_" name " counter\ncrm_pushd_" name " %" PRIu64 "\n"
        G("connections") C("connections_total") G("sockets") C("sockets_total") G("subscriptions")
            C("entries_read_total") C("messages_sent_total") C("bytes_out_total")
                C("slow_consumers_closed_total") C("pong_timeouts_total") C("revocations_total")
                    C("handshakes_refused_total") C("sockets_over_user_cap_total") C("redis_reconnects_total")
                        C("typing_sent_total") C("inbox_sent_total") G("inbox_rooms_cached")
                            C("inbox_loads_total") C("inbox_evictions_total")
                                C("live_events_malformed_total") "# TYPE crm_pushd_redis_up "
                                                                 "gauge\ncrm_pushd_redis_up %d\n",
#undef G
#undef C
        m->connections_open, m->connections_total, m->sockets, m->sockets_total, m->subscriptions,
        m->entries_read, m->messages_sent, m->bytes_out, m->slow_consumers, m->pong_timeouts, m->revocations,
        m->handshakes_refused, m->sockets_over_user_cap, m->redis_reconnects, m->typing_sent, m->inbox_sent,
        m->inbox_rooms, m->inbox_loads, m->inbox_evictions, m->live_events_malformed, m->redis_up);
    return n < 0 ? 0 : render_lag(buf, size, (size_t)n);
}
