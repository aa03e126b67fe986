/* crm-worker: reads the message and audit streams as a consumer group and
 * persists them into PostgreSQL. */
#include "config.h"

#include "crm_config.h"
#include "db.h"
#include "log.h"
#include "redis_sync.h"
#include "streams.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
}

/* Creates the group on key unless it exists; never recreates an existing one.
 * Returns 0, or -1 when Redis did not answer. */
static int ensure_group(struct crm_redis *r, const char *key)
{
    redisContext *c = crm_redis_get(r);
    if (!c)
        return -1;
    /* "0": entries added before the group existed are persisted too. */
    redisReply *rep = redisCommand(c, "XGROUP CREATE %s %s 0 MKSTREAM", key, CRM_WORKER_GROUP);
    if (!rep) {
        crm_redis_reset(r);
        return -1;
    }
    int ok = rep->type != REDIS_REPLY_ERROR || strncmp(rep->str, "BUSYGROUP", 9) == 0;
    if (!ok)
        log_error("redis: XGROUP CREATE %s: %s", key, rep->str);
    freeReplyObject(rep);
    return ok ? 0 : -1;
}

int main(void)
{
    struct crm_config cfg;
    char err[256];
    if (crm_config_load(&cfg, err, sizeof err) < 0) {
        crm_log_init("crm-worker", NULL);
        log_error("configuration: %s", err);
        return 1;
    }
    crm_log_init("crm-worker", cfg.log_level);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    struct crm_db db;
    struct crm_redis redis;
    crm_db_init(&db, cfg.database_url);
    crm_redis_init(&redis, cfg.redis_host, cfg.redis_port, 5000);

    log_info("started");
    int groups_ready = 0;
    while (!stopping) {
        if (!groups_ready) {
            char name[CRM_STREAM_NAME_MAX];
            groups_ready = 1;
            for (int i = 0; i < cfg.streams && groups_ready; i++)
                groups_ready = ensure_group(&redis, crm_stream_name(name, i)) == 0;
            if (groups_ready)
                groups_ready = ensure_group(&redis, CRM_AUDIT_STREAM) == 0;
        }
        sleep(1);
    }
    crm_redis_deinit(&redis);
    crm_db_deinit(&db);
    log_info("stopped");
    return 0;
}
