#include "config.h"

#include "ratelimit.h"

#include <stdio.h>
#include <string.h>

/* INCR, set the window on first use, read what is left of it: one round trip. */
static const char limit_script[] = "local n = redis.call('INCR', KEYS[1])\n"
                                   "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
                                   "return {n, redis.call('PTTL', KEYS[1])}\n";

enum ratelimit_result ratelimit_hit(struct crm_redis *r, const char *key, size_t len, int max, int window_ms,
                                    long *retry_ms)
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

/* KEYS: the email's failure record (hash n, t), the address's failure counter.
 * ARGV: failures allowed freely, longest wait ms, address limit, time
 * to keep the email's record ms. An attempt let through is counted at once (n+1,
 * t=now), so parallel guesses cannot all pass one opening; a success deletes
 * the record (login_succeeded). Refused attempts change nothing: hammering does
 * not lengthen the wait, and the owner can sign in once it has passed. */
static const char gate_script[] =
    "local a = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
    "if a >= tonumber(ARGV[3]) then return {2, redis.call('PTTL', KEYS[2])} end\n"
    "local time = redis.call('TIME')\n"
    "local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)\n"
    "local n = tonumber(redis.call('HGET', KEYS[1], 'n') or '0')\n"
    "local t = tonumber(redis.call('HGET', KEYS[1], 't') or '0')\n"
    "local free = tonumber(ARGV[1])\n"
    "if n >= free then\n"
    "  local wait = math.min(1000 * 2 ^ math.min(n - free, 40), tonumber(ARGV[2]))\n"
    "  if now < t + wait then return {1, t + wait - now} end\n"
    "end\n"
    "redis.call('HSET', KEYS[1], 'n', n + 1, 't', now)\n"
    "redis.call('PEXPIRE', KEYS[1], ARGV[4])\n"
    "return {0, 0}\n";

enum ratelimit_result login_gate(struct crm_redis *r, const char *email_key, const char *addr_key,
                                 const struct login_policy *p, long *retry_ms)
{
    char free_n[16], cap[24], addr_max[16], keep[24];
    snprintf(free_n, sizeof free_n, "%d", p->free_failures);
    snprintf(cap, sizeof cap, "%ld", p->max_wait_ms);
    snprintf(addr_max, sizeof addr_max, "%d", p->addr_failures);
    snprintf(keep, sizeof keep, "%ld", (long)CRM_LOGIN_WINDOW_MS + p->max_wait_ms);
    const char *argv[] = {"EVAL", gate_script, "2", email_key, addr_key, free_n, cap, addr_max, keep};
    size_t lens[9];
    for (int i = 0; i < 9; i++)
        lens[i] = strlen(argv[i]);
    redisReply *rep = crm_redis_argv(r, 9, argv, lens);
    enum ratelimit_result res = RATE_UNAVAILABLE;
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 &&
        rep->element[0]->type == REDIS_REPLY_INTEGER && rep->element[1]->type == REDIS_REPLY_INTEGER) {
        res = rep->element[0]->integer == 0 ? RATE_OK : RATE_LIMITED;
        *retry_ms = rep->element[1]->integer > 0 ? (long)rep->element[1]->integer : 1000;
    }
    if (rep)
        freeReplyObject(rep);
    return res;
}

static const char undo_script[] =
    "if redis.call('HINCRBY', KEYS[1], 'n', -1) < 1 then redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

int login_gate_undo(struct crm_redis *r, const char *email_key)
{
    const char *argv[] = {"EVAL", undo_script, "1", email_key};
    size_t lens[] = {4, sizeof undo_script - 1, 1, strlen(email_key)};
    redisReply *rep = crm_redis_argv(r, 4, argv, lens);
    int ok = rep && rep->type == REDIS_REPLY_INTEGER;
    if (rep)
        freeReplyObject(rep);
    return ok ? 0 : -1;
}

/* INCR the address's failures, starting its window on the first one. */
static const char fail_script[] =
    "if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end\n"
    "return 0\n";

int login_failed(struct crm_redis *r, const char *addr_key)
{
    char window[16];
    snprintf(window, sizeof window, "%d", CRM_LOGIN_WINDOW_MS);
    const char *argv[] = {"EVAL", fail_script, "1", addr_key, window};
    size_t lens[] = {4, sizeof fail_script - 1, 1, strlen(addr_key), strlen(window)};
    redisReply *rep = crm_redis_argv(r, 5, argv, lens);
    int ok = rep && rep->type == REDIS_REPLY_INTEGER;
    if (rep)
        freeReplyObject(rep);
    return ok ? 0 : -1;
}

int login_succeeded(struct crm_redis *r, const char *email_key)
{
    const char *argv[] = {"DEL", email_key};
    size_t lens[] = {3, strlen(email_key)};
    redisReply *rep = crm_redis_argv(r, 2, argv, lens);
    int ok = rep && rep->type == REDIS_REPLY_INTEGER;
    if (rep)
        freeReplyObject(rep);
    return ok ? 0 : -1;
}
