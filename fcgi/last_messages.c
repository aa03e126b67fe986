#include "config.h"

#include "last_messages.h"

#include "audit.h"
#include "history.h"
#include "log.h"
#include "message.h"
#include "persisted_boundary.h"
#include "room_access.h"
#include "sql.h"
#include "streams.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_CHUNK 500

/* One room of the page and the newest message found for it so far. */
struct page_room {
    int64_t id;
    int64_t patient;
    int found;
    struct api_message m;
};

/* The page's rooms of one stream partition, and what Redis said of it. */
struct page_stream {
    int partition;
    uint64_t lo_ms, lo_seq; /* the persisted boundary */
};

static struct page_room *find_room(struct page_room *rooms, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (rooms[i].id == id)
            return &rooms[i];
    return NULL;
}

/* Keeps m as room's newest when it is newer (equal positions: the persisted
 * copy). m is taken (deinitialised when not kept). */
static void offer(struct page_room *room, struct api_message *m)
{
    int c = room->found ? api_message_cmp(m, &room->m) : 1;
    if (c > 0 || (c == 0 && m->persisted && !room->m.persisted)) {
        if (room->found)
            api_message_deinit(&room->m);
        room->m = *m;
        room->found = 1;
    } else {
        api_message_deinit(m);
    }
}

/* The persisted boundary of every stream in ss, in one pipelined round trip
 * (the three facts of each, lib/persisted_boundary.h). 0 or -1. */
static int boundaries(redisContext *c, struct page_stream *ss, size_t ns, int nshards, int shard)
{
    char name[CRM_STREAM_NAME_MAX];
    for (size_t i = 0; i < ns; i++) {
        if (crm_shard_of_stream(ss[i].partition, nshards) != shard)
            continue;
        crm_stream_name(name, ss[i].partition);
        redisAppendCommand(c, "XRANGE %s - + COUNT 1", name);
        redisAppendCommand(c, "XPENDING %s %s", name, CRM_WORKER_GROUP);
        redisAppendCommand(c, "XINFO GROUPS %s", name);
    }
    int rc = 0;
    for (size_t i = 0; i < ns; i++) {
        if (crm_shard_of_stream(ss[i].partition, nshards) != shard)
            continue;
        redisReply *r[3] = {NULL, NULL, NULL};
        for (int k = 0; k < 3; k++)
            if (redisGetReply(c, (void **)&r[k]) != REDIS_OK)
                rc = -1; /* the link is broken: every later read fails too */
        struct crm_stream_facts f;
        if (rc == 0 && crm_stream_facts_parse(r[0], r[1], r[2], &f) == 0)
            crm_persisted_boundary(&f, &ss[i].lo_ms, &ss[i].lo_seq);
        else
            rc = -1;
        for (int k = 0; k < 3; k++)
            if (r[k])
                freeReplyObject(r[k]);
    }
    return rc;
}

/* Reads stream s's unpersisted tail newest first until every page room of the
 * partition has an entry there or the tail ends (at most CRM_HISTORY_SCAN_MAX
 * entries). 0 or -1. */
static int scan_tail(redisContext *c, const struct page_stream *s, struct page_room *rooms, size_t n,
                     int streams, int with_internal)
{
    char name[CRM_STREAM_NAME_MAX], hi[CRM_ENTRY_ID_MAX + 1] = "+", lo[CRM_ENTRY_ID_MAX], count[16];
    size_t want = 0, got = 0;
    for (size_t i = 0; i < n; i++)
        want += crm_stream_of_room(rooms[i].id, streams) == s->partition;
    crm_stream_name(name, s->partition);
    snprintf(lo, sizeof lo, "%" PRIu64 "-%" PRIu64, s->lo_ms, s->lo_seq);
    snprintf(count, sizeof count, "%d", SCAN_CHUNK);
    int scanned = 0;
    unsigned char *seen = calloc(n ? n : 1, 1); /* rooms whose newest pending entry is known */
    if (!seen)
        return -1;
    while (got < want && scanned < CRM_HISTORY_SCAN_MAX) {
        const char *argv[] = {"XREVRANGE", name, hi, lo, "COUNT", count};
        redisReply *rep = redisCommandArgv(c, 6, argv, NULL);
        if (!rep || rep->type != REDIS_REPLY_ARRAY) {
            if (rep)
                freeReplyObject(rep);
            free(seen);
            return -1;
        }
        size_t k = rep->elements;
        for (size_t i = 0; i < k; i++) {
            redisReply *ent = rep->element[i];
            struct crm_stream_entry e;
            if (ent->type != REDIS_REPLY_ARRAY || ent->elements != 2 ||
                crm_stream_entry_parse(ent->element[1], &e) != 0 || (e.internal && !with_internal))
                continue;
            struct page_room *room = find_room(rooms, n, e.room_id);
            if (!room || seen[room - rooms])
                continue;
            struct api_message m;
            if (api_message_from_entry(&m, ent->element[0]->str, ent->element[0]->len, &e) != 0)
                continue;
            seen[room - rooms] = 1;
            got++;
            offer(room, &m);
        }
        if (k > 0)
            snprintf(hi, sizeof hi, "(%s", rep->element[k - 1]->element[0]->str);
        scanned += (int)k;
        freeReplyObject(rep);
        if (k < SCAN_CHUNK)
            break;
    }
    free(seen);
    return 0;
}

