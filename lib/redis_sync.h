/* A blocking Redis connection for single-threaded request handlers (crm-api,
 * crm-worker, crm-admin) that reconnects after a loss. crm-pushd uses hiredis
 * async on its event loop instead. */
#ifndef CRM_REDIS_SYNC_H
#define CRM_REDIS_SYNC_H

#include <hiredis/hiredis.h>

struct crm_redis {
    redisContext *ctx; /* NULL or the current connection; owned */
    const char *host;  /* borrowed */
    int port;
    const char *master; /* with Sentinels: the master name, NULL: CRM_REDIS_MASTER_NAME; borrowed */
    int timeout_ms;     /* connect and command timeout; longer than any BLOCK used */
};

/* Initialises r without connecting. */
void crm_redis_init(struct crm_redis *r, const char *host, int port, int timeout_ms);

/* Returns a connected context, reconnecting as needed; NULL when Redis cannot be
 * reached (logged). The context stays owned by r. */
redisContext *crm_redis_get(struct crm_redis *r);

/* Drops the connection after an I/O or protocol error (ctx->err set). */
void crm_redis_reset(struct crm_redis *r);

void crm_redis_deinit(struct crm_redis *r);

/* Runs one command (argv form; lens may be NULL for C strings). A connection
 * found dead (Redis restarted since the last command) is replaced and the
 * command sent once more, so only a real outage fails a request; callers send
 * only commands that are safe to repeat. Returns the reply (freeReplyObject it)
 * or NULL, the connection then reset. */
redisReply *crm_redis_argv(struct crm_redis *r, int argc, const char **argv, const size_t *lens);

/* Sends PING; 0 on PONG, -1 otherwise. */
int crm_redis_ping(struct crm_redis *r);

#endif
