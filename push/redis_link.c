#include "config.h"

#include "redis_link.h"

#include "log.h"
#include "metrics.h"
#include "redis_auth.h"
#include "redis_sentinel.h"

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>

/* Retries start fast and stay fast: a refused connect costs next to nothing, and
 * every second away from Redis is a second without live messages or /health. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 400
#define PING_INTERVAL_MS 2000

struct redis_link {
    struct event_base *base;
    const char *name; /* for logs: "commands", "xread", "pubsub" */
    redis_link_connect_fn on_connect;
    void *arg;
    int do_ping;
    const char *host;
    int port;
    const char *master;                    /* with Sentinels: the master name, NULL: the default */
    char found[CRM_SENTINEL_HOST_MAX + 1]; /* with Sentinels: the primary last connected to */
    redisAsyncContext *ac;                 /* NULL while disconnected; hiredis frees it on disconnect */
    struct event *retry;                   /* fires the next connect attempt */
    struct event *ping;                    /* periodic PING: a half-open TCP link shows up here */
    int backoff_ms;                        /* next retry delay, doubled per failure */
    int up;                                /* connected and the last PING answered */
    int ever_connected;
    int closing; /* redis_link_free in progress: do not reconnect */
};

static void link_connect(struct redis_link *link);

static void schedule_retry(struct redis_link *link)
{
    if (link->closing)
        return;
    struct timeval tv = {link->backoff_ms / 1000, (link->backoff_ms % 1000) * 1000};
    evtimer_add(link->retry, &tv);
    link->backoff_ms = link->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : link->backoff_ms * 2;
}

/* The link is usable: AUTH (if any) was accepted. */
static void link_ready(struct redis_link *link, redisAsyncContext *ac)
{
    if (link->ever_connected)
        push_metrics.redis_reconnects++;
    link->ever_connected = 1;
    link->up = 1;
    link->backoff_ms = BACKOFF_MIN_MS;
    log_info("redis %s: connected to %s:%d", link->name, link->host, link->port);
    if (link->on_connect)
        link->on_connect(link, ac, link->arg);
}

