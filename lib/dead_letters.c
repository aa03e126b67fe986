#include "config.h"

#include "dead_letters.h"

#include "stream_entry.h"
#include "streams.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static int64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Reads n pipelined replies; returns 0 when none is an error and the last (EXEC)
 * is an array without errors. */
static int read_exec(redisContext *c, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        void *p = NULL;
        if (redisGetReply(c, &p) != REDIS_OK || !p)
            return CRM_DL_EREDIS; /* the connection is broken: c->err is set */
        redisReply *r = p;
        if (r->type == REDIS_REPLY_ERROR)
            rc = CRM_DL_EREDIS;
        if (i == n - 1) {
            if (r->type != REDIS_REPLY_ARRAY)
                rc = CRM_DL_EREDIS;
            else
                for (size_t k = 0; k < r->elements; k++)
                    if (r->element[k]->type == REDIS_REPLY_ERROR)
                        rc = CRM_DL_EREDIS;
        }
        freeReplyObject(r);
    }
    return rc;
}

int crm_dead_letter_store(redisContext *c, const char *src_key, const char *src_id, const char *orig_stream,
                          const char *orig_id, long long deliveries, const char *error, const char *consumer,
                          const redisReply *fields, size_t first)
{
    int rc = CRM_DL_ENOMEM;
    size_t extra = 0;
    if (fields && fields->type == REDIS_REPLY_ARRAY && first <= fields->elements)
        extra = fields->elements - first;
    extra -= extra % 2;
    size_t argc = 3 + 2 * CRM_DEAD_META_FIELDS + extra;
    const char **argv = calloc(argc, sizeof *argv);
    size_t *lens = calloc(argc, sizeof *lens);
    if (!argv || !lens)
        goto cleanup;
    char dl[24], at[24];
    snprintf(dl, sizeof dl, "%lld", deliveries);
    snprintf(at, sizeof at, "%" PRId64, now_ms());
    const char *head[3 + 2 * CRM_DEAD_META_FIELDS] = {
        "XADD", CRM_DEAD_STREAM, "*",   "stream",    orig_stream, "id",       orig_id, "deliveries",
        dl,     "error",         error, "failed_at", at,          "consumer", consumer};
    size_t i = 0;
    for (; i < 3 + 2 * CRM_DEAD_META_FIELDS; i++) {
        argv[i] = head[i];
        lens[i] = strlen(head[i]);
    }
    for (size_t k = 0; k < extra; k++, i++) {
        const redisReply *f = fields->element[first + k];
        argv[i] = f->str ? f->str : "";
        lens[i] = f->str ? (size_t)f->len : 0;
    }
    redisAppendCommand(c, "MULTI");
    redisAppendCommandArgv(c, (int)argc, argv, lens);
    const char *ack[4] = {"XACK", src_key, CRM_WORKER_GROUP, src_id};
    size_t acklen[4] = {4, strlen(src_key), strlen(CRM_WORKER_GROUP), strlen(src_id)};
    redisAppendCommandArgv(c, 4, ack, acklen);
    redisAppendCommand(c, "EXEC");
    rc = read_exec(c, 4);
cleanup:
    free(argv);
    free(lens);
    return rc;
}

/* KEYS[1] dead stream, KEYS[2] retry stream, ARGV[1] dead letter id. The meta
 * fields are found by name; the entry's own fields follow them. */
static const char RETRY_LUA[] =
    "local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])\n"
    "if #e == 0 then return 0 end\n"
    "local f = e[1][2]\n"
    "local meta = tonumber(ARGV[2]) * 2\n"
    "local stream, id\n"
    "for i = 1, meta, 2 do\n"
    "  if f[i] == 'stream' then stream = f[i + 1] elseif f[i] == 'id' then id = f[i + 1] end\n"
    "end\n"
    "if not stream or not id then return redis.error_reply('ERR not a dead letter') end\n"
    "local args = {KEYS[2], '*', 'src', stream, 'pos', id}\n"
    "for i = meta + 1, #f do args[#args + 1] = f[i] end\n"
    "redis.call('XADD', unpack(args))\n"
    "redis.call('XDEL', KEYS[1], ARGV[1])\n"
    "return 1\n";

