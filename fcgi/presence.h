/* User.online from crm-pushd's presence keys (docs/LIVE-STATE.md): a user is
 * online while some crm-pushd instance that refreshed within the last
 * PRESENCE_FRESH_MS holds them in its set. */
#ifndef CRM_API_PRESENCE_H
#define CRM_API_PRESENCE_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"

#define PRESENCE_INSTANCES_KEY "crm:presence:instances"
#define PRESENCE_SET_PREFIX "crm:presence:" /* + instance name */
#define PRESENCE_FRESH_MS 9000
#define PRESENCE_USERS_MAX 500 /* users asked about by one call */

/* Sets online[i] to 1 when user ids[i] holds a live WebSocket, else 0, for n
 * users (n <= PRESENCE_USERS_MAX): one ZRANGEBYSCORE a request (the live
 * instances are kept in call->instances), then one pipelined SMISMEMBER per
 * live instance for all n. 0, or -1 when Redis did not answer. */
int presence_online(struct api_call *call, const int64_t *ids, size_t n, int *online);

#endif
