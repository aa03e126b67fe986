/* crm-pushd: the WebSocket daemon. A supervisor process runs CRM_WS_PROCESSES
 * children, each with its own libevent loop and a listener on the same port
 * (SO_REUSEPORT), since one process holds at most ~20,000 sockets here. This
 * file owns the loop: listener, signals, the 1 s sweep, the flush event. */
#include "config.h"

#include "cli.h"
#include "crm_config.h"
#include "gql/gql_schema.h"
#include "http_conn.h"
#include "log.h"
#include "metrics.h"
#include "inbox.h"
#include "live_events.h"
#include "pg_link.h"
#include "presence.h"
#include "pushd.h"
#include "redis_auth.h"
#include "redis_ha.h"
#include "redis_link.h"
#include "replay.h"
#include "revocation.h"
#include "stream_reader.h"
#include "sub_query.h"
#include "typing.h"
#include "rooms.h"
#include "supervisor.h"
#include "user_cache.h"
#include "user_sockets.h"
#include "ws_conn.h"
#include "ws_uring.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define STOP_GRACE_MS 1500 /* after SIGTERM: time for close frames to go out */

struct pushd *pushd;
static struct timespec started;

uint32_t pushd_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)(ts.tv_sec - started.tv_sec);
}

static int metrics_tag; /* the metrics listener's callback argument */

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int socklen,
                      void *arg)
{
    (void)l;
    (void)sa;
    (void)socklen;
    http_conn_start(pushd->base, fd, pushd->cmd, arg == &metrics_tag);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
    (void)l;
    (void)arg;
    /* EMFILE and friends: logged, and the listener keeps going. */
    log_warn("accept: %s", strerror(errno));
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    ws_conn_sweep((int64_t)time(NULL));
    stream_reader_watchdog();
    int up = redis_link_is_up(pushd->xread);
    for (int k = 1; k < pushd->shards.n; k++)
        up = up && redis_link_is_up(pushd->shard_xread[k]);
    push_metrics.redis_up = up;
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    ws_conn_flush_all();
    /* The next XREAD of each stream reader, issued after its entries were handed over. */
    redis_link_flush(pushd->xread);
    for (int k = 1; k < pushd->shards.n; k++)
        redis_link_flush(pushd->shard_xread[k]);
}

/* The pubsub link: revocations, and the live-state channels beside them. */
static void pubsub_on_connect(struct redis_link *link, struct redisAsyncContext *ac, void *arg)
{
    revocation_on_connect(link, ac, arg);
    live_events_subscribe(ac);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    (void)arg;
    if (pushd->stopping)
        return;
    pushd->stopping = 1;
    log_info("signal %d: closing %zu socket(s) with 1001", (int)sig, pushd->nconns);
    ws_conn_close_all(1001, "server going away");
    presence_stop(); /* this instance counts nobody from now on */
    ws_conn_flush_all();
    struct timeval tv = {STOP_GRACE_MS / 1000, (STOP_GRACE_MS % 1000) * 1000};
    event_base_loopexit(pushd->base, &tv);
}

