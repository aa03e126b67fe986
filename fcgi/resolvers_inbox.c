/* Resolvers: the inbox. inbox, startConversation, assignConversation,
 * setConversationStatus, setTags, Room.patient, Room.assignee. */
#include "config.h"

#include "api.h"
#include "audit.h"
#include "live_events.h"
#include "last_messages.h"
#include "room_access.h"
#include "send.h"
#include "sql.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INBOX_LIMIT_MAX 100
#define SUBJECT_MAX 120 /* characters */
#define TAG_MAX 32      /* bytes: lowercase letters, digits, '-' */
#define TAGS_MAX 10

/* A tag: 1..TAG_MAX of [a-z0-9-]. */
static int tag_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 1 || n > TAG_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '-'))
            return 0;
    return 1;
}

/* Parses an inbox cursor "<updated_at in us>:<room id>". 0 or -1. */
static int cursor_parse(const char *s, char *us, char *id)
{
    const char *colon = strchr(s, ':');
    int64_t v;
    if (!colon || colon == s || (size_t)(colon - s) > 19)
        return -1;
    for (const char *p = s; p < colon; p++)
        if (*p < '0' || *p > '9')
            return -1;
    if (crm_decimal_id_parse(colon + 1, strlen(colon + 1), &v) < 0)
        return -1;
    snprintf(us, 24, "%.*s", (int)(colon - s), s);
    snprintf(id, 24, "%" PRId64, v);
    return 0;
}

static int bad(gql_resolve_info *info, const char *msg)
{
    return gql_resolve_error(info, "BAD_USER_INPUT", "%s", msg);
}

static int r_inbox(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    json_object *f = api_arg(info, "filter"), *lv = api_arg(info, "limit"), *av = api_arg(info, "after");
    int limit = lv ? json_object_get_int(lv) : 50;
    if (limit < 1 || limit > INBOX_LIMIT_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "limit must be 1 to %d.", INBOX_LIMIT_MAX);
    char us[24], after_id[24];
    if (av && cursor_parse(json_object_get_string(av), us, after_id) < 0)
        return bad(info, "after must be the next cursor of an inbox page.");
    json_object *status = f ? json_object_object_get(f, "status") : NULL;
    json_object *mine = f ? json_object_object_get(f, "mine") : NULL;
    json_object *unassigned = f ? json_object_object_get(f, "unassigned") : NULL;
    json_object *tag = f ? json_object_object_get(f, "tag") : NULL;
    json_object *patient = f ? json_object_object_get(f, "patientId") : NULL;
    int64_t pid = 0;
    if (tag && !tag_ok(json_object_get_string(tag)))
        return bad(info, "tag must be 1 to 32 lowercase letters, digits or '-'.");
    if (patient && api_parse_id(patient, &pid) < 0)
        return bad(info, "patientId is not a user id.");
    char suser[24], spid[24], slimit[16];
    snprintf(suser, sizeof suser, "%" PRId64, call->who.user_id);
    snprintf(spid, sizeof spid, "%" PRId64, pid);
    snprintf(slimit, sizeof slimit, "%d", limit + 1); /* one more: is there a next page? */
    const char *params[] = {suser,
                            status ? json_object_get_string(status) : NULL,
                            mine && json_object_get_boolean(mine) ? "t" : "f",
                            unassigned && json_object_get_boolean(unassigned) ? "t" : "f",
                            tag ? json_object_get_string(tag) : NULL,
                            patient ? spid : NULL,
                            av ? us : NULL,
                            av ? after_id : NULL,
                            slimit};
    /* A patient's inbox is ordered by what they see (public_updated_at). */
    int staff = api_is_staff(call);
    enum sql_stmt s = !staff ? SQL_INBOX_PATIENT : patient ? SQL_INBOX_OF_PATIENT : SQL_INBOX;
    PGresult *r = api_query(info, call, s, 9, params, &rc);
    if (!r)
        return rc;
    int n = PQntuples(r), shown = n > limit ? limit : n;
    json_object *rooms = json_object_new_array();
    for (int i = 0; i < shown; i++)
        json_object_array_add(rooms, room_json(r, i));
    api_users_preload(call, rooms);
    /* Room.lastMessage of these rooms then costs one query and one audit
     * round trip for the page, not a history read and a record per room. */
    api_page_rooms(call, rooms);
    json_object *page = json_object_new_object();
    json_object_object_add(page, "rooms", rooms);
    if (n > limit) {
        char next[48];
        room_cursor(r, shown - 1, !staff, next);
        json_object_object_add(page, "next", json_object_new_string(next));
    } else {
        json_object_object_add(page, "next", NULL);
    }
    PQclear(r);
    *out = page;
    return 0;
}