static void on_auth(redisAsyncContext *ac, void *reply, void *priv)
{
    struct redis_link *link = priv;
    redisReply *r = reply;
    if (!r || link->ac != ac)
        return; /* the link went down meanwhile: on_disconnect retries */
    if (r->type != REDIS_REPLY_STATUS) {
        const struct crm_redis_auth *a = crm_redis_auth_current();
        log_error("redis %s: AUTH as user %s refused: %.80s (check CRM_REDIS_USER and "
                  "CRM_REDIS_PASSWORD_FILE against Redis's ACL file)",
                  link->name, a ? a->user : "?", r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        redisAsyncDisconnect(ac); /* a failed connect: on_disconnect schedules the retry */
        return;
    }
    link_ready(link, ac);
}

static void on_connect(const redisAsyncContext *cac, int status)
{
    struct redis_link *link = cac->data;
    redisAsyncContext *ac = (redisAsyncContext *)cac;
    if (status != REDIS_OK) {
        /* hiredis frees the context after this callback. */
        log_warn("redis %s: connect to %s:%d failed: %s", link->name, link->host, link->port, ac->errstr);
        link->ac = NULL;
        link->up = 0;
        schedule_retry(link);
        return;
    }
    /* AUTH goes first: nothing else is sent (link_ready runs the link's own
     * start-up, and redis_link_ctx stays NULL) until Redis accepted it. */
    const struct crm_redis_auth *a = crm_redis_auth_current();
    if (!a) {
        link_ready(link, ac);
        return;
    }
    const char *argv[] = {"AUTH", a->user, a->password};
    size_t lens[] = {4, strlen(a->user), strlen(a->password)};
    if (redisAsyncCommandArgv(ac, on_auth, link, 3, argv, lens) != REDIS_OK)
        redisAsyncDisconnect(ac);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct redis_link *link = ac->data;
    link->ac = NULL; /* freed by hiredis once we return */
    link->up = 0;
    if (link->closing)
        return;
    log_warn("redis %s: connection lost (%s); reconnecting", link->name,
             status == REDIS_OK ? "closed" : ac->errstr);
    schedule_retry(link);
}

static void on_pong(redisAsyncContext *ac, void *reply, void *priv)
{
    struct redis_link *link = priv;
    (void)ac;
    redisReply *r = reply;
    link->up = r && r->type == REDIS_REPLY_STATUS;
}

static void on_ping_timer(evutil_socket_t fd, short what, void *arg)
{
    struct redis_link *link = arg;
    (void)fd;
    (void)what;
    if (link->do_ping && link->ac && redisAsyncCommand(link->ac, on_pong, link, "PING") != REDIS_OK)
        link->up = 0;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    link_connect(arg);
}

static void link_connect(struct redis_link *link)
{
    /* With Sentinels, the primary of the moment (lib/redis_sentinel.h). The
     * lookup blocks the loop, bounded by its timeouts; it runs only when a
     * link is down, when no Redis work is possible on it anyway. */
    struct crm_sentinels *s = crm_sentinels_current();
    if (s) {
        if (crm_sentinels_primary(s, link->master, link->found, sizeof link->found, &link->port) < 0) {
            schedule_retry(link);
            return;
        }
        link->host = link->found;
    }
    /* A host that is a path names Redis's Unix socket, as in lib/redis_sync.c. */
    redisAsyncContext *ac =
        link->host[0] == '/' ? redisAsyncConnectUnix(link->host) : redisAsyncConnect(link->host, link->port);
    if (!ac) {
        schedule_retry(link);
        return;
    }
    if (ac->err) {
        log_warn("redis %s: connect to %s:%d failed: %s", link->name, link->host, link->port, ac->errstr);
        redisAsyncFree(ac);
        schedule_retry(link);
        return;
    }
    ac->data = link;
    redisLibeventAttach(ac, link->base);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    link->ac = ac;
}

struct redis_link *redis_link_new(struct event_base *base, const char *name, const char *host, int port,
                                  const char *master, int ping, redis_link_connect_fn connected, void *arg)
{
    struct redis_link *link = calloc(1, sizeof *link);
    if (!link)
        return NULL;
    link->base = base;
    link->name = name;
    link->do_ping = ping;
    link->on_connect = connected;
    link->arg = arg;
    link->host = host;
    link->port = port;
    link->master = master;
    link->backoff_ms = BACKOFF_MIN_MS;
    link->retry = evtimer_new(base, on_retry, link);
    link->ping = event_new(base, -1, EV_PERSIST, on_ping_timer, link);
    if (!link->retry || !link->ping) {
        redis_link_free(link);
        return NULL;
    }
    struct timeval tv = {PING_INTERVAL_MS / 1000, (PING_INTERVAL_MS % 1000) * 1000};
    event_add(link->ping, &tv);
    link_connect(link);
    return link;
}

void redis_link_free(struct redis_link *link)
{
    if (!link)
        return;
    link->closing = 1;
    if (link->ac)
        redisAsyncFree(link->ac); /* runs on_disconnect, which clears link->ac */
    if (link->retry)
        event_free(link->retry);
    if (link->ping)
        event_free(link->ping);
    free(link);
}

int redis_link_is_up(const struct redis_link *link)
{
    return link && link->up;
}

redisAsyncContext *redis_link_ctx(const struct redis_link *link)
{
    return link && link->ac && link->up ? link->ac : NULL;
}

void redis_link_flush(struct redis_link *link)
{
    redisAsyncContext *ac = redis_link_ctx(link);
    if (ac && ac->c.obuf && ac->c.obuf[0])
        redisAsyncHandleWrite(ac);
}

void redis_link_reset(struct redis_link *link)
{
    if (link->ac) {
        log_warn("redis %s: dropping a stuck connection", link->name);
        redisAsyncDisconnect(link->ac); /* on_disconnect schedules the retry */
    }
}
