#include "config.h"

#include "history.h"

#include "log.h"
#include "persisted_boundary.h"
#include "sql.h"
#include "streams.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_CHUNK 500

/* The boundary of the persisted part (lib/persisted_boundary.h, the rule
 * crm-pushd's replay uses too): every message before it is in PostgreSQL, from
 * it on the stream is read. The three facts come in one round trip. 0 on success. */
int history_boundary(redisContext *c, const char *stream, uint64_t *ms, uint64_t *seq)
{
    redisAppendCommand(c, "XRANGE %s - + COUNT 1", stream);
    redisAppendCommand(c, "XPENDING %s %s", stream, CRM_WORKER_GROUP);
    redisAppendCommand(c, "XINFO GROUPS %s", stream);
    redisReply *r[3] = {NULL, NULL, NULL};
    int rc = 0;
    for (int i = 0; i < 3; i++)
        if (redisGetReply(c, (void **)&r[i]) != REDIS_OK) {
            rc = -1;
            break;
        }
    struct crm_stream_facts f;
    if (rc == 0 && crm_stream_facts_parse(r[0], r[1], r[2], &f) == 0)
        crm_persisted_boundary(&f, ms, seq);
    else
        rc = -1;
    for (int i = 0; i < 3; i++)
        if (r[i])
            freeReplyObject(r[i]);
    return rc;
}

/* Collects up to limit newest entries of room in [boundary, before) from the
 * stream, newest first, appending to msgs. Returns the count or -1. */
static int scan_stream(redisContext *c, const char *stream, int64_t room, int has_before, uint64_t bms,
                       uint64_t bseq, uint64_t lo_ms, uint64_t lo_seq, int limit, int with_internal,
                       struct api_message *msgs)
{
    char hi[CRM_ENTRY_ID_MAX], lo[CRM_ENTRY_ID_MAX], count[16];
    int found = 0, scanned = 0;
    if (has_before)
        snprintf(hi, sizeof hi, "(%" PRIu64 "-%" PRIu64, bms, bseq);
    else
        snprintf(hi, sizeof hi, "+");
    snprintf(lo, sizeof lo, "%" PRIu64 "-%" PRIu64, lo_ms, lo_seq);
    snprintf(count, sizeof count, "%d", SCAN_CHUNK);
    while (found < limit && scanned < CRM_HISTORY_SCAN_MAX) {
        const char *argv[] = {"XREVRANGE", stream, hi, lo, "COUNT", count};
        redisReply *rep = redisCommandArgv(c, 6, argv, NULL);
        if (!rep || rep->type != REDIS_REPLY_ARRAY) {
            if (rep)
                freeReplyObject(rep);
            return -1;
        }
        size_t n = rep->elements;
        for (size_t i = 0; i < n && found < limit; i++) {
            redisReply *ent = rep->element[i];
            struct crm_stream_entry e;
            if (ent->type != REDIS_REPLY_ARRAY || ent->elements != 2 ||
                crm_stream_entry_parse(ent->element[1], &e) != 0 || e.room_id != room ||
                (e.internal && !with_internal))
                continue;
            if (api_message_from_entry(&msgs[found], ent->element[0]->str, ent->element[0]->len, &e) == 0)
                found++;
        }
        if (n > 0)
            snprintf(hi, sizeof hi, "(%s", rep->element[n - 1]->element[0]->str);
        scanned += (int)n;
        freeReplyObject(rep);
        if (n < SCAN_CHUNK)
            break;
    }
    if (scanned >= CRM_HISTORY_SCAN_MAX)
        log_warn("history: room %" PRId64 ": more than %d unpersisted entries; page may lack some", room,
                 CRM_HISTORY_SCAN_MAX);
    return found;
}

