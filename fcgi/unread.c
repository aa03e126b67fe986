#include "config.h"

#include "unread.h"

#include "history.h"
#include "log.h"
#include "persisted_boundary.h"
#include "room_access.h"
#include "sql.h"
#include "stream_entry.h"
#include "streams.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_CHUNK 500

/* One room of the page: its stream's boundary and the viewer's position
 * (0-0 when nothing is read: stream IDs start at 0-1). */
struct unread_room {
    int64_t id;
    int stream;
    uint64_t bms, bseq;
    uint64_t pms, pseq;
};

/* "{a,b,c}" of the n values get(i), in buf (n * 21 + 3 bytes). */
static void array_literal(char *buf, size_t n, const struct unread_room *rooms, int which)
{
    size_t o = 0;
    buf[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        uint64_t v = which == 0 ? (uint64_t)rooms[i].id : which == 1 ? rooms[i].bms : rooms[i].bseq;
        o += (size_t)sprintf(buf + o, "%s%" PRIu64, i ? "," : "", v);
    }
    buf[o++] = '}';
    buf[o] = '\0';
}

/* Adds the stream's entries from its boundary on to the counts of the rooms of
 * that stream. 0 or -1. */
static int scan_stream(redisContext *c, int stream, struct unread_room *rooms, size_t n, int64_t viewer,
                       int with_internal, long long *counts)
{
    char name[CRM_STREAM_NAME_MAX], lo[CRM_ENTRY_ID_MAX], count[16];
    crm_stream_name(name, stream);
    uint64_t bms = 0, bseq = 0;
    for (size_t i = 0; i < n; i++)
        if (rooms[i].stream == stream) {
            bms = rooms[i].bms, bseq = rooms[i].bseq;
            break;
        }
    if (bms == CRM_BOUNDARY_ALL_MS)
        return 0; /* everything is in PostgreSQL */
    snprintf(lo, sizeof lo, "%" PRIu64 "-%" PRIu64, bms, bseq);
    snprintf(count, sizeof count, "%d", SCAN_CHUNK);
    int scanned = 0;
    while (scanned < CRM_HISTORY_SCAN_MAX) {
        const char *argv[] = {"XRANGE", name, lo, "+", "COUNT", count};
        redisReply *rep = redisCommandArgv(c, 6, argv, NULL);
        if (!rep || rep->type != REDIS_REPLY_ARRAY) {
            if (rep)
                freeReplyObject(rep);
            return -1;
        }
        size_t got = rep->elements;
        for (size_t k = 0; k < got; k++) {
            redisReply *ent = rep->element[k];
            struct crm_stream_entry e;
            uint64_t ms, seq;
            if (ent->type != REDIS_REPLY_ARRAY || ent->elements != 2 ||
                crm_stream_entry_parse(ent->element[1], &e) != 0 ||
                crm_stream_id_parse(ent->element[0]->str, ent->element[0]->len, &ms, &seq) != 0 ||
                e.sender_id == viewer || (e.internal && !with_internal))
                continue;
            for (size_t i = 0; i < n; i++)
                if (rooms[i].id == e.room_id && rooms[i].stream == stream &&
                    (ms > rooms[i].pms || (ms == rooms[i].pms && seq > rooms[i].pseq)))
                    counts[i]++;
        }
        if (got > 0)
            snprintf(lo, sizeof lo, "(%s", rep->element[got - 1]->element[0]->str);
        scanned += (int)got;
        freeReplyObject(rep);
        if (got < SCAN_CHUNK)
            return 0;
    }
    log_warn("unread: stream %d: more than %d unpersisted entries; counts may lack some", stream,
             CRM_HISTORY_SCAN_MAX);
    return 0;
}

int unread_counts(struct api_call *call, const int64_t *ids, size_t n, long long *counts)
{
    if (n == 0)
        return 0;
    if (n > UNREAD_ROOMS_MAX)
        return -1;
    int streams = call->api->cfg.streams, with_internal = api_is_staff(call);
    struct unread_room *rooms = calloc(n, sizeof *rooms);
    char *lit[3] = {malloc(n * 21 + 3), malloc(n * 21 + 3), malloc(n * 21 + 3)};
    PGresult *r = NULL;
    int rc = -1;
    if (!rooms || !lit[0] || !lit[1] || !lit[2])
        goto done;
    /* The boundaries first, then PostgreSQL: a message persisted in between is
     * counted in the stream (SQL stops at the boundary), never twice. Each
     * stream is asked on its shard (lib/redis_shards.h). */
    struct crm_redis *rr = NULL;
    redisContext *c = NULL;
    for (size_t i = 0; i < n; i++) {
        rooms[i].id = ids[i];
        rooms[i].stream = crm_stream_of_room(ids[i], streams);
        counts[i] = 0;
        size_t j = 0;
        while (j < i && rooms[j].stream != rooms[i].stream)
            j++;
        if (j < i) {
            rooms[i].bms = rooms[j].bms, rooms[i].bseq = rooms[j].bseq;
            continue;
        }
        char name[CRM_STREAM_NAME_MAX];
        crm_stream_name(name, rooms[i].stream);
        c = api_stream_ctx(call->api, rooms[i].stream, &rr, c);
        if (!c || history_boundary(c, name, &rooms[i].bms, &rooms[i].bseq) < 0)
            goto redis_fail;
    }
    for (int k = 0; k < 3; k++)
        array_literal(lit[k], n, rooms, k);
    char viewer[24];
    snprintf(viewer, sizeof viewer, "%" PRId64, call->who.user_id);
    const char *params[] = {viewer, with_internal ? "t" : "f", lit[0], lit[1], lit[2]};
    r = sql_run(&call->api->db, SQL_UNREAD_COUNTS, 5, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
        goto done;
    for (int row = 0; row < PQntuples(r); row++) {
        int64_t id = strtoll(PQgetvalue(r, row, 0), NULL, 10);
        for (size_t i = 0; i < n; i++) {
            if (rooms[i].id != id)
                continue;
            counts[i] = strtoll(PQgetvalue(r, row, 1), NULL, 10);
            if (!PQgetisnull(r, row, 2)) {
                rooms[i].pms = strtoull(PQgetvalue(r, row, 2), NULL, 10);
                rooms[i].pseq = strtoull(PQgetvalue(r, row, 3), NULL, 10);
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && rooms[j].stream != rooms[i].stream)
            j++;
        if (j < i)
            continue; /* that stream was scanned */
        c = api_stream_ctx(call->api, rooms[i].stream, &rr, c);
        if (!c || scan_stream(c, rooms[i].stream, rooms, n, call->who.user_id, with_internal, counts) < 0)
            goto redis_fail;
    }
    rc = 0;
    goto done;
redis_fail:
    if (c && c->err)
        crm_redis_reset(rr);
done:
    PQclear(r);
    for (int k = 0; k < 3; k++)
        free(lit[k]);
    free(rooms);
    return rc;
}
