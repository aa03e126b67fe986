/* One accepted TCP connection of crm-pushd until its HTTP request head is read:
 * plain requests (/health, and /metrics on the metrics listener) are answered here. */
#ifndef CRM_PUSH_HTTP_CONN_H
#define CRM_PUSH_HTTP_CONN_H

#include <event2/event.h>
#include <event2/util.h>

struct redis_link;

#define PUSH_MAX_HEAD_BYTES 8192 /* request line and headers */
#define PUSH_HEAD_TIMEOUT_SEC 10 /* to send them */

/* Takes ownership of fd and serves it on base; link is borrowed for health.
 * metrics 1: fd came from the metrics listener (GET /metrics and /health, no
 * upgrade); 0: the WebSocket port (upgrades and /health; /metrics is 404). */
void http_conn_start(struct event_base *base, evutil_socket_t fd, struct redis_link *link, int metrics);

#endif
