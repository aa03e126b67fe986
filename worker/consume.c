#include "config.h"

#include "consume.h"

#include "dead_letters.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The command timeout: longer than any BLOCK used (at most 1 s, worker_main.c). */
#define CONSUME_TIMEOUT_MS 5000

void consume_init(struct consume *c, const struct crm_shards *sh, int shard, const char *consumer,
                  int streams)
{
    memset(c, 0, sizeof *c);
    crm_redis_init_shard(&c->redis, sh, shard, CONSUME_TIMEOUT_MS);
    c->consumer = consumer;
    c->keys = calloc((size_t)streams + 2, sizeof *c->keys);
    if (!c->keys) {
        crm_oom();
    }
    for (int i = 0; i < streams; i++)
        if (crm_shard_of_stream(i, sh->n) == shard)
            crm_stream_name(c->keys[c->nkeys++].name, i);
    /* Each shard's dead letters are retried through its own retry stream (the
     * dead letter and its XACK are one transaction on the entry's server). */
    strcpy(c->keys[c->nkeys++].name, CRM_RETRY_STREAM);
    if (shard == 0)
        strcpy(c->keys[c->nkeys++].name, CRM_AUDIT_STREAM);
    for (size_t i = 0; i < c->nkeys; i++)
        strcpy(c->keys[i].claim_from, "0-0");
}

void consume_deinit(struct consume *c)
{
    crm_redis_deinit(&c->redis);
    free(c->keys);
    c->keys = NULL;
}

void consume_redis_lost(struct consume *c)
{
    crm_redis_reset(&c->redis);
    c->ready = 0;
}

/* Runs one argv command; NULL after a broken connection (then dropped). */
static redisReply *command(struct consume *c, int argc, const char **argv, const size_t *lens)
{
    redisContext *ctx = consume_redis(c);
    if (!ctx)
        return NULL;
    redisReply *r = redisCommandArgv(ctx, argc, argv, lens);
    if (!r) {
        log_warn("redis: %s failed: %s", argv[0], ctx->errstr);
        consume_redis_lost(c);
    }
    return r;
}

static void lens_of(int argc, const char **argv, size_t *lens)
{
    for (int i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
}

/* Creates the group on a key unless it exists; never recreates an existing one.
 * "0": entries added before the group existed are persisted too. */
static int ensure_group(redisContext *ctx, const char *key)
{
    const char *argv[6] = {"XGROUP", "CREATE", key, CRM_WORKER_GROUP, "0", "MKSTREAM"};
    size_t lens[6];
    lens_of(6, argv, lens);
    redisReply *r = redisCommandArgv(ctx, 6, argv, lens);
    if (!r)
        return -1;
    int ok = r->type != REDIS_REPLY_ERROR || strncmp(r->str, "BUSYGROUP", 9) == 0;
    if (!ok)
        log_error("redis: XGROUP CREATE %s: %s", key, r->str);
    else if (r->type != REDIS_REPLY_ERROR)
        log_info("created consumer group %s on %s", CRM_WORKER_GROUP, key);
    freeReplyObject(r);
    return ok ? 0 : -1;
}

redisContext *consume_redis(struct consume *c)
{
    redisContext *ctx = crm_redis_get(&c->redis);
    if (!ctx) {
        c->ready = 0;
        return NULL;
    }
    if (c->ready)
        return ctx;
    for (size_t i = 0; i < c->nkeys; i++) {
        if (ensure_group(ctx, c->keys[i].name) < 0) {
            consume_redis_lost(c);
            return NULL;
        }
        /* Entries delivered to this consumer before are read again first. */
        strcpy(c->keys[i].cursor, "0");
    }
    c->ready = 1;
    return ctx;
}

int consume_catching_up(const struct consume *c)
{
    for (size_t i = 0; i < c->nkeys; i++)
        if (strcmp(c->keys[i].cursor, ">") != 0)
            return 1;
    return 0;
}

static struct consume_key *key_named(struct consume *c, const redisReply *name)
{
    if (!name || name->type != REDIS_REPLY_STRING)
        return NULL;
    for (size_t i = 0; i < c->nkeys; i++)
        if ((size_t)name->len == strlen(c->keys[i].name) &&
            memcmp(name->str, c->keys[i].name, name->len) == 0)
            return &c->keys[i];
    return NULL;
}

int consume_read(struct consume *c, struct batch *b, size_t count, int block_ms)
{
    if (!consume_redis(c))
        return -1;
    int catching_up = consume_catching_up(c);
    size_t argc = 0, cap = 9 + 2 * c->nkeys;
    const char **argv = calloc(cap, sizeof *argv);
    size_t *lens = calloc(cap, sizeof *lens);
    if (!argv || !lens) {
        crm_oom();
    }
    char cnt[24], blk[24];
    snprintf(cnt, sizeof cnt, "%zu", count ? count : 1);
    snprintf(blk, sizeof blk, "%d", block_ms > 0 ? block_ms : 1);
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = CRM_WORKER_GROUP;
    argv[argc++] = c->consumer;
    argv[argc++] = "COUNT";
    argv[argc++] = cnt;
    if (!catching_up && block_ms > 0) {
        argv[argc++] = "BLOCK";
        argv[argc++] = blk;
    }
    argv[argc++] = "STREAMS";
    for (size_t i = 0; i < c->nkeys; i++)
        argv[argc++] = c->keys[i].name;
    for (size_t i = 0; i < c->nkeys; i++)
        argv[argc++] = c->keys[i].cursor;
    lens_of((int)argc, argv, lens);
    redisReply *r = command(c, (int)argc, argv, lens);
    free(argv);
    free(lens);
    if (!r)
        return -1;
    if (r->type == REDIS_REPLY_ERROR) {
        /* NOGROUP: the stream or group was deleted under us; make them again. */
        log_warn("redis: XREADGROUP: %s", r->str);
        freeReplyObject(r);
        c->ready = 0;
        return -1;
    }
    int added = 0;
    if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->elements; i++) {
            const redisReply *s = r->element[i];
            if (s->type != REDIS_REPLY_ARRAY || s->elements != 2)
                continue;
            struct consume_key *k = key_named(c, s->element[0]);
            const redisReply *entries = s->element[1];
            if (!k || entries->type != REDIS_REPLY_ARRAY)
                continue;
            if (strcmp(k->cursor, ">") != 0) {
                if (entries->elements == 0) {
                    strcpy(k->cursor, ">");
                } else {
                    const redisReply *last = entries->element[entries->elements - 1];
                    if (last->type == REDIS_REPLY_ARRAY && last->elements == 2 &&
                        last->element[0]->type == REDIS_REPLY_STRING &&
                        (size_t)last->element[0]->len < sizeof k->cursor)
                        snprintf(k->cursor, sizeof k->cursor, "%s", last->element[0]->str);
                    else
                        strcpy(k->cursor, ">");
                }
            }
            added += (int)batch_add_entries(b, k->name, entries);
        }
    }
    batch_hold(b, r);
    return added;
}

