/* Finding the Redis primary through Redis Sentinel (CRM_REDIS_SENTINELS): each
 * program asks a Sentinel for the address of the master it monitors under
 * CRM_REDIS_MASTER_NAME, checks with ROLE that the server there is a master
 * (a Sentinel may not have seen a failover yet), and connects there. It asks
 * again at every reconnection, so a failover is followed without a restart:
 * lib/redis_sync.c (crm-api, crm-worker) and push/redis_link.c (crm-pushd). */
#ifndef CRM_REDIS_SENTINEL_H
#define CRM_REDIS_SENTINEL_H

#include "crm_config.h"

#include <hiredis/hiredis.h>
#include <stddef.h>

#define CRM_SENTINELS_MAX 8
#define CRM_SENTINEL_HOST_MAX 255

struct crm_sentinels {
    int n; /* 0: no Sentinels, connect to CRM_REDIS_HOST */
    char host[CRM_SENTINELS_MAX][CRM_SENTINEL_HOST_MAX + 1];
    int port[CRM_SENTINELS_MAX];
    char master[128];
    char user[65];
    char password[257]; /* "": no AUTH to the Sentinels */
    int first;          /* the Sentinel asked first: the last one that answered */
    int timeout_ms;     /* per connection to a Sentinel or a candidate */
};

/* Parses "host:port,host:port" (IPv6 as [addr]:port) into s, with master as the
 * monitored name. Returns 0, or -1 with one line in err. */
int crm_sentinels_parse(struct crm_sentinels *s, const char *list, const char *master, char *err,
                        size_t errlen);

/* Fills s from cfg: nothing (n = 0) when CRM_REDIS_SENTINELS is unset; the
 * password from CRM_REDIS_SENTINEL_PASSWORD_FILE. Returns 0, or -1 with err. */
int crm_sentinels_load(struct crm_sentinels *s, const struct crm_config *cfg, char *err, size_t errlen);

/* The Sentinels every Redis connection of this process uses from now on (NULL
 * or n = 0: none). Set once in main, before any connection; borrowed. */
void crm_sentinels_use(struct crm_sentinels *s);
struct crm_sentinels *crm_sentinels_current(void);

/* Asks the Sentinels in turn for the primary named master (NULL: s->master) and checks it answers ROLE as a
 * master (AUTH as crm_redis_auth_current() first). Blocking, each step bounded
 * by s->timeout_ms. Returns 0 with host (hostlen bytes) and *port, or -1
 * (logged) when no Sentinel names a reachable master. */
int crm_sentinels_primary(struct crm_sentinels *s, const char *master, char *host, size_t hostlen, int *port);

/* 1 when rep is an error a demoted or cut-off primary gives (READONLY,
 * MASTERDOWN): the connection must be dropped and the primary found again. */
int crm_redis_reply_not_primary(const redisReply *rep);

/* Zeroes the password. */
void crm_sentinels_clear(struct crm_sentinels *s);

#endif
