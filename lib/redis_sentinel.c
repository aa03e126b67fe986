#include "config.h"

#include "redis_sentinel.h"

#include "host_port.h"
#include "log.h"
#include "redis_auth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define SENTINEL_TIMEOUT_MS 500

static struct crm_sentinels *current;

void crm_sentinels_use(struct crm_sentinels *s)
{
    current = s && s->n > 0 ? s : NULL;
}

struct crm_sentinels *crm_sentinels_current(void)
{
    return current;
}

void crm_sentinels_clear(struct crm_sentinels *s)
{
    volatile char *p = s->password;
    for (size_t i = 0; i < sizeof s->password; i++)
        p[i] = 0;
}

/* One "host:port" or "[v6]:port" of len bytes into slot i. */
static int parse_one(struct crm_sentinels *s, int i, const char *item, size_t len, char *err, size_t errlen)
{
    if (crm_host_port_parse(item, len, s->host[i], CRM_SENTINEL_HOST_MAX, &s->port[i]) == 0)
        return 0;
    snprintf(err, errlen, "CRM_REDIS_SENTINELS: \"%.*s\" is not host:port", (int)(len > 80 ? 80 : len), item);
    return -1;
}

int crm_sentinels_parse(struct crm_sentinels *s, const char *list, const char *master, char *err,
                        size_t errlen)
{
    char dummy[1];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    memset(s, 0, sizeof *s);
    s->timeout_ms = SENTINEL_TIMEOUT_MS;
    if (!master || !*master || strlen(master) >= sizeof s->master || strpbrk(master, " \t\r\n")) {
        snprintf(err, errlen, "CRM_REDIS_MASTER_NAME must be 1 to %zu characters without spaces",
                 sizeof s->master - 1);
        return -1;
    }
    memcpy(s->master, master, strlen(master) + 1);
    const char *p = list;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        const char *item = p;
        while (len > 0 && (*item == ' ' || *item == '\t')) {
            item++;
            len--;
        }
        while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
            len--;
        if (len > 0) {
            if (s->n == CRM_SENTINELS_MAX) {
                snprintf(err, errlen, "CRM_REDIS_SENTINELS: at most %d Sentinels", CRM_SENTINELS_MAX);
                return -1;
            }
            if (parse_one(s, s->n, item, len, err, errlen) < 0)
                return -1;
            s->n++;
        }
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return 0;
}

int crm_sentinels_load(struct crm_sentinels *s, const struct crm_config *cfg, char *err, size_t errlen)
{
    if (crm_sentinels_parse(s, cfg->redis_sentinels, cfg->redis_master_name, err, errlen) < 0)
        return -1;
    if (s->n == 0)
        return 0;
    const char *user = cfg->sentinel_user;
    if (user && *user) {
        if (strlen(user) >= sizeof s->user || strpbrk(user, " \t\r\n")) {
            snprintf(err, errlen, "CRM_REDIS_SENTINEL_USER must be 1 to %zu characters without spaces",
                     sizeof s->user - 1);
            return -1;
        }
        memcpy(s->user, user, strlen(user) + 1);
    }
    const char *file = cfg->sentinel_pwfile;
    if (file && *file) {
        FILE *f = fopen(file, "r");
        if (!f) {
            snprintf(err, errlen, "CRM_REDIS_SENTINEL_PASSWORD_FILE: %s cannot be read: %s", file,
                     strerror(errno));
            return -1;
        }
        int ok = fgets(s->password, sizeof s->password, f) != NULL;
        fclose(f);
        if (ok)
            s->password[strcspn(s->password, "\r\n")] = '\0';
        if (!ok || !s->password[0]) {
            snprintf(err, errlen, "CRM_REDIS_SENTINEL_PASSWORD_FILE: %s holds no password on its first line",
                     file);
            crm_sentinels_clear(s);
            return -1;
        }
    }
    return 0;
}

