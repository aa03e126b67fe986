#include "config.h"

#include "persisted_boundary.h"

#include "stream_entry.h"
#include "streams.h"

#include <hiredis/hiredis.h>
#include <string.h>

static int before(uint64_t ams, uint64_t aseq, uint64_t bms, uint64_t bseq)
{
    return ams < bms || (ams == bms && aseq < bseq);
}

void crm_persisted_boundary(const struct crm_stream_facts *f, uint64_t *ms, uint64_t *seq)
{
    if (!f->has_first) {
        *ms = CRM_BOUNDARY_ALL_MS;
        *seq = 0;
        return;
    }
    uint64_t bms = 0, bseq = 0;
    if (f->pending > 0) {
        bms = f->pend_ms;
        bseq = f->pend_seq;
    } else if (f->has_group) {
        bms = f->last_ms;
        bseq = f->last_seq;
        if (bms || bseq) {
            /* The next position after the last delivered one. */
            if (bseq == UINT64_MAX)
                bms++, bseq = 0;
            else
                bseq++;
        }
    }
    if (before(bms, bseq, f->first_ms, f->first_seq)) {
        bms = f->first_ms;
        bseq = f->first_seq;
    }
    *ms = bms;
    *seq = bseq;
}

static int id_of(const redisReply *r, uint64_t *ms, uint64_t *seq)
{
    return r && r->type == REDIS_REPLY_STRING && crm_stream_id_parse(r->str, r->len, ms, seq) == 0 ? 0 : -1;
}

int crm_stream_facts_parse(const redisReply *first, const redisReply *pending, const redisReply *groups,
                           struct crm_stream_facts *f)
{
    memset(f, 0, sizeof *f);
    if (!first || !pending || !groups || first->type != REDIS_REPLY_ARRAY)
        return -1;
    if (first->elements > 0) {
        const redisReply *e = first->element[0];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            id_of(e->element[0], &f->first_ms, &f->first_seq))
            return -1;
        f->has_first = 1;
    }
    /* XPENDING summary: [count, lowest, highest, consumers]; an error when the
     * stream or the group does not exist (nothing pending then). */
    if (pending->type == REDIS_REPLY_ARRAY) {
        if (pending->elements != 4 || pending->element[0]->type != REDIS_REPLY_INTEGER)
            return -1;
        if (pending->element[0]->integer > 0) {
            if (id_of(pending->element[1], &f->pend_ms, &f->pend_seq) < 0)
                return -1;
            f->pending = (uint64_t)pending->element[0]->integer;
        }
    } else if (pending->type != REDIS_REPLY_ERROR) {
        return -1;
    }
    /* XINFO GROUPS: one flat [key, value, ...] array per group (RESP2). */
    if (groups->type == REDIS_REPLY_ARRAY) {
        for (size_t g = 0; g < groups->elements; g++) {
            const redisReply *grp = groups->element[g];
            const redisReply *name = NULL, *last = NULL;
            for (size_t i = 0; grp->type == REDIS_REPLY_ARRAY && i + 1 < grp->elements; i += 2) {
                const redisReply *k = grp->element[i], *v = grp->element[i + 1];
                if (k->type != REDIS_REPLY_STRING)
                    continue;
                if (strcmp(k->str, "name") == 0)
                    name = v;
                else if (strcmp(k->str, "last-delivered-id") == 0)
                    last = v;
            }
            if (name && name->type == REDIS_REPLY_STRING && strcmp(name->str, CRM_WORKER_GROUP) == 0) {
                if (id_of(last, &f->last_ms, &f->last_seq) < 0)
                    return -1;
                f->has_group = 1;
            }
        }
    } else if (groups->type != REDIS_REPLY_ERROR) {
        return -1;
    }
    return 0;
}
