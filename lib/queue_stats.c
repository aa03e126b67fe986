#include "config.h"

#include "queue_stats.h"

#include "dead_letters.h"

#include <stdlib.h>
#include <string.h>

static int str_is(const redisReply *r, const char *s)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
           (size_t)r->len == strlen(s) && memcmp(r->str, s, r->len) == 0;
}

/* Reads the crm-worker group's figures from one XINFO GROUPS reply (an array of
 * flat field/value arrays). A missing stream answers an error: no group. */
static void read_groups(const redisReply *r, struct crm_queue_stream_stats *s)
{
    s->lag = 0;
    if (!r || r->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t g = 0; g < r->elements; g++) {
        const redisReply *kv = r->element[g];
        if (kv->type != REDIS_REPLY_ARRAY)
            continue;
        int ours = 0;
        for (size_t i = 0; i + 1 < kv->elements; i += 2)
            if (str_is(kv->element[i], "name") && str_is(kv->element[i + 1], CRM_WORKER_GROUP))
                ours = 1;
        if (!ours)
            continue;
        s->lag = -1;
        for (size_t i = 0; i + 1 < kv->elements; i += 2) {
            const redisReply *k = kv->element[i], *v = kv->element[i + 1];
            long long n = v->type == REDIS_REPLY_INTEGER ? v->integer : -1;
            if (str_is(k, "consumers"))
                s->consumers = n;
            else if (str_is(k, "pending"))
                s->pending = n;
            else if (str_is(k, "lag"))
                s->lag = n; /* nil (-1) when Redis cannot tell */
        }
    }
}

int crm_queue_stats_get(redisContext *c, int streams, struct crm_queue_stats *out)
{
    memset(out, 0, sizeof *out);
    if (streams < 1)
        streams = 1;
    size_t n = (size_t)streams + 2;
    struct crm_queue_stream_stats *s = calloc(n, sizeof *s);
    if (!s)
        return CRM_QS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (i < (size_t)streams)
            crm_stream_name(s[i].name, (int)i);
        else
            strcpy(s[i].name, i == (size_t)streams ? CRM_RETRY_STREAM : CRM_AUDIT_STREAM);
        const char *xlen[2] = {"XLEN", s[i].name};
        const char *xinfo[3] = {"XINFO", "GROUPS", s[i].name};
        size_t l2[2] = {4, strlen(s[i].name)}, l3[3] = {5, 6, strlen(s[i].name)};
        redisAppendCommandArgv(c, 2, xlen, l2);
        redisAppendCommandArgv(c, 3, xinfo, l3);
    }
    const char *dead[2] = {"XLEN", CRM_DEAD_STREAM};
    size_t ld[2] = {4, strlen(CRM_DEAD_STREAM)};
    redisAppendCommandArgv(c, 2, dead, ld);

    int rc = CRM_QS_OK;
    for (size_t i = 0; i < 2 * n + 1; i++) {
        void *p = NULL;
        if (redisGetReply(c, &p) != REDIS_OK || !p) {
            free(s);
            return CRM_QS_EREDIS; /* connection broken: the rest is lost with it */
        }
        redisReply *r = p;
        if (i == 2 * n) {
            if (r->type == REDIS_REPLY_INTEGER)
                out->dead_letters = r->integer;
            else
                rc = CRM_QS_EREDIS;
        } else if (i % 2 == 0) {
            if (r->type == REDIS_REPLY_INTEGER)
                s[i / 2].length = r->integer;
            else
                rc = CRM_QS_EREDIS;
        } else {
            read_groups(r, &s[i / 2]);
        }
        freeReplyObject(r);
    }
    if (rc < 0) {
        free(s);
        return rc;
    }
    out->streams = s;
    out->n_streams = n;
    for (size_t i = 0; i < n; i++) {
        out->length += s[i].length;
        out->lag += s[i].lag > 0 ? s[i].lag : 0;
        out->pending += s[i].pending;
        if (s[i].consumers > out->consumers)
            out->consumers = s[i].consumers;
    }
    return CRM_QS_OK;
}

void crm_queue_stats_deinit(struct crm_queue_stats *out)
{
    free(out->streams);
    out->streams = NULL;
    out->n_streams = 0;
}
