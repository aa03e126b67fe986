#include "config.h"

#include "ratelimit.h"

#include <stdio.h>
#include <string.h>

/* INCR, set the window on first use, read what is left of it: one round trip. */
static const char limit_script[] =
    "local n = redis.call('INCR', KEYS[1])\n"
    "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
    "return {n, redis.call('PTTL', KEYS[1])}\n";

enum ratelimit_result ratelimit_hit(struct crm_redis *r, const char *key, size_t len, int max,
                                    int window_ms, long *retry_ms)
{
    char window[16];
    snprintf(window, sizeof window, "%d", window_ms);
    const char *argv[] = {"EVAL", limit_script, "1", key, window};
    size_t lens[] = {4, sizeof limit_script - 1, 1, len, strlen(window)};
    redisReply *rep = crm_redis_argv(r, 5, argv, lens);
    enum ratelimit_result res = RATE_UNAVAILABLE;
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
        rep->element[0]->type == REDIS_REPLY_INTEGER && rep->element[1]->type == REDIS_REPLY_INTEGER) {
        res = rep->element[0]->integer > max ? RATE_LIMITED : RATE_OK;
        *retry_ms = rep->element[1]->integer > 0 ? (long)rep->element[1]->integer : window_ms;
    }
    if (rep)
        freeReplyObject(rep);
    return res;
}
