#include "config.h"

#include "redis_wait.h"

#include "log.h"
#include "redis_sentinel.h"

static int wait_replicas;
static int wait_timeout_ms = 1000;

void crm_redis_wait_use(int replicas, int timeout_ms)
{
    wait_replicas = replicas > 0 ? replicas : 0;
    wait_timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
}

int crm_redis_wait_replicas(void)
{
    return wait_replicas;
}

int crm_redis_wait_timeout_ms(void)
{
    return wait_timeout_ms;
}

int crm_redis_wait_append(redisContext *c)
{
    if (wait_replicas == 0)
        return 0;
    return redisAppendCommand(c, "WAIT %d %d", wait_replicas, wait_timeout_ms) == REDIS_OK ? 0 : -1;
}

int crm_redis_wait_reply(redisContext *c)
{
    if (wait_replicas == 0)
        return 1;
    redisReply *w = NULL;
    if (redisGetReply(c, (void **)&w) != REDIS_OK || !w)
        return -1;
    int ok = w->type == REDIS_REPLY_INTEGER && w->integer >= wait_replicas;
    if (!ok)
        log_warn("redis: %lld of %d replicas confirmed a write within %d ms: refused",
                 w->type == REDIS_REPLY_INTEGER ? w->integer : -1LL, wait_replicas, wait_timeout_ms);
    freeReplyObject(w);
    return ok;
}

redisReply *crm_redis_argv_confirmed(struct crm_redis *r, int argc, const char **argv, const size_t *lens,
                                     int *confirmed)
{
    *confirmed = 0;
    if (wait_replicas == 0) {
        *confirmed = 1;
        return crm_redis_argv(r, argc, argv, lens);
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        int fresh = r->ctx == NULL;
        redisContext *c = crm_redis_get(r);
        if (!c)
            return NULL;
        if (redisAppendCommandArgv(c, argc, argv, lens) != REDIS_OK || crm_redis_wait_append(c) < 0) {
            crm_redis_reset(r);
            return NULL;
        }
        redisReply *rep = NULL;
        if (redisGetReply(c, (void **)&rep) != REDIS_OK || !rep) {
            int io = c->err == REDIS_ERR_IO || c->err == REDIS_ERR_EOF;
            crm_redis_reset(r);
            /* As crm_redis_argv: only a stale socket earns a second try. */
            if (!io || fresh)
                return NULL;
            continue;
        }
        int w = crm_redis_wait_reply(c);
        if (w < 0) {
            /* The command ran, its replication is unknown: not confirmed. */
            crm_redis_reset(r);
            freeReplyObject(rep);
            return NULL;
        }
        if (crm_redis_reply_not_primary(rep)) {
            log_warn("redis: %.60s; finding the primary again", rep->str);
            crm_redis_reset(r);
            if (attempt == 0) {
                freeReplyObject(rep);
                continue;
            }
            return rep;
        }
        *confirmed = w;
        return rep;
    }
    return NULL;
}
