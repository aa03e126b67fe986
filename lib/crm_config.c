#include "config.h"

#include "crm_config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum setting_kind { SETTING_STR, SETTING_INT };

struct setting {
    const char *name;
    enum setting_kind kind;
    size_t offset;      /* where the value goes in struct crm_config */
    const char *defval; /* NULL: unset means NULL (strings only) */
    long min, max;      /* range for integers */
    const char *doc;
};

#define STR(field, name, def, doc)                                            \
    {                                                                         \
        name, SETTING_STR, offsetof(struct crm_config, field), def, 0, 0, doc \
    }
#define INT(field, name, def, lo, hi, doc)                                      \
    {                                                                           \
        name, SETTING_INT, offsetof(struct crm_config, field), def, lo, hi, doc \
    }

static const struct setting settings[] = {
    STR(log_level, "CRM_LOG_LEVEL", "info", "error, warn, info or debug"),
    STR(database_url, "CRM_DATABASE_URL", "host=127.0.0.1 port=5432 dbname=crm user=crm_app",
        "libpq connection string of the application role"),
    STR(redis_host, "CRM_REDIS_HOST", "127.0.0.1", "Redis host, or the path of its Unix socket"),
    INT(redis_port, "CRM_REDIS_PORT", "6379", 1, 65535, "Redis port"),
    STR(redis_user, "CRM_REDIS_USER", NULL,
        "Redis ACL user; unset: the program's name (crm-api, crm-pushd, crm-worker)"),
    STR(redis_password, "CRM_REDIS_PASSWORD", NULL,
        "that user's Redis password (CRM_REDIS_PASSWORD_FILE keeps it out of the environment)"),
    STR(redis_password_file, "CRM_REDIS_PASSWORD_FILE", NULL,
        "file holding the Redis password, or a folder of one file per user named after it; a password is "
        "required in production"),
    STR(redis_sentinels, "CRM_REDIS_SENTINELS", NULL,
        "comma-separated `host:port` of Redis Sentinels; set: every program asks them for the primary "
        "(and again after a lost connection or a READONLY reply), and CRM_REDIS_HOST and CRM_REDIS_PORT "
        "are not used (docs/HA.md)"),
    STR(redis_master_name, "CRM_REDIS_MASTER_NAME", "crm",
        "the name the Sentinels monitor the primary under"),
    STR(redis_shards, "CRM_REDIS_SHARDS", NULL,
        "further Redis primaries for the message streams, comma-separated: `host:port` (or a socket path) "
        "each, or with CRM_REDIS_SENTINELS their master names; stream N lives on shard N mod (1 + entries), "
        "shard 0 being the main Redis, which keeps every other key; change it only with drained streams "
        "(docs/HA.md)"),
    STR(sentinel_user, "CRM_REDIS_SENTINEL_USER", NULL,
        "user for AUTH to the Sentinels; unset: AUTH with the password alone (Sentinel's `requirepass`)"),
    STR(sentinel_pwfile, "CRM_REDIS_SENTINEL_PASSWORD_FILE", NULL,
        "file holding the Sentinels' password (first line); unset: no AUTH to the Sentinels"),
    INT(redis_min_replicas, "CRM_REDIS_MIN_REPLICAS", "0", 0, 16,
        "replicas that must have a message, an audit record or a new conversation (Redis `WAIT`) "
        "before it is answered as accepted; fewer in time: an error the client retries with the same key"),
    INT(redis_wait_ms, "CRM_REDIS_WAIT_TIMEOUT_MS", "1000", 1, 60000,
        "longest wait in milliseconds for CRM_REDIS_MIN_REPLICAS replicas to confirm a write"),
    STR(jwt_secret, "CRM_JWT_SECRET", CRM_DEV_JWT_SECRET,
        "HS256 signing key, at least 32 bytes; the default is dev-only and refused in production"),
    INT(jwt_ttl, "CRM_JWT_TTL", "3600", 60, 7 * 24 * 3600, "token lifetime in seconds"),
    INT(login_per_email, "CRM_LOGIN_PER_EMAIL", "5", 1, 100000,
        "failed sign-ins for one email before each further attempt must wait (1 s, doubling); "
        "a success clears them"),
    INT(login_backoff_max, "CRM_LOGIN_BACKOFF_MAX", "300", 1, 86400,
        "longest wait in seconds between sign-in attempts for one email after failures"),
    INT(login_per_addr, "CRM_LOGIN_PER_ADDR", "100", 1, 1000000,
        "failed sign-ins per 15 minutes from one client address (successes are not counted)"),
    INT(register_per_addr, "CRM_REGISTER_PER_ADDR", "10", 1, 1000000,
        "registrations per 15 minutes from one client address"),
    INT(register_per_minute, "CRM_REGISTER_PER_MINUTE", "30", 1, 1000000,
        "registrations per minute from all addresses together"),
    INT(role_cache_ttl, "CRM_ROLE_CACHE_TTL", "10", 0, 300,
        "seconds a process trusts a user's role read from the database; 0 reads it every request"),
    INT(send_rate, "CRM_SEND_RATE", "60", 1, 1000000, "messages per 10 seconds per sender"),
    INT(conversation_rate, "CRM_CONVERSATION_RATE", "20", 1, 1000000,
        "conversations a patient may start per 24 hours (startConversation)"),
    INT(typing_per_minute, "CRM_TYPING_PER_MINUTE", "60", 1, 1000000,
        "setTyping calls per minute per user; more are refused (RATE_LIMITED) until the minute ends"),
    INT(hash_slots, "CRM_API_HASH_SLOTS", "1", 1, 64,
        "Argon2id hashes (64 MiB, ~95 ms each) at once per host; keep it below the crm-api process count"),
    INT(api_introspection, "CRM_API_INTROSPECTION", "-1", -1, 1,
        "1 answers introspection (__schema, __type), 0 refuses it, -1 answers it only when "
        "CRM_ENV is development or test"),
    STR(api_listen, "CRM_API_LISTEN", NULL,
        "crm-api's own FastCGI socket, HOST:PORT or a Unix socket path (Apache, nginx); unset: "
        "the socket lighttpd or systemd hands over"),
    INT(api_procs, "CRM_API_PROCS", "16", 1, 64,
        "crm-api processes when it listens itself (CRM_API_LISTEN or a systemd socket)"),
    STR(schema_path, "CRM_SCHEMA_PATH", CRM_PKGDATADIR "/schema.graphql",
        "the GraphQL SDL loaded at start-up"),
    INT(streams, "CRM_STREAMS", "1", 1, 1024, "message streams; rooms are spread over them"),
    INT(resume_window, "CRM_RESUME_WINDOW", "86400", 60, 30 * 86400,
        "seconds of stream kept for subscribers resuming with `after`"),
    STR(ws_bind, "CRM_WS_BIND", "127.0.0.1", "crm-pushd listen address"),
    INT(ws_port, "CRM_WS_PORT", "3002", 1, 65535, "crm-pushd port (WebSocket, /health)"),
    INT(ws_processes, "CRM_WS_PROCESSES", "1", 1, 64, "crm-pushd processes sharing the port"),
    STR(ws_origins, "CRM_WS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000",
        "comma-separated Origin allow-list for WebSocket upgrades"),
    INT(ws_ping_interval, "CRM_WS_PING_INTERVAL", "30", 1, 3600,
        "seconds between WebSocket pings; a socket whose pong is not back by the next ping is closed"),
    INT(ws_init_timeout, "CRM_WS_INIT_TIMEOUT", "3", 1, 600,
        "seconds a WebSocket may wait before connection_init (then closed with 4408)"),
    INT(ws_max_sockets_per_user, "CRM_WS_MAX_SOCKETS_PER_USER", "20", 0, 100000,
        "WebSockets one user may hold open on one crm-pushd (each process allows its share, "
        "rounded up); one more is closed with 4429 at connection_init; 0: no cap"),
    STR(ws_metrics_bind, "CRM_WS_METRICS_BIND", "127.0.0.1",
        "crm-pushd /metrics address (never the WebSocket port browsers reach)"),
    INT(ws_metrics_port, "CRM_WS_METRICS_PORT", "3004", 0, 65535,
        "crm-pushd Prometheus metrics port, one listener per process (SO_REUSEPORT); 0 disables it"),
    INT(worker_batch, "CRM_WORKER_BATCH", "500", 1, 10000, "most entries per database transaction"),
    INT(worker_batch_wait, "CRM_WORKER_BATCH_WAIT_MS", "20", 0, 60000,
        "longest wait in milliseconds to fill a batch"),
    INT(worker_max_deliveries, "CRM_WORKER_MAX_DELIVERIES", "5", 1, 1000,
        "deliveries of an entry the database rejects before it is dead-lettered"),
    INT(worker_claim_idle, "CRM_WORKER_CLAIM_IDLE_MS", "30000", 1000, 86400000,
        "idle time after which a dead consumer's entries are claimed"),
    INT(worker_trim_interval, "CRM_WORKER_TRIM_INTERVAL_MS", "10000", 100, 3600000,
        "time between two trims of the streams by crm-worker"),
    STR(worker_name, "CRM_WORKER_NAME", NULL, "consumer name; default hostname-pid"),
    STR(worker_metrics_bind, "CRM_WORKER_METRICS_BIND", "127.0.0.1", "crm-worker metrics address"),
    INT(worker_metrics_port, "CRM_WORKER_METRICS_PORT", "3003", 0, 65535,
        "crm-worker Prometheus metrics port; 0 disables it"),
};

