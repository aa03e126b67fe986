/* crm-pushd: the WebSocket daemon. A supervisor process runs CRM_WS_PROCESSES
 * children, each with its own libevent loop and a listener on the same port
 * (SO_REUSEPORT), since one process holds at most ~20,000 sockets here. */
#include "config.h"

#include "crm_config.h"
#include "http_conn.h"
#include "log.h"
#include "redis_link.h"
#include "supervisor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct pushd {
    struct crm_config cfg;
    struct event_base *base;
    struct redis_link *link;
};

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int socklen, void *arg)
{
    struct pushd *p = arg;
    (void)l;
    (void)sa;
    (void)socklen;
    http_conn_start(p->base, fd, p->link);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct pushd *p = arg;
    (void)what;
    log_info("signal %d: stopping", (int)sig);
    event_base_loopexit(p->base, NULL);
}

static int child_main(int index, void *arg)
{
    struct pushd *p = arg;
    int rc = SUPERVISOR_EXIT_FATAL;
    struct evconnlistener *listener = NULL;
    struct event *sigterm = NULL, *sigint = NULL;

    p->base = event_base_new();
    if (!p->base)
        goto done;

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)p->cfg.ws_port);
    if (inet_pton(AF_INET, p->cfg.ws_bind, &sin.sin_addr) != 1) {
        log_error("CRM_WS_BIND %s is not an IPv4 address", p->cfg.ws_bind);
        goto done;
    }
    listener = evconnlistener_new_bind(
        p->base, on_accept, p, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT,
        1024, (struct sockaddr *)&sin, sizeof sin);
    if (!listener) {
        log_error("cannot listen on %s:%d: %s (is another program using the port? set CRM_WS_PORT)",
                  p->cfg.ws_bind, p->cfg.ws_port, strerror(errno));
        goto done;
    }
    p->link = redis_link_new(p->base, p->cfg.redis_host, p->cfg.redis_port);
    sigterm = evsignal_new(p->base, SIGTERM, on_signal, p);
    sigint = evsignal_new(p->base, SIGINT, on_signal, p);
    if (!p->link || !sigterm || !sigint)
        goto done;
    evsignal_add(sigterm, NULL);
    evsignal_add(sigint, NULL);

    log_info("process %d listening on %s:%d", index, p->cfg.ws_bind, p->cfg.ws_port);
    event_base_dispatch(p->base);
    rc = 0;
done:
    if (listener)
        evconnlistener_free(listener);
    redis_link_free(p->link);
    if (sigterm)
        event_free(sigterm);
    if (sigint)
        event_free(sigint);
    if (p->base)
        event_base_free(p->base);
    log_info("process %d stopped", index);
    return rc;
}

int main(void)
{
    static struct pushd p;
    char err[256];

    if (crm_config_load(&p.cfg, err, sizeof err) < 0) {
        crm_log_init("crm-pushd", NULL);
        log_error("configuration: %s", err);
        return 1;
    }
    crm_log_init("crm-pushd", p.cfg.log_level);
    signal(SIGPIPE, SIG_IGN);
    log_info("starting %d process(es)", p.cfg.ws_processes);
    return supervisor_run(p.cfg.ws_processes, child_main, &p);
}
