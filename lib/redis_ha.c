#include "config.h"

#include "redis_ha.h"

#include "log.h"
#include "redis_sentinel.h"
#include "redis_wait.h"

/* One per process: connections borrow it through crm_sentinels_current(). */
static struct crm_sentinels sentinels;

int crm_redis_ha_init(const struct crm_config *cfg, char *err, size_t errlen)
{
    if (crm_sentinels_load(&sentinels, cfg, err, errlen) < 0)
        return -1;
    crm_sentinels_use(&sentinels);
    crm_redis_wait_use(cfg->redis_min_replicas, cfg->redis_wait_ms);
    if (sentinels.n > 0)
        log_info("redis: the primary %s is found through %d Sentinel(s)", sentinels.master, sentinels.n);
    if (cfg->redis_min_replicas > 0)
        log_info("redis: writes that matter wait for %d replica(s), at most %d ms", cfg->redis_min_replicas,
                 cfg->redis_wait_ms);
    return 0;
}

void crm_redis_ha_deinit(void)
{
    crm_sentinels_use(NULL);
    crm_sentinels_clear(&sentinels);
}