int crm_redis_reply_not_primary(const redisReply *rep)
{
    return rep && rep->type == REDIS_REPLY_ERROR &&
           (strncmp(rep->str, "READONLY", 8) == 0 || strncmp(rep->str, "MASTERDOWN", 10) == 0);
}

static redisContext *connect_to(const char *host, int port, int timeout_ms)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    if (!c)
        return NULL;
    if (c->err) {
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    return c;
}

/* AUTH [user] password on c; 0 when accepted (or nothing to send). */
static int auth(redisContext *c, const char *user, const char *password)
{
    if (!password || !*password)
        return 0;
    redisReply *rep =
        user && *user ? redisCommand(c, "AUTH %s %s", user, password) : redisCommand(c, "AUTH %s", password);
    int ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep)
        freeReplyObject(rep);
    return ok ? 0 : -1;
}

/* Sentinel i's answer for the primary: 0 with host/port, -1 otherwise. */
static int ask_sentinel(const struct crm_sentinels *s, const char *master, int i, char *host, size_t hostlen,
                        int *port)
{
    redisContext *c = connect_to(s->host[i], s->port[i], s->timeout_ms);
    if (!c) {
        log_warn("redis sentinel %s:%d: unreachable", s->host[i], s->port[i]);
        return -1;
    }
    int rc = -1;
    if (auth(c, s->user, s->password) < 0) {
        log_error("redis sentinel %s:%d: AUTH refused (check CRM_REDIS_SENTINEL_USER and "
                  "CRM_REDIS_SENTINEL_PASSWORD_FILE)",
                  s->host[i], s->port[i]);
        goto out;
    }
    redisReply *rep = redisCommand(c, "SENTINEL get-master-addr-by-name %s", master);
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
        rep->element[0]->type == REDIS_REPLY_STRING && rep->element[1]->type == REDIS_REPLY_STRING &&
        rep->element[0]->len < hostlen) {
        memcpy(host, rep->element[0]->str, rep->element[0]->len + 1);
        *port = atoi(rep->element[1]->str);
        rc = *port > 0 ? 0 : -1;
    } else {
        log_warn("redis sentinel %s:%d: no primary named %s (%.80s)", s->host[i], s->port[i], master,
                 rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "no address");
    }
    if (rep)
        freeReplyObject(rep);
out:
    redisFree(c);
    return rc;
}

/* 1 when the server at host:port answers ROLE as a master. */
static int is_master(const char *host, int port, int timeout_ms)
{
    redisContext *c = connect_to(host, port, timeout_ms);
    if (!c)
        return 0;
    const struct crm_redis_auth *a = crm_redis_auth_current();
    int ok = 0;
    if (auth(c, a ? a->user : NULL, a ? a->password : NULL) == 0) {
        redisReply *rep = redisCommand(c, "ROLE");
        ok = rep && rep->type == REDIS_REPLY_ARRAY && rep->elements > 0 &&
             rep->element[0]->type == REDIS_REPLY_STRING && strcmp(rep->element[0]->str, "master") == 0;
        if (rep)
            freeReplyObject(rep);
    }
    redisFree(c);
    return ok;
}

int crm_sentinels_primary(struct crm_sentinels *s, const char *master, char *host, size_t hostlen, int *port)
{
    if (!master)
        master = s->master;
    for (int k = 0; k < s->n; k++) {
        int i = (s->first + k) % s->n;
        if (ask_sentinel(s, master, i, host, hostlen, port) < 0)
            continue;
        /* Right after a failover a Sentinel may still name the old primary,
         * now a replica (or dead): ask the next one. */
        if (!is_master(host, *port, s->timeout_ms)) {
            log_warn("redis sentinel %s:%d names %s:%d, which is not a master (yet)", s->host[i], s->port[i],
                     host, *port);
            continue;
        }
        s->first = i;
        return 0;
    }
    log_warn("redis: no Sentinel of %d names a reachable primary %s", s->n, master);
    return -1;
}