static int parse_int(const char *s, long min, long max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* Reads KEY=VALUE lines (CRM_* keys only; # comments) into the environment
 * without overriding what is already set. A program spawned by a stock lighttpd
 * gets its settings this way, keeping secrets out of lighttpd's config. */
static int load_env_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (err)
            snprintf(err, errlen, "CRM_ENV_FILE %s cannot be read", path);
        return CRM_CONFIG_EINVAL;
    }
    char line[4096];
    int lineno = 0, rc = CRM_CONFIG_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line + strspn(line, " \t");
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (!eq || strncmp(p, "CRM_", 4) != 0) {
            if (err)
                snprintf(err, errlen, "CRM_ENV_FILE line %d: expected CRM_NAME=value", lineno);
            rc = CRM_CONFIG_EINVAL;
            break;
        }
        *eq = '\0';
        setenv(p, eq + 1, 0);
    }
    fclose(f);
    return rc;
}

int crm_config_load(struct crm_config *cfg, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    const char *env_file = getenv("CRM_ENV_FILE");
    if (env_file && *env_file) {
        int rc = load_env_file(env_file, err, errlen);
        if (rc < 0)
            return rc;
    }
    const char *env = getenv("CRM_ENV");
    /* Safe by default: only an explicit development or test relaxes anything. */
    cfg->production = !env || !*env || strcmp(env, "production") == 0;
    if (env && *env && !cfg->production && strcmp(env, "development") != 0 && strcmp(env, "test") != 0) {
        if (err)
            snprintf(err, errlen, "CRM_ENV must be production, development or test");
        return CRM_CONFIG_EINVAL;
    }

    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const struct setting *s = &settings[i];
        const char *v = getenv(s->name);
        if (!v || !*v)
            v = s->defval;
        char *slot = (char *)cfg + s->offset;
        if (s->kind == SETTING_STR) {
            memcpy(slot, &v, sizeof v);
        } else if (parse_int(v, s->min, s->max, (int *)(void *)slot) < 0) {
            if (err)
                snprintf(err, errlen, "%s must be an integer from %ld to %ld", s->name, s->min, s->max);
            return CRM_CONFIG_EINVAL;
        }
    }
    if (cfg->api_introspection < 0)
        cfg->api_introspection = !cfg->production;

    if (strlen(cfg->jwt_secret) < 32) {
        if (err)
            snprintf(err, errlen, "CRM_JWT_SECRET must be at least 32 bytes");
        return cfg->production ? CRM_CONFIG_EPROD : CRM_CONFIG_EINVAL;
    }
    if (cfg->production && strcmp(cfg->jwt_secret, CRM_DEV_JWT_SECRET) == 0) {
        if (err)
            snprintf(err, errlen,
                     "CRM_JWT_SECRET is the dev-only default; set a secret of your own "
                     "(for example: openssl rand -base64 48), or CRM_ENV=development "
                     "on a development machine");
        return CRM_CONFIG_EPROD;
    }
    return CRM_CONFIG_OK;
}

