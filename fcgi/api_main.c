/* crm-api: the FastCGI program. lighttpd spawns it (mod_fastcgi, bin-path); under
 * Apache or nginx it listens itself (CRM_API_LISTEN, or a systemd socket) and runs
 * CRM_API_PROCS copies under a supervisor. Each process is single-threaded and
 * keeps its own PostgreSQL and Redis connections. */
#include "config.h"

#include "api.h"
#include "api_listen.h"
#include "cli.h"
#include "crm_config.h"
#include "db.h"
#include "graphql_endpoint.h"
#include "health.h"
#include "password.h"
#include "log.h"
#include "stop_signal.h"
#include "supervisor.h"
#include "redis_auth.h"
#include "redis_ha.h"
#include "redis_sync.h"
#include "reply.h"

#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;
static int listen_fd;
static char api_err[256];

/* libfcgi retries accept() after EINTR, so a flag alone would never be seen while
 * idle: closing the listening socket makes the pending or next accept fail, and
 * the loop ends after the request in hand. */
static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
    close(listen_fd);
}

/* Routes on REQUEST_URI: lighttpd splits SCRIPT_NAME/PATH_INFO by its prefix. */
static void route(FCGX_Request *req, struct api *api, gql_engine *engine)
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
        health_handle(req, &api->db, &api->redis);
        return;
    }
    if (path_len == 8 && strncmp(uri, "/graphql", 8) == 0) {
        graphql_handle(req, api, engine);
        return;
    }
    reply_error(req, 404, "not found");
}

/* Ends the request. libfcgi's close otherwise shuts the socket down and waits in
 * poll and read (up to 2 s) until lighttpd closes its end, so that input left
 * unread cannot become a TCP reset that loses the answer: a sleep and three
 * system calls a request (a tenth of crm-api's CPU per sendMessage under
 * bench/api_bench.sh). Once the input is read to its end (the empty FCGI_STDIN
 * record, already in libfcgi's buffer after a normal request) there is nothing
 * left to lose, and FCGX_Detach makes FCGX_Free close at once. A request whose
 * body was not read (413) keeps the lingering close. */
static void finish(FCGX_Request *req)
{
    int drained = FCGX_GetChar(req->in) == EOF;
    if (drained)
        FCGX_Detach(req);
    FCGX_Finish_r(req);
    /* The flag belongs to the request object, which the next FCGX_Accept_r
     * reuses: clear it so a later request with unread input lingers again. */
    req->detached = 0;
}

/* Loads the schema and binds the resolvers; logs and returns NULL on failure. */
static gql_engine *engine_create(const struct crm_config *cfg, gql_schema **schema)
{
    gql_error_list errs;
    gql_error_list_init(&errs);
    gql_engine *engine = NULL;
    if (gql_schema_load_file(cfg->schema_path, schema, &errs) != 0) {
        log_error("schema %s: %s", cfg->schema_path, errs.head ? errs.head->message : "cannot load");
        goto done;
    }
    gql_engine_options opts = {0};
    opts.disable_introspection = !cfg->api_introspection;
    /* Each request's variables are parsed for it and freed after it: a
     * default such as SendMessageInput.internal joins them instead of the
     * input being copied on every sendMessage. */
    opts.variables_owned = 1;
    engine = gql_engine_new(*schema, &opts);
    if (!engine || api_resolvers_register(engine) != 0) {
        log_error("engine: cannot register the resolvers");
        gql_engine_free(engine);
        engine = NULL;
    }
done:
    gql_error_list_deinit(&errs);
    return engine;
}

/* One process's life: its own connections, then requests until told to stop. */
static int serve(struct api *api, gql_engine *engine)
{
    crm_stop_signal_install(on_term);
    crm_db_init(&api->db, api->cfg.database_url);
    crm_redis_init(&api->redis, api->cfg.redis_host, api->cfg.redis_port, 2000);
    for (int k = 1; k < api->shards.n; k++)
        crm_redis_init_shard(&api->shard[k], &api->shards, k, 2000);

    FCGX_Request req;
    FCGX_InitRequest(&req, listen_fd, 0);
    log_info("started");
    while (!stopping) {
        if (FCGX_Accept_r(&req) < 0)
            break;
        route(&req, api, engine);
        finish(&req);
    }
    FCGX_Free(&req, 1);
    for (int k = 1; k < api->shards.n; k++)
        crm_redis_deinit(&api->shard[k]);
    crm_redis_deinit(&api->redis);
    crm_db_deinit(&api->db);
    log_info("stopped");
    return 0;
}

struct serve_args {
    struct api *api;
    gql_engine *engine;
};

/* A supervised copy: the schema and engine were built once, before the fork. */
static int serve_child(int index, void *arg)
{
    struct serve_args *a = arg;
    (void)index;
    return serve(a->api, a->engine);
}

static const struct crm_cli cli = {
    .prog = "crm-api",
    .synopsis = "",
    .about = "The CRM's HTTP API (/graphql, /health) as a FastCGI program: lighttpd starts\n"
             "it (mod_fastcgi bin-path) with the listening socket on standard input, or it\n"
             "listens itself on CRM_API_LISTEN or a systemd socket with CRM_API_PROCS\n"
             "processes.\n"
             "Settings: CRM_* environment variables, see crm.env(5) and crm-api(8).\n",
    .takes_args = 0,
};

int main(int argc, char **argv)
{
    static struct api api;
    gql_schema *schema = NULL;
    struct api_listener listener;
    int rc;
    rc = crm_cli_start(&cli, argc, argv);
    if (rc != CRM_CLI_CONTINUE)
        return rc;

    if (crm_config_load(&api.cfg, api_err, sizeof api_err) < 0) {
        crm_log_init("crm-api", NULL);
        log_error("configuration: %s", api_err);
        return 1;
    }
    crm_log_init("crm-api", api.cfg.log_level);
    static struct crm_redis_auth redis_auth;
    if (crm_redis_auth_load(&redis_auth, &api.cfg, "crm-api", api_err, sizeof api_err) < 0) {
        log_error("configuration: %s", api_err);
        return 1;
    }
    crm_redis_auth_use(&redis_auth);
    if (crm_redis_ha_init(&api.cfg, api_err, sizeof api_err) < 0 ||
        crm_shards_parse(&api.shards, &api.cfg, api_err, sizeof api_err) < 0) {
        log_error("configuration: %s", api_err);
        return 1;
    }
    if (crm_password_init() < 0) {
        log_error("libsodium: initialisation failed");
        return 1;
    }
    if (FCGX_Init() != 0) {
        log_error("FCGX_Init failed");
        return 1;
    }
    if (api_listener_open(&api.cfg, &listener, api_err, sizeof api_err) < 0) {
        log_error("%s", api_err);
        return 1;
    }
    listen_fd = listener.fd;
    gql_engine *engine = engine_create(&api.cfg, &schema);
    if (!engine) {
        gql_schema_free(schema);
        return 1;
    }

    if (listener.own) {
        struct serve_args args = {&api, engine};
        log_info("listening on %s with %d processes", listener.what, api.cfg.api_procs);
        rc = supervisor_run(api.cfg.api_procs, serve_child, &args);
        close(listener.fd);
        /* A socket file of crm-api's own goes with it; systemd's stays systemd's. */
        if (api.cfg.api_listen && api.cfg.api_listen[0] == '/' && strcmp(listener.what, "systemd") != 0)
            unlink(api.cfg.api_listen);
    } else {
        rc = serve(&api, engine);
    }
    gql_engine_free(engine);
    gql_schema_free(schema);
    return rc;
}
