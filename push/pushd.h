/* The state of one crm-pushd process (one event loop): what the connection,
 * subscription and Redis modules share. Only push/ includes it. */
#ifndef CRM_PUSH_PUSHD_H
#define CRM_PUSH_PUSHD_H

#include "crm_config.h"
#include "redis_shards.h"

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#define WS_MAX_MESSAGE 65536           /* bytes of one received message (then 1009) */
#define WS_MAX_QUEUED_BYTES (1u << 20) /* unsent bytes per socket before it is cut off */
#define WS_LOW_WATER (64u * 1024)      /* replay continues below this many queued bytes */
#define WS_MAX_SUBS 32                 /* subscriptions per socket */
#define WS_CLOSE_WAIT_SEC 3            /* wait for the peer's close frame */

struct redis_link;
struct ws_conn;
struct gql_schema;
struct sub_query_cache;
struct pg_link;

struct pushd {
    struct crm_config cfg;
    struct event_base *base;
    struct redis_link *cmd;                         /* commands: membership, revocation, XRANGE; PINGed */
    struct redis_link *xread;                       /* XREAD BLOCK only (the main Redis's streams) */
    struct crm_shards shards;                       /* where the message streams live (lib/redis_shards.h) */
    struct redis_link *shard_cmd[CRM_SHARDS_MAX];   /* shard k >= 1: replay's XRANGE; [0] unused: cmd */
    struct redis_link *shard_xread[CRM_SHARDS_MAX]; /* shard k >= 1: XREAD BLOCK; [0] unused: xread */
    struct redis_link *pubsub;                      /* SUBSCRIBE crm:revocations only */
    struct pg_link *pg;        /* PostgreSQL, asynchronous: membership misses, replay, old senders */
    struct gql_schema *schema; /* loaded from CRM_SCHEMA_PATH */
    struct sub_query_cache *queries;
    struct ws_conn *conns; /* every WebSocket of this process (doubly linked) */
    size_t nconns;
    struct event *sweep; /* 1 s timer: init timeouts, pings, token expiry */
    struct event *flush; /* activated when a socket has output: flush once per turn */
    int ping_sec;        /* CRM_WS_PING_INTERVAL: a pong is due within it */
    int init_sec;        /* CRM_WS_INIT_TIMEOUT: connection_init is due within it */
    int sockets_share;   /* sockets per user in this process (user_sockets.h); 0: no cap */
    int index;           /* process number under the supervisor */
    int stopping;        /* SIGTERM received */
};

/* The process's state; set once in the child before its loop runs. */
extern struct pushd *pushd;

/* Seconds since the process started (monotonic). */
uint32_t pushd_now(void);

#endif