/* One row of what the settings are, for the printers: CRM_ENV and CRM_ENV_FILE
 * are read before the table, so they are rows of their own. */
struct row {
    const char *name, *defval, *doc;
};

static const struct row meta_rows[] = {
    {"CRM_ENV", "production",
     "`production` refuses dev-only defaults; `development` and `test` must be said "
     "explicitly (./dev does)"},
    {"CRM_ENV_FILE", NULL, "a file of `CRM_...=value` lines read first; variables already set win"},
};

#define N_META (sizeof meta_rows / sizeof meta_rows[0])
#define N_ROWS (N_META + sizeof settings / sizeof settings[0])

static struct row row_at(size_t i)
{
    if (i < N_META)
        return meta_rows[i];
    const struct setting *s = &settings[i - N_META];
    return (struct row){s->name, s->defval, s->doc};
}

void crm_config_print_table(FILE *out)
{
    fprintf(out, "| variable | default | meaning |\n| --- | --- | --- |\n");
    for (size_t i = 0; i < N_ROWS; i++) {
        struct row r = row_at(i);
        if (r.defval)
            fprintf(out, "| `%s` | `%s` | %s |\n", r.name, r.defval, r.doc);
        else
            fprintf(out, "| `%s` | (unset) | %s |\n", r.name, r.doc);
    }
}

