#include "config.h"

#include "ratelimit.h"

enum ratelimit_result ratelimit_hit(struct crm_redis *r, const char *key, size_t len, int max,
                                    int window_ms, long *retry_ms)
{
    redisContext *c = crm_redis_get(r);
    if (!c)
        return RATE_UNAVAILABLE;
    redisAppendCommand(c, "INCR %b", key, len);
    redisAppendCommand(c, "PEXPIRE %b %d NX", key, len, window_ms);
    redisAppendCommand(c, "PTTL %b", key, len);
    redisReply *rep[3] = {NULL, NULL, NULL};
    enum ratelimit_result res = RATE_UNAVAILABLE;
    for (int i = 0; i < 3; i++) {
        if (redisGetReply(c, (void **)&rep[i]) != REDIS_OK) {
            crm_redis_reset(r);
            goto done;
        }
    }
    if (rep[0]->type == REDIS_REPLY_INTEGER && rep[2]->type == REDIS_REPLY_INTEGER) {
        res = rep[0]->integer > max ? RATE_LIMITED : RATE_OK;
        *retry_ms = rep[2]->integer > 0 ? (long)rep[2]->integer : window_ms;
    }
done:
    for (int i = 0; i < 3; i++)
        if (rep[i])
            freeReplyObject(rep[i]);
    return res;
}