/* The conversation of (patient, key), if it exists: 1 found (*room set), 0 not,
 * -1 the database is unavailable. */
static int conversation_by_key(struct api_call *call, const char *patient, const char *key,
                               json_object **room)
{
    const char *params[] = {patient, key};
    PGresult *r = sql_run(&call->api->db, SQL_ROOM_BY_START_KEY, 2, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return -1;
    }
    int found = PQntuples(r) == 1;
    if (found)
        *room = room_json(r, 0);
    PQclear(r);
    return found;
}

/* Creates the conversation of (patient, key) unless a racing request just did:
 * 1 created, 0 it existed, -1 unavailable. *room is it either way. */
static int conversation_create(struct api_call *call, const char *patient, const char *subject,
                               const char *key, json_object **room)
{
    struct crm_db *db = &call->api->db;
    if (sql_tx(db, "BEGIN") < 0)
        return -1;
    const char *params[] = {subject, patient, key};
    PGresult *r = sql_run(db, SQL_CONVERSATION_INSERT, 3, params);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
        goto fail;
    if (PQntuples(r) == 0) {
        /* The unique (patient, key) index made this request wait for a racing
         * one, which committed: answer its room. */
        PQclear(r);
        sql_tx(db, "ROLLBACK");
        return conversation_by_key(call, patient, key, room) == 1 ? 0 : -1;
    }
    *room = room_json(r, 0);
    char sroom[24];
    snprintf(sroom, sizeof sroom, "%s", PQgetvalue(r, 0, ROOM_COL_ID));
    PQclear(r);
    const char *mparams[] = {sroom, patient, patient};
    r = sql_run(db, SQL_MEMBER_INSERT, 3, mparams);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK)
        goto fail;
    PQclear(r);
    if (sql_tx(db, "COMMIT") < 0) {
        json_object_put(*room);
        *room = NULL;
        return -1;
    }
    return 1;
fail:
    PQclear(r);
    sql_tx(db, "ROLLBACK");
    json_object_put(*room);
    *room = NULL;
    return -1;
}

static int r_start_conversation(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "PATIENT");
    if (rc)
        return rc;
    const char *subject = json_object_get_string(api_arg(info, "subject"));
    json_object *body_v = api_arg(info, "body"), *key_v = api_arg(info, "idempotencyKey");
    long chars = crm_utf8_count(subject, strlen(subject));
    if (chars < 1 || chars > SUBJECT_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "The subject must be 1 to %d characters.",
                                 SUBJECT_MAX);
    /* The first message follows sendMessage's rules; checked before anything is made. */
    struct crm_stream_entry e = {0};
    e.room_id = 1;
    e.sender_id = call->who.user_id;
    e.body = json_object_get_string(body_v);
    e.body_len = (size_t)json_object_get_string_len(body_v);
    e.key = json_object_get_string(key_v);
    e.key_len = (size_t)json_object_get_string_len(key_v);
    int err = crm_stream_entry_validate(&e);
    if (err == CRM_ENTRY_EBODY)
        return gql_resolve_error(info, "BAD_USER_INPUT", "The body must be 1 to %d characters of text.",
                                 CRM_ENTRY_BODY_MAX_CHARS);
    if (err || strlen(e.key) != e.key_len)
        return gql_resolve_error(info, "BAD_USER_INPUT", "The idempotencyKey must be 1 to %d bytes.",
                                 CRM_ENTRY_KEY_MAX);
    char me[24];
    snprintf(me, sizeof me, "%" PRId64, call->who.user_id);
    json_object *room = NULL;
    int created = conversation_by_key(call, me, e.key, &room);
    if (created == 0) {
        /* A new conversation: within the patient's limit. */
        const char *params[] = {me};
        PGresult *r = api_query(info, call, SQL_CONVERSATIONS_SINCE, 1, params, &rc);
        if (!r)
            return rc;
        long recent = strtol(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        if (recent >= call->api->cfg.conversation_rate)
            return gql_resolve_error(info, "RATE_LIMITED",
                                     "At most %d new conversations a day; write in an open one.",
                                     call->api->cfg.conversation_rate);
        created = conversation_create(call, me, subject, e.key, &room);
    } else if (created == 1) {
        created = 0; /* found: the same key answers the same room */
    }
    if (created < 0)
        return api_unavailable(info);
    e.room_id = strtoll(json_object_get_string(json_object_object_get(room, "id")), NULL, 10);
    /* The first message takes the normal path (stream, worker). Sent again on a
     * repeated key: the message's own key makes that a replay, and a request
     * that failed after the room was made completes here. */
    struct api_message m;
    long retry_ms = 0;
    int stream;
    struct crm_redis *shard = api_room_redis(call->api, e.room_id, &stream);
    enum send_status st = send_message(shard, &call->api->db, call->api->cfg.streams,
                                       call->api->cfg.send_rate, call->who.jti, &e, &m, &retry_ms);
    if (st == SEND_ACCEPTED || st == SEND_REPLAYED)
        api_message_deinit(&m);
    if (created == 1) {
        char target[40];
        snprintf(target, sizeof target, "room:%" PRId64, e.room_id);
        audit_record_patient(&call->api->redis, call->who.user_id, "conversation.start", target,
                             call->client_addr, NULL, call->who.user_id);
        /* Staff inboxes learn of the new unassigned conversation (committed above). */
        live_room_changed(call, e.room_id, "created", NULL, NULL);
    }
    if (st == SEND_RATE_LIMITED) {
        json_object_put(room);
        return gql_resolve_error(info, "RATE_LIMITED",
                                 "Too many messages; try again in %ld ms with the same idempotencyKey.",
                                 retry_ms);
    }
    if (st == SEND_REVOKED) {
        json_object_put(room);
        call->revocation = API_REVOCATION_REVOKED;
        return api_require_signed(info, call, NULL);
    }
    if (st != SEND_ACCEPTED && st != SEND_REPLAYED) {
        json_object_put(room);
        return gql_resolve_error(info, "INTERNAL_SERVER_ERROR",
                                 "The message was not accepted; retry with the same idempotencyKey.");
    }
    *out = room;
    return 0;
}