/* Writes s as roff text: backslashes escaped, hyphens as minus signs when code
 * (so a copied name or value works) and a break point after each slash of a
 * value (a long install path must not overrun the line), `code` spans in
 * italics. The caller puts
 * it after \& or other text, so a leading dot or quote cannot become a request. */
static void roff_text(FILE *out, const char *s, int code)
{
    int in_code = 0;
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-' && (code || in_code))
            fputs("\\-", out);
        else if (*s == '/' && code)
            fputs("/\\:", out); /* a place to break a long path */
        else if (*s == '`' && !code)
            fputs((in_code = !in_code) ? "\\fI" : "\\fR", out);
        else
            fputc(*s, out);
    }
    if (in_code)
        fputs("\\fR", out);
}

static void print_man_row(FILE *out, const struct row *r)
{
    fprintf(out, ".TP\n.B %s\n\\&", r->name);
    roff_text(out, r->doc, 0);
    fputs(".\n", out);
    if (r->defval) {
        fputs(".br\nDefault: \\fB\\%", out);
        roff_text(out, r->defval, 1);
        fputs("\\fR.\n", out);
    } else {
        fputs(".br\nUnset by default.\n", out);
    }
}

int crm_config_print_man(FILE *out, const char *const *names, int n)
{
    if (n == 0) {
        for (size_t i = 0; i < N_ROWS; i++) {
            struct row r = row_at(i);
            print_man_row(out, &r);
        }
        return 0;
    }
    for (int k = 0; k < n; k++) {
        size_t i = 0;
        while (i < N_ROWS && strcmp(row_at(i).name, names[k]) != 0)
            i++;
        if (i == N_ROWS) {
            fprintf(stderr, "%s is not a setting (crm-admin config lists them)\n", names[k]);
            return -1;
        }
        struct row r = row_at(i);
        print_man_row(out, &r);
    }
    return 0;
}
