#include "config.h"

#include "health.h"

#include "reply.h"

#include <stdio.h>

void health_handle(FCGX_Request *req, struct crm_db *db, struct crm_redis *redis)
{
    int pg = crm_db_ping(db) == 0;
    int rd = crm_redis_ping(redis) == 0;
    char body[128];
    int n = snprintf(body, sizeof body, "{\"status\":\"%s\",\"postgres\":\"%s\",\"redis\":\"%s\"}",
                     pg && rd ? "ok" : "degraded", pg ? "up" : "down", rd ? "up" : "down");
    reply_json(req, pg && rd ? 200 : 503, body, (size_t)n);
}
