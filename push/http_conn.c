#include "config.h"

#include "http_conn.h"

#include "log.h"
#include "metrics.h"
#include "pushd.h"
#include "redis_link.h"
#include "ws_conn.h"
#include "ws_handshake.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct http_conn {
    struct bufferevent *bev;
    struct redis_link *link;
    int replied; /* a response is queued: close once it is written */
    int metrics; /* accepted on the metrics listener: /metrics only, no upgrade */
};

static void reply(struct http_conn *c, int status, const char *reason, const char *type, const char *body,
                  size_t len);

static void conn_free(struct http_conn *c)
{
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    bufferevent_free(c->bev);
    if (fd >= 0)
        evutil_closesocket(fd);
    free(c);
    push_metrics.connections_open--;
}

/* Answers the upgrade and hands the socket, with any bytes already read after
 * the head, to ws_conn. */
static void upgrade(struct http_conn *c, const struct ws_handshake *hs)
{
    char resp[256];
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n",
                     hs->accept, hs->subprotocol_ok ? "Sec-WebSocket-Protocol: " WS_SUBPROTOCOL "\r\n" : "");
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t left = evbuffer_get_length(in);
    char *rest = NULL;
    if (left > 0 && (rest = malloc(left)) != NULL)
        evbuffer_remove(in, rest, left);
    /* A fresh socket's send buffer takes 200 bytes at once. */
    if (write(fd, resp, (size_t)n) != n || (left && !rest)) {
        free(rest);
        conn_free(c);
        return;
    }
    bufferevent_setfd(c->bev, -1);
    bufferevent_free(c->bev);
    free(c);
    push_metrics.connections_open--;
    ws_conn_start(fd, rest, rest ? left : 0, hs->subprotocol_ok);
    free(rest);
}

static void refuse(struct http_conn *c, int rc)
{
    push_metrics.handshakes_refused++;
    switch (rc) {
    case WS_HS_EVERSION: {
        struct evbuffer *out = bufferevent_get_output(c->bev);
        static const char msg[] = "unsupported WebSocket version\n";
        evbuffer_add_printf(out,
                            "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"
                            "Content-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
                            sizeof msg - 1, msg);
        c->replied = 1;
        bufferevent_disable(c->bev, EV_READ);
        break;
    }
    case WS_HS_EORIGIN:
        reply(c, 403, "Forbidden", "text/plain", "origin not allowed\n", 19);
        break;
    default:
        reply(c, 400, "Bad Request", "text/plain", "bad websocket handshake\n", 24);
        break;
    }
}

static void reply(struct http_conn *c, int status, const char *reason, const char *type, const char *body,
                  size_t len)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    evbuffer_add_printf(out,
                        "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                        "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
                        status, reason, type, len);
    evbuffer_add(out, body, len);
    c->replied = 1;
    bufferevent_disable(c->bev, EV_READ);
}

/* Splits "METHOD SP TARGET SP HTTP/1.x" in place; returns 0 or -1. */
static int parse_request_line(char *line, char **method, char **target)
{
    char *sp1 = strchr(line, ' ');
    if (!sp1)
        return -1;
    *sp1 = '\0';
    char *sp2 = strchr(sp1 + 1, ' ');
    if (!sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
        return -1;
    *sp2 = '\0';
    *method = line;
    *target = sp1 + 1;
    return 0;
}

static void handle_head(struct http_conn *c, char *head, size_t len)
{
    struct ws_handshake hs;
    int rc = c->metrics ? WS_HS_NOT_UPGRADE : ws_handshake_check(head, len, pushd->cfg.ws_origins, &hs);
    if (rc == WS_HS_OK && !pushd->stopping) {
        upgrade(c, &hs);
        return;
    }
    if (rc != WS_HS_NOT_UPGRADE) {
        refuse(c, rc);
        return;
    }
    char *eol = strstr(head, "\r\n");
    char *method, *target;
    if (!eol) {
        reply(c, 400, "Bad Request", "text/plain", "bad request\n", 12);
        return;
    }
    *eol = '\0';
    if (parse_request_line(head, &method, &target) < 0) {
        reply(c, 400, "Bad Request", "text/plain", "bad request\n", 12);
        return;
    }
    target[strcspn(target, "?")] = '\0';
    int is_get = strcmp(method, "GET") == 0;
    if (strcmp(target, "/health") == 0 && is_get) {
        int up = redis_link_is_up(c->link);
        const char *body =
            up ? "{\"status\":\"ok\",\"redis\":\"up\"}" : "{\"status\":\"degraded\",\"redis\":\"down\"}";
        reply(c, up ? 200 : 503, up ? "OK" : "Service Unavailable", "application/json", body, strlen(body));
    } else if (strcmp(target, "/metrics") == 0 && is_get && c->metrics) {
        /* Only on CRM_WS_METRICS_BIND:PORT: the WebSocket port is the one
         * browsers reach, and the counters are for operators. */
        char buf[8192];
        push_metrics.redis_up = redis_link_is_up(c->link);
        size_t n = push_metrics_render(buf, sizeof buf);
        if (n >= sizeof buf)
            n = sizeof buf - 1;
        reply(c, 200, "OK", "text/plain; version=0.0.4", buf, n);
    } else {
        reply(c, 404, "Not Found", "text/plain", "not found\n", 10);
    }
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct http_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
    if (end.pos < 0) {
        if (evbuffer_get_length(in) > PUSH_MAX_HEAD_BYTES)
            reply(c, 431, "Request Header Fields Too Large", "text/plain", "headers too large\n", 18);
        return;
    }
    size_t len = (size_t)end.pos + 4;
    if (len > PUSH_MAX_HEAD_BYTES) {
        reply(c, 431, "Request Header Fields Too Large", "text/plain", "headers too large\n", 18);
        return;
    }
    char head[PUSH_MAX_HEAD_BYTES + 1];
    evbuffer_remove(in, head, len);
    head[len] = '\0';
    handle_head(c, head, len);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    struct http_conn *c = arg;
    (void)bev;
    if (c->replied)
        conn_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    (void)what; /* EOF, error or the head timeout: all end the connection */
    conn_free(arg);
}

void http_conn_start(struct event_base *base, evutil_socket_t fd, struct redis_link *link, int metrics)
{
    struct http_conn *c = calloc(1, sizeof *c);
    struct bufferevent *bev = bufferevent_socket_new(base, fd, 0);
    if (!c || !bev) {
        free(c);
        if (bev)
            bufferevent_free(bev);
        else
            evutil_closesocket(fd);
        return;
    }
    c->bev = bev;
    c->link = link;
    c->metrics = metrics;
    push_metrics.connections_open++;
    push_metrics.connections_total++;
    struct timeval tmo = {PUSH_HEAD_TIMEOUT_SEC, 0};
    bufferevent_set_timeouts(bev, &tmo, &tmo);
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}