static int child_main(int index, void *arg)
{
    struct pushd *p = arg;
    int rc = SUPERVISOR_EXIT_FATAL;
    struct evconnlistener *listener = NULL, *metrics_listener = NULL;
    struct event *sigterm = NULL, *sigint = NULL;
    gql_error_list errs;

    pushd = p;
    p->index = index;
    clock_gettime(CLOCK_MONOTONIC, &started);
    gql_error_list_init(&errs);
    if (gql_schema_load_file(p->cfg.schema_path, &p->schema, &errs) != 0) {
        log_error("schema %s: %s", p->cfg.schema_path, errs.head ? errs.head->message : "cannot be loaded");
        gql_error_list_deinit(&errs);
        return SUPERVISOR_EXIT_FATAL;
    }
    gql_error_list_deinit(&errs);
    p->queries = sub_query_cache_new(p->schema, user_cache_lookup);
    /* epoll's changelist: an event added and removed in one loop turn (hiredis
     * arms its write event for every command it queues) costs no epoll_ctl.
     * No descriptor here is dup()ed, the case libevent warns about. */
    struct event_config *ecfg = event_config_new();
    if (ecfg) {
        event_config_set_flag(ecfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        p->base = event_base_new_with_config(ecfg);
        event_config_free(ecfg);
    }
    if (p->base)
        p->pg = pg_link_new(p->base, p->cfg.database_url);
    ws_uring_init(); /* without it, the writev path */
    if (!p->base || !p->queries || !p->pg)
        goto done;

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)p->cfg.ws_port);
    if (inet_pton(AF_INET, p->cfg.ws_bind, &sin.sin_addr) != 1) {
        log_error("CRM_WS_BIND %s is not an IPv4 address", p->cfg.ws_bind);
        goto done;
    }
    listener = evconnlistener_new_bind(p->base, on_accept, p,
                                       LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT,
                                       4096, (struct sockaddr *)&sin, sizeof sin);
    if (!listener) {
        log_error("cannot listen on %s:%d: %s (is another program using the port? set CRM_WS_PORT)",
                  p->cfg.ws_bind, p->cfg.ws_port, strerror(errno));
        goto done;
    }
    evconnlistener_set_error_cb(listener, on_accept_error);
    if (p->cfg.ws_metrics_port) {
        struct sockaddr_in min;
        memset(&min, 0, sizeof min);
        min.sin_family = AF_INET;
        min.sin_port = htons((uint16_t)p->cfg.ws_metrics_port);
        if (inet_pton(AF_INET, p->cfg.ws_metrics_bind, &min.sin_addr) != 1) {
            log_error("CRM_WS_METRICS_BIND %s is not an IPv4 address", p->cfg.ws_metrics_bind);
            goto done;
        }
        metrics_listener =
            evconnlistener_new_bind(p->base, on_accept, &metrics_tag,
                                    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT, 64,
                                    (struct sockaddr *)&min, sizeof min);
        if (!metrics_listener) {
            log_error("cannot listen on %s:%d: %s (set CRM_WS_METRICS_PORT)", p->cfg.ws_metrics_bind,
                      p->cfg.ws_metrics_port, strerror(errno));
            goto done;
        }
        evconnlistener_set_error_cb(metrics_listener, on_accept_error);
    }
    inbox_init();
    if (presence_start() < 0)
        goto done;
    p->cmd = redis_link_new(p->base, "commands", p->cfg.redis_host, p->cfg.redis_port, NULL, 1,
                            presence_on_connect, NULL);
    p->xread = redis_link_new(p->base, "xread", p->cfg.redis_host, p->cfg.redis_port, NULL, 0,
                              stream_reader_on_connect, stream_reader_of_shard(0));
    p->pubsub = redis_link_new(p->base, "pubsub", p->cfg.redis_host, p->cfg.redis_port, NULL, 0,
                               pubsub_on_connect, NULL);
    /* Every further shard: a command link (replay) and an XREAD link. */
    for (int k = 1; k < p->shards.n; k++) {
        const char *m = p->shards.master[k][0] ? p->shards.master[k] : NULL;
        p->shard_cmd[k] =
            redis_link_new(p->base, "shard commands", p->shards.host[k], p->shards.port[k], m, 1, NULL, NULL);
        p->shard_xread[k] = redis_link_new(p->base, "shard xread", p->shards.host[k], p->shards.port[k], m, 0,
                                           stream_reader_on_connect, stream_reader_of_shard(k));
        if (!p->shard_cmd[k] || !p->shard_xread[k])
            goto done;
    }
    p->sweep = event_new(p->base, -1, EV_PERSIST, on_sweep, NULL);
    p->flush = event_new(p->base, -1, 0, on_flush, NULL);
    sigterm = evsignal_new(p->base, SIGTERM, on_signal, p);
    sigint = evsignal_new(p->base, SIGINT, on_signal, p);
    if (!p->cmd || !p->xread || !p->pubsub || !p->sweep || !p->flush || !sigterm || !sigint)
        goto done;
    struct timeval second = {1, 0};
    event_add(p->sweep, &second);
    evsignal_add(sigterm, NULL);
    evsignal_add(sigint, NULL);

    log_info("process %d listening on %s:%d, metrics on %s:%d (ping %d s, init timeout %d s)", index,
             p->cfg.ws_bind, p->cfg.ws_port, p->cfg.ws_metrics_bind, p->cfg.ws_metrics_port, p->ping_sec,
             p->init_sec);
    event_base_dispatch(p->base);
    rc = 0;
