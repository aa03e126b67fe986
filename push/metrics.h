/* Counters of one crm-pushd process, served as Prometheus text on GET /metrics. */
#ifndef CRM_PUSH_METRICS_H
#define CRM_PUSH_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* The delivery lag histogram's upper bounds, in ms; +Inf beyond the last. */
#define PUSH_LAG_BUCKETS 12
#define PUSH_LAG_BOUNDS_MS                                    \
    {                                                         \
        1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000 \
    }

struct push_metrics {
    uint64_t connections_open;      /* HTTP connections (before upgrade) now open */
    uint64_t connections_total;     /* accepted since start */
    uint64_t sockets;               /* WebSockets now open */
    uint64_t sockets_total;         /* WebSockets upgraded since start */
    uint64_t subscriptions;         /* subscriptions now active or being set up */
    uint64_t entries_read;          /* stream entries read by XREAD */
    uint64_t messages_sent;         /* WebSocket data frames queued */
    uint64_t bytes_out;             /* bytes written to WebSockets */
    uint64_t slow_consumers;        /* sockets cut off at the queue limit */
    uint64_t pong_timeouts;         /* sockets closed for not answering a ping */
    uint64_t revocations;           /* sockets closed by a revoked token */
    uint64_t handshakes_refused;    /* upgrade requests answered with an HTTP error */
    uint64_t sockets_over_user_cap; /* closed with 4429: the user held too many sockets */
    uint64_t redis_reconnects;      /* successful reconnects after a loss, any link */
    uint64_t typing_sent;           /* typing events queued to sockets */
    uint64_t inbox_sent;            /* inboxUpdated payloads queued to sockets */
    uint64_t inbox_rooms;           /* rooms in the inbox snapshot cache */
    uint64_t inbox_loads;           /* snapshot loads (one query each) */
    uint64_t inbox_evictions;       /* snapshots dropped at the cache bound */
    uint64_t live_events_malformed; /* crm:typing / crm:room-events payloads ignored */
    int redis_up;                   /* 1 while the stream connection is established */
    /* How old stream entries were when this process handed them to its sockets:
     * now minus the entry id's time (Redis's clock), one count per entry. */
    uint64_t lag_le[PUSH_LAG_BUCKETS]; /* entries within lag_bounds_ms[i], not cumulative */
    uint64_t lag_count;
    uint64_t lag_sum_us;
};

extern struct push_metrics push_metrics;

/* Counts one entry delivered lag_us after its id's time (clamped at 0: the
 * clocks of Redis's host and this one may differ). */
void push_metrics_lag(int64_t lag_us);

/* Renders the counters into buf (size bytes); returns the length written, or the
 * length needed when it does not fit (like snprintf). */
size_t push_metrics_render(char *buf, size_t size);

#endif
