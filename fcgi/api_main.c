/* crm-api: the FastCGI program lighttpd spawns (mod_fastcgi, bin-path). Each process
 * is single-threaded and keeps its own PostgreSQL and Redis connections. */
#include "config.h"

#include "crm_config.h"
#include "db.h"
#include "health.h"
#include "log.h"
#include "redis_sync.h"
#include "reply.h"

#include <fcgiapp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

/* libfcgi retries accept() after EINTR, so a flag alone would never be seen while
 * idle: closing the listening socket (fd 0, given by lighttpd) makes the pending
 * or next accept fail, and the loop ends after the request in hand. */
static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
    close(0);
}

/* Routes on REQUEST_URI: lighttpd splits SCRIPT_NAME/PATH_INFO by its prefix. */
static void route(FCGX_Request *req, struct crm_db *db, struct crm_redis *redis)
{
    const char *uri = FCGX_GetParam("REQUEST_URI", req->envp);
    const char *method = FCGX_GetParam("REQUEST_METHOD", req->envp);
    if (!uri || !method) {
        reply_error(req, 400, "bad request");
        return;
    }
    size_t path_len = strcspn(uri, "?");
    if (path_len == 7 && strncmp(uri, "/health", 7) == 0) {
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            reply_error(req, 405, "method not allowed");
            return;
        }
        health_handle(req, db, redis);
        return;
    }
    reply_error(req, 404, "not found");
}

int main(int argc, char **argv)
{
    struct crm_config cfg;
    char err[256];
    (void)argc;
    (void)argv;

    if (crm_config_load(&cfg, err, sizeof err) < 0) {
        crm_log_init("crm-api", NULL);
        log_error("configuration: %s", err);
        return 1;
    }
    crm_log_init("crm-api", cfg.log_level);

    /* No SA_RESTART: SIGTERM must interrupt the blocking accept. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (FCGX_Init() != 0) {
        log_error("FCGX_Init failed");
        return 1;
    }
    if (FCGX_IsCGI()) {
        log_error("crm-api is a FastCGI program: start it from lighttpd (mod_fastcgi bin-path)");
        return 1;
    }

    struct crm_db db;
    struct crm_redis redis;
    crm_db_init(&db, cfg.database_url);
    crm_redis_init(&redis, cfg.redis_host, cfg.redis_port, 2000);

    FCGX_Request req;
    FCGX_InitRequest(&req, 0, 0);
    log_info("started");
    while (!stopping) {
        if (FCGX_Accept_r(&req) < 0)
            break;
        route(&req, &db, &redis);
        FCGX_Finish_r(&req);
    }
    FCGX_Free(&req, 1);
    crm_redis_deinit(&redis);
    crm_db_deinit(&db);
    log_info("stopped");
    return 0;
}
