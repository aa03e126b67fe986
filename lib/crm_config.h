/* Settings for every program, read from environment variables once at start-up.
 * The table in crm_config.c is the one place a setting is named, defaulted and
 * described; `crm-admin config` prints it (the README's table comes from it). */
#ifndef CRM_CONFIG_H
#define CRM_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

struct crm_config {
    bool production;                 /* CRM_ENV=production or unset: dev-only defaults are refused */
    const char *log_level;           /* CRM_LOG_LEVEL */
    const char *database_url;        /* CRM_DATABASE_URL: a libpq conninfo string or URI */
    const char *redis_host;          /* CRM_REDIS_HOST */
    int redis_port;                  /* CRM_REDIS_PORT */
    const char *redis_user;          /* CRM_REDIS_USER: ACL user, NULL: the program's name */
    const char *redis_password;      /* CRM_REDIS_PASSWORD */
    const char *redis_password_file; /* CRM_REDIS_PASSWORD_FILE: a file, or a folder of them */
    const char *redis_sentinels;     /* CRM_REDIS_SENTINELS: host:port,...: ask them for the primary */
    const char *redis_master_name;   /* CRM_REDIS_MASTER_NAME: the Sentinels' name of it */
    const char *redis_shards;        /* CRM_REDIS_SHARDS: further primaries for the message streams */
    const char *sentinel_user;       /* CRM_REDIS_SENTINEL_USER: NULL: AUTH with a password only */
    const char *sentinel_pwfile;     /* CRM_REDIS_SENTINEL_PASSWORD_FILE */
    int redis_min_replicas;          /* CRM_REDIS_MIN_REPLICAS: WAIT for this many replicas */
    int redis_wait_ms;               /* CRM_REDIS_WAIT_TIMEOUT_MS: longest WAIT */
    const char *jwt_secret;          /* CRM_JWT_SECRET: HS256 key, at least 32 bytes */
    int jwt_ttl;                     /* CRM_JWT_TTL: token lifetime in seconds */
    int login_per_email;             /* CRM_LOGIN_PER_EMAIL: failures per email before back-off */
    int login_backoff_max;           /* CRM_LOGIN_BACKOFF_MAX: longest back-off in seconds */
    int login_per_addr;              /* CRM_LOGIN_PER_ADDR: failed sign-ins per 15 min per address */
    int register_per_addr;           /* CRM_REGISTER_PER_ADDR: registrations per 15 min per address */
    int register_per_minute;         /* CRM_REGISTER_PER_MINUTE: registrations per minute, all addresses */
    int role_cache_ttl;              /* CRM_ROLE_CACHE_TTL: seconds a user's role is trusted from cache */
    int send_rate;                   /* CRM_SEND_RATE: messages per 10 s per sender */
    int conversation_rate;           /* CRM_CONVERSATION_RATE: new conversations per patient per 24 h */
    int typing_per_minute;           /* CRM_TYPING_PER_MINUTE: setTyping calls per user per minute */
    int hash_slots;                  /* CRM_API_HASH_SLOTS: Argon2id hashes at once per host */
    int api_introspection;       /* CRM_API_INTROSPECTION: 1 serves __schema/__type (-1 resolved at load) */
    const char *api_listen;      /* CRM_API_LISTEN: crm-api's own socket, HOST:PORT or a path */
    int api_procs;               /* CRM_API_PROCS: crm-api processes on its own socket */
    const char *schema_path;     /* CRM_SCHEMA_PATH: the SDL file loaded at start-up */
    int streams;                 /* CRM_STREAMS: message streams, rooms hashed over them */
    int resume_window;           /* CRM_RESUME_WINDOW: seconds of stream kept for resume */
    const char *ws_bind;         /* CRM_WS_BIND: crm-pushd listen address */
    int ws_port;                 /* CRM_WS_PORT */
    int ws_processes;            /* CRM_WS_PROCESSES: crm-pushd processes on one port */
    const char *ws_origins;      /* CRM_WS_ORIGINS: comma-separated Origin allow-list */
    int ws_ping_interval;        /* CRM_WS_PING_INTERVAL: seconds between pings; a pong is due within it */
    int ws_init_timeout;         /* CRM_WS_INIT_TIMEOUT: seconds a socket may wait for connection_init */
    int ws_max_sockets_per_user; /* CRM_WS_MAX_SOCKETS_PER_USER: per crm-pushd, 0: no cap */
    const char *ws_metrics_bind; /* CRM_WS_METRICS_BIND: crm-pushd /metrics address */
    int ws_metrics_port;         /* CRM_WS_METRICS_PORT: 0 disables /metrics */
    int worker_batch;            /* CRM_WORKER_BATCH: most entries per transaction */
    int worker_batch_wait;       /* CRM_WORKER_BATCH_WAIT_MS: longest wait to fill a batch */
    int worker_max_deliveries;   /* CRM_WORKER_MAX_DELIVERIES: before dead-lettering */
    int worker_claim_idle;       /* CRM_WORKER_CLAIM_IDLE_MS: idle time before XAUTOCLAIM */
    int worker_trim_interval;    /* CRM_WORKER_TRIM_INTERVAL_MS: time between stream trims */
    const char *worker_name;     /* CRM_WORKER_NAME: consumer name, default host-pid */
    const char *worker_metrics_bind; /* CRM_WORKER_METRICS_BIND */
    int worker_metrics_port;         /* CRM_WORKER_METRICS_PORT: 0 disables the endpoint */
};

/* The JWT secret used when CRM_JWT_SECRET is unset; refused in production. */
#define CRM_DEV_JWT_SECRET "dev-only-jwt-secret-do-not-use-in-production"

enum crm_config_err {
    CRM_CONFIG_OK = 0,
    CRM_CONFIG_EINVAL = -1, /* a value does not parse or is out of range */
    CRM_CONFIG_EPROD = -2,  /* a dev-only default or weak value in production */
};

/* Fills cfg from the environment (getenv), after adding the lines of the file
 * named by CRM_ENV_FILE, if set, for variables not already set. Strings point into the environment or
 * static defaults: they live as long as the process and are not freed. On error,
 * writes one line naming the variable to err (may be NULL) and returns a
 * negative crm_config_err; cfg is then partly filled and must not be used. */
int crm_config_load(struct crm_config *cfg, char *err, size_t errlen);

/* Writes the settings table (name, default, description) as Markdown rows. */
void crm_config_print_table(FILE *out);

/* Writes settings as man(7) paragraphs (.TP: name, meaning, default) from the
 * same table: all of them when n is 0, else the n names given, in that order.
 * Returns 0, or -1 after naming on stderr a name that is not a setting. The
 * manual pages are built from this (man/expand.sh), so they cannot drift. */
int crm_config_print_man(FILE *out, const char *const *names, int n);

#endif
