#include "config.h"

#include "redis_shards.h"

#include "host_port.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One entry of len bytes at item into shard k: a master name with Sentinels,
 * else host:port or a socket path. */
static int parse_entry(struct crm_shards *s, int k, const char *item, size_t len, int sentinels, char *err,
                       size_t errlen)
{
    if (sentinels) {
        if (len > CRM_SHARD_MASTER_MAX || memchr(item, ':', len))
            goto bad;
        memcpy(s->master[k], item, len);
        s->master[k][len] = '\0';
        return 0;
    }
    if (item[0] == '/') {
        if (len > CRM_SHARD_HOST_MAX)
            goto bad;
        memcpy(s->host[k], item, len);
        s->host[k][len] = '\0';
        s->port[k] = 0;
        return 0;
    }
    if (crm_host_port_parse(item, len, s->host[k], CRM_SHARD_HOST_MAX, &s->port[k]) == 0)
        return 0;
bad:
    snprintf(err, errlen, "CRM_REDIS_SHARDS: \"%.*s\" is not %s", (int)(len > 80 ? 80 : len), item,
             sentinels ? "a master name (CRM_REDIS_SENTINELS is set)" : "host:port or a socket path");
    return -1;
}

int crm_shards_parse(struct crm_shards *s, const struct crm_config *cfg, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    int sentinels = cfg->redis_sentinels && *cfg->redis_sentinels;
    snprintf(s->host[0], sizeof s->host[0], "%s", cfg->redis_host);
    s->port[0] = cfg->redis_port;
    if (sentinels)
        snprintf(s->master[0], sizeof s->master[0], "%s", cfg->redis_master_name);
    s->n = 1;
    const char *p = cfg->redis_shards;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        const char *item = p;
        while (len > 0 && (*item == ' ' || *item == '\t'))
            item++, len--;
        while (len > 0 && (item[len - 1] == ' ' || item[len - 1] == '\t'))
            len--;
        if (len > 0) {
            if (s->n == CRM_SHARDS_MAX) {
                snprintf(err, errlen, "CRM_REDIS_SHARDS: at most %d further shards", CRM_SHARDS_MAX - 1);
                return -1;
            }
            if (parse_entry(s, s->n, item, len, sentinels, err, errlen) < 0)
                return -1;
            s->n++;
        }
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    if (cfg->streams < s->n) {
        snprintf(err, errlen, "CRM_STREAMS (%d) must be at least the number of Redis shards (%d)",
                 cfg->streams, s->n);
        return -1;
    }
    return 0;
}

void crm_redis_init_shard(struct crm_redis *r, const struct crm_shards *s, int k, int timeout_ms)
{
    crm_redis_init(r, s->host[k], s->port[k], timeout_ms);
    r->master = s->master[k][0] ? s->master[k] : NULL;
}
