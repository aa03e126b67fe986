/* GET /health: whether this crm-api process reaches PostgreSQL and Redis. */
#ifndef CRM_API_HEALTH_H
#define CRM_API_HEALTH_H

#include "db.h"
#include "redis_sync.h"

#include <fcgiapp.h>

/* Pings both servers (one round trip each) and replies 200 when both answer,
 * 503 otherwise, with {"status","postgres","redis"} naming each "up" or "down". */
void health_handle(FCGX_Request *req, struct crm_db *db, struct crm_redis *redis);

#endif
