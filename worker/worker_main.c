/* crm-worker: reads the message, retry and audit streams as a member of the
 * crm-worker consumer group and persists them into PostgreSQL: a batch is
 * stored in one transaction, committed, then acknowledged. A crash anywhere
 * leaves entries pending, to be read again (own pending list first on start) or
 * claimed by another worker; insert-or-ignore makes the second store a no-op.
 * Outages are waited out with backoff; SIGTERM finishes the batch in hand. */
#include "config.h"

#include "batch.h"
#include "cli.h"
#include "consume.h"
#include "crm_config.h"
#include "dead_letter.h"
#include "log.h"
#include "stop_signal.h"
#include "metrics.h"
#include "persist_batch.h"
#include "redis_auth.h"
#include "redis_ha.h"
#include "redis_shards.h"
#include "supervisor.h"
#include "trim.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define READ_BLOCK_MS 1000 /* longest XREADGROUP BLOCK: bounds the reaction to SIGTERM */

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps *delay ms (in slices, so SIGTERM is seen) and doubles it up to the max. */
static void backoff(int *delay)
{
    for (int slept = 0; slept < *delay && !stopping; slept += 50)
        usleep(50 * 1000);
    *delay = *delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : *delay * 2;
}

/* The test hook CRM_WORKER_TEST_CRASH=after-commit:N: _exit after the Nth
 * commit, before its XACK. Refused in production. Returns N, 0 when unset, -1
 * when refused or malformed. */
static long crash_hook(const struct crm_config *cfg)
{
    const char *v = getenv("CRM_WORKER_TEST_CRASH");
    if (!v || !*v)
        return 0;
    if (cfg->production) {
        log_error("CRM_WORKER_TEST_CRASH is a test hook and is refused in production");
        return -1;
    }
    char *end;
    if (strncmp(v, "after-commit:", 13) != 0)
        goto bad;
    long n = strtol(v + 13, &end, 10);
    if (*end || n < 1)
        goto bad;
    log_warn("test hook: exiting after commit %ld, before its XACK", n);
    return n;
bad:
    log_error("CRM_WORKER_TEST_CRASH must be after-commit:N");
    return -1;
}

struct worker {
    const struct crm_config *cfg;
    struct consume cons;
    struct persist persist;
    struct batch batch;
    long crash_after; /* test hook: commits before _exit; 0: never */
    long commits;
    int64_t next_claim; /* monotonic ms of the next XAUTOCLAIM pass */
    int64_t next_trim;  /* monotonic ms of the next trim */
};

/* Fills w->batch: claimed idle entries first, else new ones (blocking up to
 * READ_BLOCK_MS), then more until the batch is full or its wait is over.
 * Returns 0, or -1 after a Redis error with an empty batch. */
static int gather(struct worker *w)
{
    const struct crm_config *cfg = w->cfg;
    struct batch *b = &w->batch;
    size_t max = (size_t)cfg->worker_batch;
    int64_t t = now_ms();
    /* Claiming waits until this consumer's own pending entries were read again,
     * so that no entry is in the batch twice. */
    if (t >= w->next_claim && consume_redis(&w->cons) && !consume_catching_up(&w->cons)) {
        int n = consume_claim(&w->cons, b, max, cfg->worker_claim_idle);
        w->next_claim = t + (cfg->worker_claim_idle / 2 > 500 ? cfg->worker_claim_idle / 2 : 500);
        if (n > 0)
            METRIC_ADD(claimed, (uint64_t)n);
        if (n < 0 && b->n == 0)
            return -1;
    }
    if (b->n == 0 && consume_read(&w->cons, b, max, READ_BLOCK_MS) < 0 && b->n == 0)
        return -1;
    if (b->n == 0)
        return 0;
    int64_t deadline = now_ms() + cfg->worker_batch_wait;
    while (b->n < max && !stopping) {
        int64_t left = deadline - now_ms();
        if (left <= 0 && !consume_catching_up(&w->cons))
            break;
        int block = left > READ_BLOCK_MS ? READ_BLOCK_MS : left > 0 ? (int)left : 0;
        if (consume_read(&w->cons, b, max - b->n, block) <= 0 && (left <= 0 || cfg->worker_batch_wait == 0))
            break;
    }
    return 0;
}