/* Runs an UPDATE of the room answering its row (SQL_ROOM_*), records action on
 * the room's patient with detail, publishes the room event kind and answers
 * the room. a is released. */
static int room_update(gql_resolve_info *info, struct api_call *call, struct room_access *a, enum sql_stmt s,
                       const char *value, const char *action, const char *kind, json_object *detail,
                       json_object **out)
{
    char sroom[24];
    snprintf(sroom, sizeof sroom, "%" PRId64, a->id);
    json_object_put(a->room);
    const char *params[] = {sroom, value};
    int rc;
    PGresult *r = api_query(info, call, s, 2, params, &rc);
    if (!r) {
        json_object_put(detail);
        return rc;
    }
    json_object *room = PQntuples(r) == 1 ? room_json(r, 0) : NULL;
    PQclear(r);
    char target[40];
    snprintf(target, sizeof target, "room:%" PRId64, a->id);
    audit_record_json_patient(&call->api->redis, call->who.user_id, action, target, call->client_addr, detail,
                              a->patient_id);
    json_object_put(detail);
    if (!room)
        return api_unavailable(info);
    live_room_changed(call, a->id, kind, NULL, NULL);
    *out = room;
    return 0;
}

static int r_assign(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "STAFF,ADMIN");
    if (rc)
        return rc;
    struct room_access a;
    if ((rc = room_access(info, call, api_arg(info, "roomId"), 1, &a)))
        return rc;
    json_object *idv = api_arg(info, "assigneeId");
    int64_t assignee = call->who.user_id;
    if (idv && api_parse_id(idv, &assignee) < 0) {
        json_object_put(a.room);
        return bad(info, "Unknown user.");
    }
    char sassignee[24], sroom[24], sby[24];
    snprintf(sassignee, sizeof sassignee, "%" PRId64, assignee);
    snprintf(sroom, sizeof sroom, "%" PRId64, a.id);
    snprintf(sby, sizeof sby, "%" PRId64, call->who.user_id);
    const char *uparams[] = {sassignee};
    PGresult *r = api_query(info, call, SQL_USER_BY_ID, 1, uparams, &rc);
    if (!r) {
        json_object_put(a.room);
        return rc;
    }
    int found = PQntuples(r) == 1, patient = found && strcmp(PQgetvalue(r, 0, 3), "PATIENT") == 0;
    PQclear(r);
    if (!found || patient) {
        json_object_put(a.room);
        return bad(info, found ? "Only staff and admins can be assigned." : "Unknown user.");
    }
    /* The assignee becomes a member in the same transaction. */
    json_object_put(a.room);
    struct crm_db *db = &call->api->db;
    if (sql_tx(db, "BEGIN") < 0)
        return api_unavailable(info);
    const char *params[] = {sroom, sassignee};
    r = sql_run(db, SQL_ROOM_ASSIGN, 2, params);
    int ok = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    json_object *room = ok ? room_json(r, 0) : NULL;
    PQclear(r);
    if (ok) {
        const char *mparams[] = {sroom, sassignee, sby};
        r = sql_run(db, SQL_MEMBER_INSERT, 3, mparams);
        ok = r && PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
    }
    if (!ok || sql_tx(db, "COMMIT") < 0) {
        sql_tx(db, "ROLLBACK");
        json_object_put(room);
        return api_unavailable(info);
    }
    room_members_changed(call, a.id);
    char target[40];
    snprintf(target, sizeof target, "room:%" PRId64, a.id);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "assigneeId", json_object_new_string(sassignee));
    audit_record_json_patient(&call->api->redis, call->who.user_id, "room.assign", target, call->client_addr,
                              d, a.patient_id);
    json_object_put(d);
    /* The assignee before this change, as room_access read it just before: the
     * previous assignee's inbox drops the room. */
    char sprev[24];
    snprintf(sprev, sizeof sprev, "%" PRId64, a.assignee_id);
    live_room_changed(call, a.id, "assignee", a.assignee_id ? "previous" : NULL, sprev);
    *out = room;
    return 0;
}

