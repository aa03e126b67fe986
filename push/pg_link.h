/* crm-pushd's PostgreSQL connection, asynchronous on the process's libevent loop:
 * a queue of requests (statements of pushd_sql.h with text parameters), one in
 * flight at a time, each with a callback and a deadline. The loop never waits
 * on the database: a slow or unreachable server delays only the requests, which
 * fail at their deadline. After a loss the connection is made again with
 * backoff (connect bounded by PG_LINK_CONNECT_MS). */
#ifndef CRM_PUSH_PG_LINK_H
#define CRM_PUSH_PG_LINK_H

#include "pushd_sql.h"

#include <event2/event.h>
#include <libpq-fe.h>

#define PG_LINK_MAX_PARAMS 8
#define PG_LINK_MAX_QUEUED 4096    /* requests waiting; more fail at once */
#define PG_LINK_CONNECT_MS 5000    /* a connection attempt's bound */
#define PG_LINK_BACKOFF_MIN_MS 100 /* first retry after a loss; doubles */
#define PG_LINK_BACKOFF_MAX_MS 5000

struct pg_link;

/* The answer to one request: res is the result (rows or command), borrowed for
 * the call, or NULL when the request failed (error, deadline, lost connection,
 * the link freed). Called once, from the loop, never inside pg_link_query. */
typedef void (*pg_link_fn)(const PGresult *res, void *arg);

/* Creates the link and starts connecting to url (libpq conninfo or URI,
 * borrowed: it must outlive the link). NULL when out of memory. */
struct pg_link *pg_link_new(struct event_base *base, const char *url);

/* Closes the connection and frees; pending callbacks run with NULL first. NULL
 * is a no-op. */
void pg_link_free(struct pg_link *l);

/* Queues statement s with n text parameters (copied) and a deadline timeout_ms
 * from now. Returns 0: fn will be called once. Returns -1 (queue full, out of
 * memory, too many parameters): fn is never called. */
int pg_link_query(struct pg_link *l, enum pushd_sql s, int n, const char *const *params, int timeout_ms,
                  pg_link_fn fn, void *arg);

/* 1 while connected, else 0. */
int pg_link_is_up(const struct pg_link *l);

#endif