int consume_claim(struct consume *c, struct batch *b, size_t count, int idle_ms)
{
    char cnt[24], idle[24];
    snprintf(cnt, sizeof cnt, "%zu", count ? count : 1);
    snprintf(idle, sizeof idle, "%d", idle_ms);
    int added = 0;
    for (size_t i = 0; i < c->nkeys; i++) {
        struct consume_key *k = &c->keys[i];
        const char *argv[8] = {"XAUTOCLAIM", k->name,       CRM_WORKER_GROUP, c->consumer,
                               idle,         k->claim_from, "COUNT",          cnt};
        size_t lens[8];
        lens_of(8, argv, lens);
        redisReply *r = command(c, 8, argv, lens);
        if (!r)
            return -1;
        if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 || r->element[0]->type != REDIS_REPLY_STRING) {
            log_warn("redis: XAUTOCLAIM %s: %s", k->name,
                     r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
            if (r->type == REDIS_REPLY_ERROR)
                c->ready = 0;
            freeReplyObject(r);
            return -1;
        }
        if ((size_t)r->element[0]->len < sizeof k->claim_from)
            snprintf(k->claim_from, sizeof k->claim_from, "%s", r->element[0]->str);
        if (r->elements >= 3 && r->element[2]->type == REDIS_REPLY_ARRAY && r->element[2]->elements > 0)
            log_warn("redis: %zu pending entries of %s were deleted before being stored",
                     r->element[2]->elements, k->name);
        size_t n = batch_add_entries(b, k->name, r->element[1]);
        if (n > 0)
            log_info("claimed %zu idle entries of %s", n, k->name);
        added += (int)n;
        batch_hold(b, r);
    }
    return added;
}

long consume_ack(struct consume *c, const struct batch *b)
{
    redisContext *ctx = consume_redis(c);
    if (!ctx)
        return -1;
    const char **argv = calloc(b->n + 3, sizeof *argv);
    size_t *lens = calloc(b->n + 3, sizeof *lens);
    if (!argv || !lens) {
        crm_oom();
    }
    int sent = 0;
    for (size_t k = 0; k < c->nkeys; k++) {
        int argc = 0;
        argv[argc++] = "XACK";
        argv[argc++] = c->keys[k].name;
        argv[argc++] = CRM_WORKER_GROUP;
        for (size_t i = 0; i < b->n; i++) {
            const struct batch_item *it = &b->items[i];
            if (it->src_key == c->keys[k].name && (it->state == ITEM_STORED || it->state == ITEM_GONE))
                argv[argc++] = it->id;
        }
        if (argc == 3)
            continue;
        lens_of(argc, argv, lens);
        redisAppendCommandArgv(ctx, argc, argv, lens);
        sent++;
    }
    free(argv);
    free(lens);
    long acked = 0;
    int failed = 0;
    for (int i = 0; i < sent; i++) {
        void *p = NULL;
        if (redisGetReply(ctx, &p) != REDIS_OK || !p) {
            log_warn("redis: XACK failed: %s", ctx->errstr);
            consume_redis_lost(c);
            return -1;
        }
        redisReply *r = p;
        if (r->type == REDIS_REPLY_INTEGER)
            acked += (long)r->integer;
        else
            failed = 1;
        freeReplyObject(r);
    }
    return failed ? -1 : acked;
}

long long consume_deliveries(struct consume *c, const char *key, const char *id)
{
    const char *argv[6] = {"XPENDING", key, CRM_WORKER_GROUP, id, id, "1"};
    size_t lens[6];
    lens_of(6, argv, lens);
    redisReply *r = command(c, 6, argv, lens);
    if (!r)
        return -1;
    long long n = -1;
    if (r->type == REDIS_REPLY_ARRAY) {
        n = 0;
        if (r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 4 &&
            r->element[0]->element[3]->type == REDIS_REPLY_INTEGER)
            n = r->element[0]->element[3]->integer;
    }
    freeReplyObject(r);
    return n;
}