static int r_set_status(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "STAFF,ADMIN");
    if (rc)
        return rc;
    struct room_access a;
    if ((rc = room_access(info, call, api_arg(info, "roomId"), 1, &a)))
        return rc;
    const char *status = json_object_get_string(api_arg(info, "status"));
    json_object *d = json_object_new_object();
    json_object_object_add(d, "status", json_object_new_string(status));
    return room_update(info, call, &a, SQL_ROOM_STATUS, status, "room.status", "status", d, out);
}

static int r_set_tags(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "STAFF,ADMIN");
    if (rc)
        return rc;
    json_object *tags = api_arg(info, "tags");
    size_t n = tags ? json_object_array_length(tags) : 0;
    /* Checked before the room: a bad list changes nothing whatever the room. */
    const char *kept[TAGS_MAX];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = json_object_get_string(json_object_array_get_idx(tags, i));
        if (!tag_ok(t))
            return bad(info, "A tag is 1 to 32 lowercase letters, digits or '-'.");
        size_t j = 0;
        while (j < k && strcmp(kept[j], t) != 0)
            j++;
        if (j < k)
            continue; /* a duplicate, folded */
        if (k == TAGS_MAX)
            return gql_resolve_error(info, "BAD_USER_INPUT", "At most %d tags.", TAGS_MAX);
        kept[k++] = t;
    }
    struct room_access a;
    if ((rc = room_access(info, call, api_arg(info, "roomId"), 1, &a)))
        return rc;
    /* An array literal: tags hold no quote, comma, brace or space. */
    char literal[TAGS_MAX * (TAG_MAX + 1) + 3];
    size_t o = 0;
    literal[o++] = '{';
    for (size_t i = 0; i < k; i++)
        o += (size_t)snprintf(literal + o, sizeof literal - o, "%s%s", i ? "," : "", kept[i]);
    literal[o++] = '}';
    literal[o] = '\0';
    json_object *d = json_object_new_object();
    json_object_object_add(d, "count", json_object_new_int((int)k));
    return room_update(info, call, &a, SQL_ROOM_TAGS, literal, "room.tags", "tags", d, out);
}

static int r_room_patient(gql_resolve_info *info, void *ctx, json_object **out)
{
    json_object *id = json_object_object_get(info->parent, "patientId");
    return api_user_lookup(info, ctx, id ? json_object_get_string(id) : NULL, out);
}

/* Staff see every change; a patient the time internal notes do not move. */
static int r_room_updated_at(gql_resolve_info *info, void *ctx, json_object **out)
{
    json_object *v = api_is_staff(ctx) ? NULL : json_object_object_get(info->parent, "publicUpdatedAt");
    if (!v)
        v = json_object_object_get(info->parent, "updatedAt");
    *out = v ? json_object_get(v) : NULL;
    return 0;
}

static int r_room_assignee(gql_resolve_info *info, void *ctx, json_object **out)
{
    json_object *id = json_object_object_get(info->parent, "assigneeId");
    return api_user_lookup(info, ctx, id ? json_object_get_string(id) : NULL, out);
}

int api_register_inbox(gql_engine *r)
{
    int rc;
    if ((rc = gql_engine_register(r, "Query.inbox", r_inbox)) ||
        (rc = gql_engine_register(r, "Mutation.startConversation", r_start_conversation)) ||
        (rc = gql_engine_register(r, "Mutation.assignConversation", r_assign)) ||
        (rc = gql_engine_register(r, "Mutation.setConversationStatus", r_set_status)) ||
        (rc = gql_engine_register(r, "Mutation.setTags", r_set_tags)) ||
        (rc = gql_engine_register(r, "Room.patient", r_room_patient)) ||
        (rc = gql_engine_register(r, "Room.assignee", r_room_assignee)) ||
        (rc = gql_engine_register(r, "Room.updatedAt", r_room_updated_at)))
        return rc;
    return 0;
}
