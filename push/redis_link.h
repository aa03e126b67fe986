/* crm-pushd's Redis connection: hiredis async on the process's libevent loop,
 * reconnected with backoff after a loss. */
#ifndef CRM_PUSH_REDIS_LINK_H
#define CRM_PUSH_REDIS_LINK_H

#include <event2/event.h>

struct redis_link;

/* Creates the link and starts connecting to host:port on base. host is borrowed
 * and must outlive the link. Returns NULL when out of memory. */
struct redis_link *redis_link_new(struct event_base *base, const char *host, int port);

/* Disconnects and frees; NULL is a no-op. */
void redis_link_free(struct redis_link *link);

/* 1 while connected and answering, else 0. */
int redis_link_is_up(const struct redis_link *link);

#endif
