#include "config.h"

#include "redis_sync.h"

#include "log.h"
#include "redis_auth.h"
#include "redis_sentinel.h"
#include "sock_alive.h"

#include <string.h>
#include <sys/time.h>

void crm_redis_init(struct crm_redis *r, const char *host, int port, int timeout_ms)
{
    r->ctx = NULL;
    r->host = host;
    r->port = port;
    r->timeout_ms = timeout_ms;
    r->master = NULL;
}

/* AUTH as the program's ACL user, before anything else on the connection. A
 * refusal is a failed connect: the caller reports Redis unavailable. */
static int authenticate(redisContext *c)
{
    const struct crm_redis_auth *a = crm_redis_auth_current();
    if (!a)
        return 0;
    const char *argv[] = {"AUTH", a->user, a->password};
    size_t lens[] = {4, strlen(a->user), strlen(a->password)};
    redisReply *rep = redisCommandArgv(c, 3, argv, lens);
    int ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (!ok)
        log_error("redis: AUTH as user %s refused: %.80s (check CRM_REDIS_USER and "
                  "CRM_REDIS_PASSWORD_FILE against Redis's ACL file)",
                  a->user, rep && rep->type == REDIS_REPLY_ERROR ? rep->str : c->errstr);
    if (rep)
        freeReplyObject(rep);
    return ok ? 0 : -1;
}

redisContext *crm_redis_get(struct crm_redis *r)
{
    /* A server restarted since the last command closed this socket: notice it
     * here, once for every caller, rather than failing the next command. */
    if (r->ctx && !r->ctx->err && crm_sock_idle_alive(r->ctx->fd))
        return r->ctx;
    crm_redis_reset(r);
    struct timeval tv = {r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000};
    /* With Sentinels, the primary of the moment, asked at every connection. */
    const char *host = r->host;
    int port = r->port;
    char found[CRM_SENTINEL_HOST_MAX + 1];
    struct crm_sentinels *s = crm_sentinels_current();
    if (s) {
        if (crm_sentinels_primary(s, r->master, found, sizeof found, &port) < 0)
            return NULL;
        host = found;
    }
    /* A host that is a path names Redis's Unix socket: on one machine a command
     * costs both sides less CPU than over loopback TCP. */
    redisContext *c =
        host[0] == '/' ? redisConnectUnixWithTimeout(host, tv) : redisConnectWithTimeout(host, port, tv);
    if (!c || c->err) {
        log_warn("redis: connect to %s:%d failed: %s", host, port, c ? c->errstr : "out of memory");
        if (c)
            redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    if (authenticate(c) < 0) {
        redisFree(c);
        return NULL;
    }
    r->ctx = c;
    return c;
}

void crm_redis_reset(struct crm_redis *r)
{
    if (r->ctx) {
        redisFree(r->ctx);
        r->ctx = NULL;
    }
}

void crm_redis_deinit(struct crm_redis *r)
{
    crm_redis_reset(r);
}

redisReply *crm_redis_argv(struct crm_redis *r, int argc, const char **argv, const size_t *lens)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int fresh = r->ctx == NULL;
        redisContext *c = crm_redis_get(r);
        if (!c)
            return NULL;
        redisReply *rep = redisCommandArgv(c, argc, argv, lens);
        if (rep && crm_redis_reply_not_primary(rep)) {
            /* A primary demoted by a failover refused the command (nothing was
             * done): find the new one and send it there, once. */
            log_warn("redis: %.60s; finding the primary again", rep->str);
            crm_redis_reset(r);
            if (attempt == 0) {
                freeReplyObject(rep);
                continue;
            }
            return rep;
        }
        if (rep)
            return rep;
        int io = c->err == REDIS_ERR_IO || c->err == REDIS_ERR_EOF;
        crm_redis_reset(r);
        /* A fresh connection that fails is an outage, not a stale socket. */
        if (!io || fresh)
            return NULL;
    }
    return NULL;
}

int crm_redis_ping(struct crm_redis *r)
{
    redisContext *c = crm_redis_get(r);
    if (!c)
        return -1;
    redisReply *rep = redisCommand(c, "PING");
    int ok = rep && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
    if (rep)
        freeReplyObject(rep);
    if (!rep || c->err)
        crm_redis_reset(r);
    return ok ? 0 : -1;
}