static void count_states(const struct batch *b, size_t *stored, size_t *failed)
{
    *stored = *failed = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].state == ITEM_STORED || b->items[i].state == ITEM_GONE)
            (*stored)++;
        else
            (*failed)++;
    }
}

/* Stores, acknowledges and dead-letters the batch in hand. Returns 0, or -1 when
 * stopping interrupted it (the entries stay pending: nothing is lost). */
static int process(struct worker *w)
{
    struct batch *b = &w->batch;
    struct persist_result res;
    int delay = BACKOFF_MIN_MS;
    for (;;) {
        int64_t t0 = now_ms();
        if (persist_batch_store(&w->persist, b, &res) == PERSIST_OK) {
            METRIC_ADD(batch_us, (uint64_t)(now_ms() - t0) * 1000);
            break;
        }
        METRIC_ADD(db_errors, 1);
        METRIC_SET(db_up, 0);
        if (stopping)
            return -1;
        backoff(&delay);
    }
    METRIC_SET(db_up, 1);
    METRIC_ADD(batches, 1);
    METRIC_ADD(messages, (uint64_t)res.messages);
    METRIC_ADD(audit_rows, (uint64_t)res.audit);
    METRIC_ADD(ignored, (uint64_t)res.ignored);
    METRIC_ADD(rejected, (uint64_t)res.rejected);
    METRIC_ADD(key_reused, (uint64_t)res.key_reused);
    METRIC_ADD(isolated, (uint64_t)res.isolated);
    w->commits++;
    if (w->crash_after > 0 && w->commits == w->crash_after) {
        log_warn("test hook: exiting after commit %ld", w->commits);
        _exit(70);
    }

    size_t stored, failed;
    count_states(b, &stored, &failed);
    delay = BACKOFF_MIN_MS;
    while (stored > 0) {
        long n = consume_ack(&w->cons, b);
        if (n >= 0) {
            METRIC_ADD(acked, (uint64_t)n);
            break;
        }
        METRIC_ADD(redis_errors, 1);
        METRIC_SET(redis_up, 0);
        if (stopping)
            return -1; /* committed, not acknowledged: redelivered and ignored later */
        backoff(&delay);
    }
    METRIC_SET(redis_up, 1);
    if (failed > 0) {
        int moved = dead_letter_handle(&w->cons, b, w->cfg->worker_max_deliveries);
        if (moved > 0)
            METRIC_ADD(dead_letters, (uint64_t)moved);
        else if (moved < 0)
            METRIC_ADD(redis_errors, 1);
    }
    log_debug("batch: %zu entries, %ld messages, %ld audit, %ld ignored, %ld refused", b->n, res.messages,
              res.audit, res.ignored, res.rejected);
    return 0;
}

static void maybe_trim(struct worker *w)
{
    int64_t t = now_ms();
    if (t < w->next_trim)
        return;
    w->next_trim = t + w->cfg->worker_trim_interval;
    long n = trim_streams(&w->cons, (long long)w->cfg->resume_window * 1000);
    if (n > 0)
        METRIC_ADD(trimmed, (uint64_t)n);
    else if (n < 0)
        METRIC_ADD(redis_errors, 1);
}

static int run(struct worker *w)
{
    int delay = BACKOFF_MIN_MS;
    while (!stopping) {
        if (gather(w) < 0) {
            METRIC_ADD(redis_errors, 1);
            METRIC_SET(redis_up, 0);
            backoff(&delay);
            continue;
        }
        delay = BACKOFF_MIN_MS;
        METRIC_SET(redis_up, 1);
        if (w->batch.n > 0 && process(w) < 0)
            return 0;
        batch_reset(&w->batch);
        maybe_trim(w);
    }
    return 0;
}

