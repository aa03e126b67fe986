#include "config.h"

#include "trim.h"

#include "log.h"

#include <stdio.h>
#include <string.h>

/* KEYS[1] stream; ARGV[1] window in ms (0: none). IDs compare as (ms, seq)
 * pairs of decimal strings: by length, then bytes. A stream without groups is
 * left alone: nobody has acknowledged anything yet. */
static const char TRIM_LUA[] =
    "local function parse(id)\n"
    "  local ms, seq = string.match(id, '^(%d+)-(%d+)$')\n"
    "  return ms, seq\n"
    "end\n"
    "local function less_num(a, b)\n"
    "  if #a ~= #b then return #a < #b end\n"
    "  return a < b\n"
    "end\n"
    "local function less(a, b)\n"
    "  local am, as = parse(a)\n"
    "  local bm, bs = parse(b)\n"
    "  if am ~= bm then return less_num(am, bm) end\n"
    "  return less_num(as, bs)\n"
    "end\n"
    "local groups = redis.call('XINFO', 'GROUPS', KEYS[1])\n"
    "if #groups == 0 then return 0 end\n"
    "local floor = nil\n"
    "for _, g in ipairs(groups) do\n"
    "  local name, last\n"
    "  for i = 1, #g, 2 do\n"
    "    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then last = g[i + 1] end\n"
    "  end\n"
    "  local p = redis.call('XPENDING', KEYS[1], name)\n"
    "  local f = last\n"
    "  if p[1] > 0 and p[2] then f = p[2] end\n"
    "  if floor == nil or less(f, floor) then floor = f end\n"
    "end\n"
    "local window = tonumber(ARGV[1])\n"
    "if window > 0 then\n"
    "  local t = redis.call('TIME')\n"
    "  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "  local w = string.format('%d-0', now - window)\n"
    "  if now - window <= 0 then return 0 end\n"
    "  if less(w, floor) then floor = w end\n"
    "end\n"
    "return redis.call('XTRIM', KEYS[1], 'MINID', floor)\n";

long trim_streams(struct consume *c, long long window_ms)
{
    long removed = 0;
    char win[24];
    for (size_t i = 0; i < c->nkeys; i++) {
        redisContext *ctx = consume_redis(c);
        if (!ctx)
            return -1;
        const char *name = c->keys[i].name;
        int is_msg = strncmp(name, CRM_STREAM_PREFIX, strlen(CRM_STREAM_PREFIX)) == 0;
        snprintf(win, sizeof win, "%lld", is_msg ? window_ms : 0LL);
        const char *argv[5] = {"EVAL", TRIM_LUA, "1", name, win};
        size_t lens[5];
        for (int k = 0; k < 5; k++)
            lens[k] = strlen(argv[k]);
        redisReply *r = redisCommandArgv(ctx, 5, argv, lens);
        if (!r) {
            consume_redis_lost(c);
            return -1;
        }
        if (r->type == REDIS_REPLY_INTEGER) {
            removed += (long)r->integer;
            if (r->integer > 0)
                log_info("trimmed %lld entries of %s", r->integer, name);
        } else {
            log_warn("redis: trimming %s: %s", name,
                     r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        }
        freeReplyObject(r);
    }
    return removed;
}