done:
    if (listener)
        evconnlistener_free(listener);
    if (metrics_listener)
        evconnlistener_free(metrics_listener);
    while (p->conns)
        ws_conn_abort(p->conns, NULL);
    ws_conn_flush_all(); /* drops the dirty list's references to them */
    ws_uring_free();
    redis_link_free(p->cmd);
    redis_link_free(p->xread);
    redis_link_free(p->pubsub);
    for (int k = 1; k < p->shards.n; k++) {
        redis_link_free(p->shard_cmd[k]);
        redis_link_free(p->shard_xread[k]);
    }
    stream_reader_free();
    pg_link_free(p->pg);
    replay_shutdown();
    rooms_shutdown();
    typing_shutdown();
    inbox_shutdown();
    presence_free();
    user_cache_clear();
    user_sockets_clear();
    sub_query_cache_free(p->queries);
    gql_schema_free(p->schema);
    if (sigterm)
        event_free(sigterm);
    if (sigint)
        event_free(sigint);
    if (p->sweep)
        event_free(p->sweep);
    if (p->flush)
        event_free(p->flush);
    if (p->base)
        event_base_free(p->base);
    log_info("process %d stopped", index);
    return rc;
}

static const struct crm_cli cli = {
    .prog = "crm-pushd",
    .synopsis = "",
    .about = "The CRM's WebSocket daemon: GraphQL subscriptions (graphql-transport-ws),\n"
             "GET /health on CRM_WS_BIND:CRM_WS_PORT, GET /metrics on\n"
             "CRM_WS_METRICS_BIND:CRM_WS_METRICS_PORT, in CRM_WS_PROCESSES\n"
             "processes under a supervisor. SIGTERM closes the sockets with 1001 and stops.\n"
             "Settings: CRM_* environment variables, see crm.env(5) and crm-pushd(8).\n",
    .takes_args = 0,
};

int main(int argc, char **argv)
{
    static struct pushd p;
    char err[256];
    int cli_rc = crm_cli_start(&cli, argc, argv);
    if (cli_rc != CRM_CLI_CONTINUE)
        return cli_rc;

    if (crm_config_load(&p.cfg, err, sizeof err) < 0) {
        crm_log_init("crm-pushd", NULL);
        log_error("configuration: %s", err);
        return 1;
    }
    crm_log_init("crm-pushd", p.cfg.log_level);
    static struct crm_redis_auth redis_auth;
    if (crm_redis_auth_load(&redis_auth, &p.cfg, "crm-pushd", err, sizeof err) < 0) {
        log_error("configuration: %s", err);
        return 1;
    }
    crm_redis_auth_use(&redis_auth);
    if (crm_redis_ha_init(&p.cfg, err, sizeof err) < 0 ||
        crm_shards_parse(&p.shards, &p.cfg, err, sizeof err) < 0) {
        log_error("configuration: %s", err);
        return 1;
    }
    p.ping_sec = p.cfg.ws_ping_interval;
    p.init_sec = p.cfg.ws_init_timeout;
    p.sockets_share = user_sockets_share(p.cfg.ws_max_sockets_per_user, p.cfg.ws_processes);
    signal(SIGPIPE, SIG_IGN);
    log_info("starting %d process(es)", p.cfg.ws_processes);
    return supervisor_run(p.cfg.ws_processes, child_main, &p);
}
