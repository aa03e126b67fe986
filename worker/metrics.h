/* crm-worker's counters, and the thread that serves them as Prometheus text on
 * GET /metrics (with the queue figures of lib/queue_stats, read on its own Redis
 * connection) and GET /health, so that both answer while the worker waits on
 * Redis or PostgreSQL. Counters are C11 atomics: the worker thread writes, the
 * metrics thread reads. */
#ifndef WORKER_METRICS_H
#define WORKER_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

struct worker_metrics {
    atomic_uint_fast64_t batches;      /* batches committed */
    atomic_uint_fast64_t messages;     /* message rows inserted */
    atomic_uint_fast64_t audit_rows;   /* audit rows inserted */
    atomic_uint_fast64_t ignored;      /* rows already stored (redeliveries) */
    atomic_uint_fast64_t acked;        /* entries acknowledged */
    atomic_uint_fast64_t rejected;     /* rows refused by the database for their content */
    atomic_uint_fast64_t key_reused;   /* not stored: an idempotency key used again for another message */
    atomic_uint_fast64_t isolated;     /* batches written row by row after a refusal */
    atomic_uint_fast64_t dead_letters; /* entries moved to the dead-letter stream */
    atomic_uint_fast64_t claimed;      /* entries claimed from idle consumers */
    atomic_uint_fast64_t trimmed;      /* stream entries trimmed */
    atomic_uint_fast64_t db_errors;    /* failed batch attempts (down, slow, ...) */
    atomic_uint_fast64_t redis_errors; /* failed Redis calls */
    atomic_uint_fast64_t batch_us;     /* total time storing batches, microseconds */
    atomic_int db_up;                  /* 1 after the last database call succeeded */
    atomic_int redis_up;               /* 1 after the last Redis call succeeded */
};

extern struct worker_metrics worker_metrics;

#define METRIC_ADD(name, n) atomic_fetch_add_explicit(&worker_metrics.name, (n), memory_order_relaxed)
#define METRIC_SET(name, v) atomic_store_explicit(&worker_metrics.name, (v), memory_order_relaxed)

struct metrics_server;

struct crm_shards;

/* Listens on bind:port and starts the serving thread, which reads the queue
 * figures of `streams` partitions, each from its Redis shard (shards must
 * outlive the server). Returns NULL (logged) when the address cannot be bound.
 * Signals stay with the calling thread. */
struct metrics_server *metrics_server_start(const char *bind, int port, const struct crm_shards *shards,
                                            int streams);

/* Stops the thread and frees s; NULL is a no-op. */
void metrics_server_stop(struct metrics_server *s);

#endif
