#include "config.h"

#include "presence.h"

#include "log.h"
#include "pushd.h"
#include "redis_link.h"
#include "user_sockets.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define INSTANCES_KEY "crm:presence:instances"
#define SET_PREFIX "crm:presence:"

static char instance[160];
static char set_key[200];
static struct event *beat;
static unsigned beats;
static int stopped; /* clean stop: nothing is written again */

const char *presence_instance(void)
{
    return instance;
}

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* PEXPIRE of the set and the instance's score: both every beat. */
static void refresh(redisAsyncContext *ac)
{
    char now[24];
    snprintf(now, sizeof now, "%" PRId64, wall_ms());
    redisAsyncCommand(ac, NULL, NULL, "PEXPIRE %s %d", set_key, PRESENCE_TTL_MS);
    redisAsyncCommand(ac, NULL, NULL, "ZADD %s %s %s", INSTANCES_KEY, now, instance);
    if (beats++ % PRESENCE_SWEEP_BEATS == 0) {
        /* Anyone may drop instances gone for a minute (killed, host lost). */
        char old[24];
        snprintf(old, sizeof old, "(%" PRId64, wall_ms() - PRESENCE_STALE_MS);
        redisAsyncCommand(ac, NULL, NULL, "ZREMRANGEBYSCORE %s -inf %s", INSTANCES_KEY, old);
    }
}

static void on_beat(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (ac && !stopped)
        refresh(ac);
}

int presence_start(void)
{
    char host[64] = "host";
    unsigned char rnd[8];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    randombytes_buf(rnd, sizeof rnd);
    int n = snprintf(instance, sizeof instance, "%s-%ld-", host, (long)getpid());
    for (size_t i = 0; i < sizeof rnd && n > 0 && (size_t)n + 2 < sizeof instance; i++)
        n += snprintf(instance + n, sizeof instance - (size_t)n, "%02x", rnd[i]);
    snprintf(set_key, sizeof set_key, "%s%s", SET_PREFIX, instance);
    beat = event_new(pushd->base, -1, EV_PERSIST, on_beat, NULL);
    if (!beat)
        return -1;
    struct timeval tv = {PRESENCE_BEAT_MS / 1000, (PRESENCE_BEAT_MS % 1000) * 1000};
    event_add(beat, &tv);
    log_info("presence instance %s", instance);
    return 0;
}

static void sadd_one(int64_t user_id, void *arg)
{
    redisAsyncContext *ac = arg;
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, user_id);
    redisAsyncCommand(ac, NULL, NULL, "SADD %s %s", set_key, id);
}

void presence_on_connect(struct redis_link *link, struct redisAsyncContext *ac, void *arg)
{
    (void)link;
    (void)arg;
    if (!instance[0] || stopped)
        return;
    /* The set may have lapsed while Redis was away (or Redis restarted empty):
     * every user of this process is added again, then refreshed. */
    user_sockets_each(sadd_one, ac);
    refresh(ac);
}

void presence_user_up(int64_t user_id)
{
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (!ac || !instance[0] || stopped)
        return; /* presence_on_connect adds it once Redis is back */
    sadd_one(user_id, ac);
    /* A new set has no expiry until the next beat: give it one now. */
    redisAsyncCommand(ac, NULL, NULL, "PEXPIRE %s %d", set_key, PRESENCE_TTL_MS);
}

void presence_user_down(int64_t user_id)
{
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (!ac || !instance[0])
        return; /* after a reconnect the set is rewritten without it */
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, user_id);
    redisAsyncCommand(ac, NULL, NULL, "SREM %s %s", set_key, id);
}

void presence_stop(void)
{
    stopped = 1;
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (!ac || !instance[0])
        return;
    redisAsyncCommand(ac, NULL, NULL, "DEL %s", set_key);
    redisAsyncCommand(ac, NULL, NULL, "ZREM %s %s", INSTANCES_KEY, instance);
}

void presence_free(void)
{
    if (beat)
        event_free(beat);
    beat = NULL;
}

/* One round trip for a list of users: the live instances, then SMISMEMBER on
 * each one's set. The keys are named inside the script, none as KEYS: Redis's
 * ACL checks an EVAL's KEYS against the rights EVAL is granted with (the
 * member-cache keys), while the commands the script runs are checked against
 * the presence rights. Not cluster-safe, which the CRM does not use. Returns an array of 0/1, one per ARGV after the first. */
static const char lookup_script[] =
    "local live = redis.call('ZRANGEBYSCORE', '" INSTANCES_KEY "', ARGV[1], '+inf') "
    "local n = #ARGV - 1 local out = {} for i = 1, n do out[i] = 0 end "
    "if n == 0 then return out end "
    "local ids = {} for i = 1, n do ids[i] = ARGV[i + 1] end "
    "for _, inst in ipairs(live) do "
    "  local r = redis.call('SMISMEMBER', '" SET_PREFIX "' .. inst, unpack(ids)) "
    "  for i = 1, n do if r[i] == 1 then out[i] = 1 end end "
    "end return out";

struct lookup {
    presence_fn fn;
    void *arg;
    size_t n;
    struct event *later; /* the answer without Redis, from the loop */
    uint8_t online[];
};

static void answer(struct lookup *l)
{
    l->fn(l->online, l->n, l->arg);
    if (l->later)
        event_free(l->later);
    free(l);
}

static void on_lookup(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    struct lookup *l = priv;
    redisReply *r = reply;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == l->n)
        for (size_t i = 0; i < l->n; i++)
            l->online[i] = r->element[i]->type == REDIS_REPLY_INTEGER && r->element[i]->integer == 1;
    else if (r && r->type == REDIS_REPLY_ERROR)
        log_warn("presence lookup: %.100s", r->str);
    answer(l);
}

static void on_later(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    answer(arg);
}

void presence_lookup(const int64_t *ids, size_t n, presence_fn fn, void *arg)
{
    if (n > PRESENCE_MAX_LOOKUP)
        n = PRESENCE_MAX_LOOKUP;
    struct lookup *l = calloc(1, sizeof *l + n);
    size_t argc = 4 + n;
    const char **argv = calloc(argc, sizeof *argv);
    char(*num)[24] = calloc(n + 1, sizeof *num);
    if (!l || !argv || !num) {
        crm_oom();
    }
    l->fn = fn;
    l->arg = arg;
    l->n = n;
    snprintf(num[n], sizeof num[n], "%" PRId64, wall_ms() - PRESENCE_TTL_MS);
    argv[0] = "EVAL";
    argv[1] = lookup_script;
    argv[2] = "0";
    argv[3] = num[n];
    for (size_t i = 0; i < n; i++) {
        snprintf(num[i], sizeof num[i], "%" PRId64, ids[i]);
        argv[4 + i] = num[i];
    }
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    int sent = ac && redisAsyncCommandArgv(ac, on_lookup, l, (int)argc, argv, NULL) == REDIS_OK;
    free(argv);
    free(num);
    if (sent)
        return;
    /* Redis is away: everyone is shown offline, from the loop as promised. */
    l->later = evtimer_new(pushd->base, on_later, l);
    if (!l->later) {
        crm_oom();
    }
    struct timeval zero = {0, 0};
    evtimer_add(l->later, &zero);
}