/* The newest message of every room in PostgreSQL, one query. 0 or -1. */
static int load_persisted(struct crm_db *db, struct page_room *rooms, size_t n, int with_internal)
{
    char *ids = malloc(n * 21 + 3);
    if (!ids)
        return -1;
    size_t o = 0;
    ids[o++] = '{';
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(ids + o, "%s%" PRId64, i ? "," : "", rooms[i].id);
    ids[o++] = '}';
    ids[o] = '\0';
    const char *params[] = {ids, with_internal ? "t" : "f"};
    PGresult *r = sql_run(db, SQL_LAST_MESSAGES, 2, params);
    free(ids);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        struct api_message m = {0};
        m.room_id = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        m.sender_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
        m.body = strdup(PQgetvalue(r, i, 2));
        m.key = strdup(PQgetvalue(r, i, 3));
        m.ms = strtoull(PQgetvalue(r, i, 4), NULL, 10);
        m.seq = strtoull(PQgetvalue(r, i, 5), NULL, 10);
        m.persisted = 1;
        m.internal = PQgetvalue(r, i, 6)[0] == 't';
        struct page_room *room = find_room(rooms, n, m.room_id);
        if (!m.body || !m.key || !room) {
            api_message_deinit(&m);
            continue;
        }
        offer(room, &m);
    }
    PQclear(r);
    return 0;
}

/* The page's messages.read records: one per patient (audit_log.patient_id
 * holds one), each naming its rooms, in one round trip. 0 or -1. */
static int audit_page(struct api_call *call, const struct page_room *rooms, size_t n)
{
    const char **targets = calloc(n ? n : 1, sizeof *targets);
    const char **details = calloc(n ? n : 1, sizeof *details);
    char **owned = calloc(n ? n : 1, sizeof *owned);
    int64_t *patients = calloc(n ? n : 1, sizeof *patients);
    unsigned char *done = calloc(n ? n : 1, 1);
    int k = 0, rc = -1;
    if (!targets || !details || !owned || !patients || !done)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!rooms[i].found || done[i])
            continue;
        json_object *ids = json_object_new_array();
        int count = 0;
        int64_t only = 0;
        for (size_t j = i; j < n; j++) {
            if (!rooms[j].found || done[j] || rooms[j].patient != rooms[i].patient)
                continue;
            char id[24];
            snprintf(id, sizeof id, "%" PRId64, rooms[j].id);
            json_object_array_add(ids, json_object_new_string(id));
            done[j] = 1;
            only = rooms[j].id;
            count++;
        }
        json_object *d = json_object_new_object();
        json_object_object_add(d, "via", json_object_new_string("inbox"));
        json_object_object_add(d, "rooms", ids);
        const char *text = json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN);
        char target[40] = "";
        /* One room: its target, so that auditLog(roomId) finds the read. */
        if (count == 1)
            snprintf(target, sizeof target, "room:%" PRId64, only);
        size_t tl = strlen(target), dl = strlen(text);
        owned[k] = malloc(tl + 1 + dl + 1);
        if (!owned[k]) {
            json_object_put(d);
            goto out;
        }
        memcpy(owned[k], target, tl + 1);
        memcpy(owned[k] + tl + 1, text, dl + 1);
        json_object_put(d);
        targets[k] = owned[k];
        details[k] = owned[k] + tl + 1;
        patients[k] = rooms[i].patient;
        k++;
    }
    rc = audit_record_batch(&call->api->redis, call->who.user_id, "messages.read", call->client_addr, k,
                            targets, details, patients);