int crm_dead_letter_retry(redisContext *c, const char *dead_id)
{
    uint64_t ms, seq;
    if (!dead_id || crm_stream_id_parse(dead_id, strlen(dead_id), &ms, &seq) < 0)
        return CRM_DL_EINVAL;
    char meta[8];
    snprintf(meta, sizeof meta, "%d", CRM_DEAD_META_FIELDS);
    const char *argv[7] = {"EVAL", RETRY_LUA, "2", CRM_DEAD_STREAM, CRM_RETRY_STREAM, dead_id, meta};
    size_t lens[7];
    for (int i = 0; i < 7; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = redisCommandArgv(c, 7, argv, lens);
    if (!r)
        return CRM_DL_EREDIS;
    int rc = r->type != REDIS_REPLY_INTEGER ? CRM_DL_EREDIS : r->integer == 1 ? CRM_DL_OK : CRM_DL_ENOTFOUND;
    freeReplyObject(r);
    return rc;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static void copy_field(char *dst, size_t size, const redisReply *v)
{
    size_t n = (size_t)v->len < size - 1 ? (size_t)v->len : size - 1;
    memcpy(dst, v->str, n);
    dst[n] = '\0';
}

static int field_is(const redisReply *f, const char *name)
{
    return (size_t)f->len == strlen(name) && memcmp(f->str, name, f->len) == 0;
}

/* Fills d from one XRANGE entry [id, [f, v, ...]]. */
static int fill_one(struct crm_dead_letter *d, const redisReply *e)
{
    if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING ||
        e->element[1]->type != REDIS_REPLY_ARRAY)
        return CRM_DL_EREDIS;
    const redisReply *id = e->element[0], *f = e->element[1];
    copy_field(d->id, sizeof d->id, id);
    size_t meta = 2 * CRM_DEAD_META_FIELDS;
    json_object *entry = json_object_new_object();
    if (!entry)
        return CRM_DL_ENOMEM;
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (i < meta) {
            if (field_is(k, "stream"))
                copy_field(d->stream, sizeof d->stream, v);
            else if (field_is(k, "id"))
                copy_field(d->message_id, sizeof d->message_id, v);
            else if (field_is(k, "deliveries"))
                d->deliveries = strtoll(v->str, NULL, 10);
            else if (field_is(k, "failed_at"))
                d->failed_at_ms = strtoll(v->str, NULL, 10);
            else if (field_is(k, "error") && !d->error)
                d->error = dup_n(v->str, (size_t)v->len);
            continue;
        }
        if (field_is(k, "room"))
            (void)crm_decimal_id_parse(v->str, (size_t)v->len, &d->room_id);
        else if (field_is(k, "key") && !d->idempotency_key)
            d->idempotency_key = dup_n(v->str, (size_t)v->len);
        char *name = dup_n(k->str, (size_t)k->len);
        json_object *val = json_object_new_string_len(v->str, v->len);
        if (!name || !val) {
            free(name);
            json_object_put(val);
            json_object_put(entry);
            return CRM_DL_ENOMEM;
        }
        json_object_object_add(entry, name, val);
        free(name);
    }
    if (!d->error)
        d->error = dup_n("", 0);
    const char *js = json_object_to_json_string_ext(entry, JSON_C_TO_STRING_NOSLASHESCAPE);
    d->entry_json = js ? dup_n(js, strlen(js)) : NULL;
    json_object_put(entry);
    return d->error && d->entry_json ? CRM_DL_OK : CRM_DL_ENOMEM;
}

int crm_dead_letters_list(redisContext *c, size_t limit, struct crm_dead_letter **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (limit < 1 || limit > CRM_DEAD_LIST_MAX)
        return CRM_DL_EINVAL;
    char count[24];
    snprintf(count, sizeof count, "%zu", limit);
    const char *argv[6] = {"XREVRANGE", CRM_DEAD_STREAM, "+", "-", "COUNT", count};
    size_t lens[6];
    for (int i = 0; i < 6; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = redisCommandArgv(c, 6, argv, lens);
    if (!r)
        return CRM_DL_EREDIS;
    int rc = CRM_DL_EREDIS;
    struct crm_dead_letter *list = NULL;
    size_t got = 0;
    if (r->type != REDIS_REPLY_ARRAY)
        goto cleanup;
    rc = CRM_DL_ENOMEM;
    if (r->elements && !(list = calloc(r->elements, sizeof *list)))
        goto cleanup;
    for (; got < r->elements; got++) {
        rc = fill_one(&list[got], r->element[got]);
        if (rc < 0) {
            got++; /* free the half-filled one too */
            goto cleanup;
        }
    }
    rc = CRM_DL_OK;
    *out = list;
    *n = got;
    list = NULL;
cleanup:
    crm_dead_letters_free(list, got);
    freeReplyObject(r);
    return rc;
}

void crm_dead_letters_free(struct crm_dead_letter *list, size_t n)
{
    if (!list)
        return;
    for (size_t i = 0; i < n; i++) {
        free(list[i].idempotency_key);
        free(list[i].error);
        free(list[i].entry_json);
    }
    free(list);
}
