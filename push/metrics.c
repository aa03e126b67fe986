#include "config.h"

#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>

struct push_metrics push_metrics;

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
    return n < 0 ? 0 : (size_t)n;
}