static int load_persisted(struct crm_db *db, int64_t room, int has_before, uint64_t bms, uint64_t bseq,
                          int limit, int with_internal, struct api_message *msgs)
{
    char sroom[24], sms[24], sseq[24], slimit[16];
    snprintf(sroom, sizeof sroom, "%" PRId64, room);
    snprintf(sms, sizeof sms, "%" PRIu64, bms);
    snprintf(sseq, sizeof sseq, "%" PRIu64, bseq);
    snprintf(slimit, sizeof slimit, "%d", limit);
    PGresult *r;
    const char *internal = with_internal ? "t" : "f";
    if (has_before) {
        const char *p[] = {sroom, sms, sseq, slimit, internal};
        r = sql_run(db, SQL_MESSAGES_BEFORE, 5, p);
    } else {
        const char *p[] = {sroom, slimit, internal};
        r = sql_run(db, SQL_MESSAGES_LATEST, 3, p);
    }
    if (!r)
        return -1;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return -1;
    }
    int n = PQntuples(r), ok = 0;
    for (int i = 0; i < n; i++) {
        struct api_message *m = &msgs[ok];
        memset(m, 0, sizeof *m);
        m->room_id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        m->sender_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        m->body = strdup(PQgetvalue(r, i, 2));
        m->key = strdup(PQgetvalue(r, i, 3));
        m->ms = strtoull(PQgetvalue(r, i, 4), NULL, 10);
        m->seq = strtoull(PQgetvalue(r, i, 5), NULL, 10);
        m->persisted = 1;
        m->internal = PQgetvalue(r, i, 6)[0] == 't';
        if (!m->body || !m->key) {
            api_message_deinit(m);
            continue;
        }
        ok++;
    }
    PQclear(r);
    return ok;
}

static int cmp_msgs(const void *a, const void *b)
{
    const struct api_message *x = a, *y = b;
    int c = api_message_cmp(x, y);
    /* Equal positions: the persisted copy sorts first and wins the dedupe. */
    return c ? c : y->persisted - x->persisted;
}

int history_load(struct crm_db *db, struct crm_redis *r, int streams, int64_t room, int has_before,
                 uint64_t bms, uint64_t bseq, int limit, int with_internal, struct api_message **out,
                 size_t *n)
{
    *out = NULL, *n = 0;
    if (limit < 1 || limit > CRM_HISTORY_MAX)
        return HISTORY_EUNAVAILABLE;
    struct api_message *all = calloc((size_t)limit * 2, sizeof *all);
    if (!all)
        return HISTORY_ENOMEM;
    char stream[CRM_STREAM_NAME_MAX];
    crm_stream_name(stream, crm_stream_of_room(room, streams));

    /* The stream first, then PostgreSQL: an entry persisted in between is then in
     * both (deduplicated) rather than in neither. */
    redisContext *c = crm_redis_get(r);
    uint64_t lo_ms, lo_seq;
    int pending = -1, persisted = -1;
    if (c && history_boundary(c, stream, &lo_ms, &lo_seq) == 0)
        pending =
            scan_stream(c, stream, room, has_before, bms, bseq, lo_ms, lo_seq, limit, with_internal, all);
    if (pending < 0) {
        if (c && c->err)
            crm_redis_reset(r);
        free(all);
        return HISTORY_EUNAVAILABLE;
    }
    persisted = load_persisted(db, room, has_before, bms, bseq, limit, with_internal, all + pending);
    if (persisted < 0) {
        history_free(all, (size_t)pending);
        return HISTORY_EUNAVAILABLE;
    }
    size_t total = (size_t)(pending + persisted);
    qsort(all, total, sizeof *all, cmp_msgs);
    size_t w = 0;
    for (size_t i = 0; i < total; i++) {
        if (w > 0 && api_message_cmp(&all[w - 1], &all[i]) == 0) {
            api_message_deinit(&all[i]);
            continue;
        }
        all[w++] = all[i];
    }
    /* Keep the newest `limit`, oldest first. */
    size_t skip = w > (size_t)limit ? w - (size_t)limit : 0;
    for (size_t i = 0; i < skip; i++)
        api_message_deinit(&all[i]);
    memmove(all, all + skip, (w - skip) * sizeof *all);
    *out = all;
    *n = w - skip;
    return HISTORY_OK;
}

void history_free(struct api_message *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        api_message_deinit(&msgs[i]);
    free(msgs);
}
