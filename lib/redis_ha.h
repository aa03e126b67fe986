/* A program's Redis high-availability settings, applied once in main after the
 * Redis identity (crm_redis_auth_use): the Sentinels to find the primary with
 * (lib/redis_sentinel.h) and the replicas a confirmed write waits for
 * (lib/redis_wait.h). docs/HA.md describes the topology. */
#ifndef CRM_REDIS_HA_H
#define CRM_REDIS_HA_H

#include "crm_config.h"

#include <stddef.h>

/* Returns 0, or -1 with one line naming the setting in err. */
int crm_redis_ha_init(const struct crm_config *cfg, char *err, size_t errlen);

/* Forgets the Sentinels' password (at exit). */
void crm_redis_ha_deinit(void);

#endif
