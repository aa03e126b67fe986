/* A Redis connection of crm-pushd: hiredis async on the process's libevent loop,
 * reconnected with backoff after a loss. A process has three: commands (PINGed
 * to notice a dead link), XREAD BLOCK, and SUBSCRIBE. */
#ifndef CRM_PUSH_REDIS_LINK_H
#define CRM_PUSH_REDIS_LINK_H

#include <event2/event.h>
#include <hiredis/async.h>

struct redis_link;

/* Called on the loop after every successful (re)connection. */
typedef void (*redis_link_connect_fn)(struct redis_link *link, redisAsyncContext *ac, void *arg);

/* Creates the link and starts connecting to host:port on base (with Sentinels:
 * to the primary they name master, NULL: CRM_REDIS_MASTER_NAME). host, master
 * and name are borrowed and must outlive the link. ping: 1 to PING every 2 s (not for a link
 * that blocks or subscribes). Returns NULL when out of memory. */
struct redis_link *redis_link_new(struct event_base *base, const char *name, const char *host, int port,
                                  const char *master, int ping, redis_link_connect_fn on_connect, void *arg);

/* Disconnects and frees; NULL is a no-op. Pending callbacks run with a NULL reply. */
void redis_link_free(struct redis_link *link);

/* 1 while connected (and, with ping, the last PING answered), else 0. */
int redis_link_is_up(const struct redis_link *link);

/* The connected context, or NULL while down. Valid until the next return to the loop. */
redisAsyncContext *redis_link_ctx(const struct redis_link *link);

/* Writes the commands queued on link now, outside any hiredis callback, instead
 * of after one more loop turn waiting for the socket to be writable: with
 * epoll's changelist, hiredis's arming and disarming of its write event then
 * cancel out and cost no system call. A no-op while down or with nothing queued. */
void redis_link_flush(struct redis_link *link);

/* Drops the connection (a reply shows it is stuck); it reconnects with backoff. */
void redis_link_reset(struct redis_link *link);

#endif
