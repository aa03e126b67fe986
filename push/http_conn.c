#include "config.h"

#include "http_conn.h"

#include "metrics.h"
#include "redis_link.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct http_conn {
    struct bufferevent *bev;
    struct redis_link *link;
    int replied; /* a response is queued: close once it is written */
};

static void conn_free(struct http_conn *c)
{
    bufferevent_free(c->bev);
    free(c);
    push_metrics.connections_open--;
}

static void reply(struct http_conn *c, int status, const char *reason, const char *type,
                  const char *body, size_t len)
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

static void handle_head(struct http_conn *c, char *head)
{
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
        const char *body = up ? "{\"status\":\"ok\",\"redis\":\"up\"}"
                              : "{\"status\":\"degraded\",\"redis\":\"down\"}";
        reply(c, up ? 200 : 503, up ? "OK" : "Service Unavailable", "application/json", body,
              strlen(body));
    } else if (strcmp(target, "/metrics") == 0 && is_get) {
        char buf[2048];
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
    handle_head(c, head);
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

void http_conn_start(struct event_base *base, evutil_socket_t fd, struct redis_link *link)
{
    struct http_conn *c = calloc(1, sizeof *c);
    struct bufferevent *bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
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
    push_metrics.connections_open++;
    push_metrics.connections_total++;
    struct timeval tmo = {PUSH_HEAD_TIMEOUT_SEC, 0};
    bufferevent_set_timeouts(bev, &tmo, &tmo);
    bufferevent_setcb(bev, on_read, on_write, on_event, c);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}