out:
    for (int i = 0; i < k; i++)
        free(owned[i]);
    free(owned);
    free(targets);
    free(details);
    free(patients);
    free(done);
    return rc;
}

/* Loads the page's last messages into call->last_messages (room id -> Message
 * or null). 0 or -1 (unavailable). */
static int load_page(struct api_call *call)
{
    size_t n = json_object_array_length(call->page_rooms), ns = 0;
    int streams = call->api->cfg.streams, staff = api_is_staff(call), rc = -1;
    struct page_room *rooms = calloc(n ? n : 1, sizeof *rooms);
    struct page_stream *ss = calloc(n ? n : 1, sizeof *ss);
    if (!rooms || !ss)
        goto out;
    for (size_t i = 0; i < n; i++) {
        json_object *room = json_object_array_get_idx(call->page_rooms, i);
        json_object *pv = json_object_object_get(room, "patientId");
        rooms[i].id = strtoll(json_object_get_string(json_object_object_get(room, "id")), NULL, 10);
        rooms[i].patient = pv ? strtoll(json_object_get_string(pv), NULL, 10) : 0;
        int p = crm_stream_of_room(rooms[i].id, streams);
        size_t j = 0;
        while (j < ns && ss[j].partition != p)
            j++;
        if (j == ns)
            ss[ns++].partition = p;
    }
    /* The streams first, then PostgreSQL (as history does): an entry persisted
     * in between is then in both (the persisted copy wins), not in neither.
     * One pipelined round trip per shard holding a page stream. */
    struct crm_redis *rr = NULL;
    redisContext *c = NULL;
    int nshards = call->api->shards.n > 1 ? call->api->shards.n : 1;
    for (int k = 0; k < nshards; k++) {
        size_t i = 0;
        while (i < ns && crm_shard_of_stream(ss[i].partition, nshards) != k)
            i++;
        if (i == ns)
            continue;
        c = api_stream_ctx(call->api, ss[i].partition, &rr, c);
        if (!c || boundaries(c, ss, ns, nshards, k) < 0)
            goto redis_fail;
    }
    for (size_t i = 0; i < ns; i++) {
        if (ss[i].lo_ms == CRM_BOUNDARY_ALL_MS)
            continue;
        c = api_stream_ctx(call->api, ss[i].partition, &rr, c);
        if (!c || scan_tail(c, &ss[i], rooms, n, streams, staff) < 0)
            goto redis_fail;
    }
    if (load_persisted(&call->api->db, rooms, n, staff) < 0)
        goto out;
    /* A body is patient data: not answered without its audit record. */
    if (audit_page(call, rooms, n) < 0)
        goto out;
    call->last_messages = json_object_new_object();
    for (size_t i = 0; i < n; i++) {
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, rooms[i].id);
        json_object_object_add(call->last_messages, id,
                               rooms[i].found ? api_message_to_json(&rooms[i].m) : NULL);
    }
    rc = 0;
    goto out;
redis_fail:
    if (c && c->err)
        crm_redis_reset(rr);
out:
    for (size_t i = 0; rooms && i < n; i++)
        if (rooms[i].found)
            api_message_deinit(&rooms[i].m);
    free(rooms);
    free(ss);
    return rc;
}

void api_page_rooms(struct api_call *call, json_object *rooms)
{
    api_page_free(call);
    call->page_rooms = json_object_get(rooms);
}

int last_message_of_page(gql_resolve_info *info, struct api_call *call, const char *room, json_object **out,
                         int *answered)
{
    *answered = 0;
    *out = NULL;
    if (!call->page_rooms)
        return 0;
    if (!call->last_messages) {
        int on_page = 0;
        for (size_t i = 0; i < json_object_array_length(call->page_rooms) && !on_page; i++)
            on_page = strcmp(json_object_get_string(json_object_object_get(
                                 json_object_array_get_idx(call->page_rooms, i), "id")),
                             room) == 0;
        if (!on_page)
            return 0;
        if (call->page_failed || load_page(call) < 0) {
            call->page_failed = 1; /* one attempt per request: the rest fail alike */
            return api_unavailable(info);
        }
    }
    json_object *m;
    if (!json_object_object_get_ex(call->last_messages, room, &m))
        return 0;
    *answered = 1;
    *out = m ? json_object_get(m) : NULL;
    return 0;
}

void api_page_free(struct api_call *call)
{
    json_object_put(call->page_rooms);
    json_object_put(call->last_messages);
    call->page_rooms = NULL;
    call->last_messages = NULL;
    call->page_failed = 0;
}