struct shard_args {
    const struct crm_config *cfg;
    const struct crm_shards *shards;
    const char *name;
    long crash_after;
};

/* A worker for the streams of one Redis shard (all of them without
 * CRM_REDIS_SHARDS). Shard 0 also serves /metrics: the queue gauges there are
 * the main Redis's, the counters this process's. */
static int consume_shard(int shard, void *arg)
{
    const struct shard_args *a = arg;
    const struct crm_config *cfg = a->cfg;
    crm_stop_signal_install(on_term);
    struct worker w;
    memset(&w, 0, sizeof w);
    w.cfg = cfg;
    w.crash_after = a->crash_after;

    struct metrics_server *ms = NULL;
    if (cfg->worker_metrics_port > 0 && shard == 0) {
        ms =
            metrics_server_start(cfg->worker_metrics_bind, cfg->worker_metrics_port, a->shards, cfg->streams);
        if (!ms)
            return a->shards->n > 1 ? SUPERVISOR_EXIT_FATAL : 1;
    }
    consume_init(&w.cons, a->shards, shard, a->name, cfg->streams);
    persist_init(&w.persist, cfg->database_url);
    batch_init(&w.batch);
    w.next_trim = now_ms() + cfg->worker_trim_interval;

    log_info("started as consumer %s (batch %d, wait %d ms, %zu stream(s) on Redis shard %d)", a->name,
             cfg->worker_batch, cfg->worker_batch_wait, w.cons.nkeys, shard);
    int rc = run(&w);

    batch_deinit(&w.batch);
    persist_deinit(&w.persist);
    consume_deinit(&w.cons);
    metrics_server_stop(ms);
    log_info("stopped");
    return rc;
}

static const struct crm_cli cli = {
    .prog = "crm-worker",
    .synopsis = "",
    .about = "The CRM's storage worker: reads the message, retry and audit streams from\n"
             "Redis as the consumer group crm-worker and stores them in PostgreSQL, each\n"
             "batch in one transaction, acknowledged after its commit. SIGTERM finishes\n"
             "the batch in hand and stops.\n"
             "Settings: CRM_* environment variables, see crm.env(5) and crm-worker(8).\n",
    .takes_args = 0,
};

int main(int argc, char **argv)
{
    struct crm_config cfg;
    char err[256];
    int cli_rc = crm_cli_start(&cli, argc, argv);
    if (cli_rc != CRM_CLI_CONTINUE)
        return cli_rc;
    if (crm_config_load(&cfg, err, sizeof err) < 0) {
        crm_log_init("crm-worker", NULL);
        log_error("configuration: %s", err);
        return 1;
    }
    crm_log_init("crm-worker", cfg.log_level);
    static struct crm_redis_auth redis_auth;
    if (crm_redis_auth_load(&redis_auth, &cfg, "crm-worker", err, sizeof err) < 0) {
        log_error("configuration: %s", err);
        return 1;
    }
    crm_redis_auth_use(&redis_auth);
    if (crm_redis_ha_init(&cfg, err, sizeof err) < 0) {
        log_error("configuration: %s", err);
        return 1;
    }

    static struct crm_shards shards;
    if (crm_shards_parse(&shards, &cfg, err, sizeof err) < 0) {
        log_error("configuration: %s", err);
        return 1;
    }
    long crash_after = crash_hook(&cfg);
    if (crash_after < 0)
        return 1;

    static char name[300];
    if (cfg.worker_name && *cfg.worker_name) {
        snprintf(name, sizeof name, "%s", cfg.worker_name);
    } else {
        char host[256] = "worker";
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        snprintf(name, sizeof name, "%s-%ld", host, (long)getpid());
    }

    struct shard_args a = {&cfg, &shards, name, crash_after};
    if (shards.n == 1)
        return consume_shard(0, &a);
    /* One process per Redis shard, each a whole worker for that shard's streams
     * (its consumer groups live there); the supervisor restarts one that dies. */
    log_info("%d Redis shards: one process each", shards.n);
    return supervisor_run(shards.n, consume_shard, &a);
}
