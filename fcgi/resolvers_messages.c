/* Resolvers: messages. sendMessage, messages, Message.sender. */
#include "config.h"

#include "api.h"
#include "audit.h"
#include "history.h"
#include "room_access.h"
#include "send.h"
#include "sql.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Memberships this process found, so that a sender posting to the same room
 * again skips the database round trip (about 320 us of CPU between crm-api and
 * PostgreSQL per sendMessage, measured in bench/api_bench.sh). Only "is a member"
 * is kept, for MEMBER_CACHE_SEC: the API has no way to remove a member, and one
 * removed in SQL loses access within that time. With it, the member's profile
 * (email, name, role, createdAt: one allocation, owned by the entry), which
 * sendMessage puts into the stream entry. Direct-mapped, per process. */
#define MEMBER_CACHE_SIZE 1024
#define MEMBER_CACHE_SEC 10
static struct member_cache_entry {
    int64_t room, user;
    long long until;
    char *profile;               /* owned: email, name, role, created, each NUL-ended */
    struct crm_entry_sender who; /* points into profile */
} member_cache[MEMBER_CACHE_SIZE];

static struct member_cache_entry *member_slot(int64_t room, int64_t user)
{
    uint64_t h = ((uint64_t)room * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)user * 0xC2B2AE3D27D4EB4Full);
    return &member_cache[(h >> 32) % MEMBER_CACHE_SIZE];
}

/* Keeps row 0 of an is_member result (email, name, role, created) in e. */
static void member_keep(struct member_cache_entry *e, const PGresult *r)
{
    size_t len[4], total = 0;
    for (int i = 0; i < 4; i++)
        total += (len[i] = (size_t)PQgetlength(r, 0, i)) + 1;
    char *p = malloc(total);
    free(e->profile);
    e->profile = p;
    memset(&e->who, 0, sizeof e->who);
    e->until = 0;
    if (!p)
        return; /* not cached: asked again next time */
    const char **dst[4] = {&e->who.email, &e->who.name, &e->who.role, &e->who.created};
    size_t *dlen[4] = {&e->who.email_len, &e->who.name_len, &e->who.role_len, &e->who.created_len};
    for (int i = 0; i < 4; i++) {
        memcpy(p, PQgetvalue(r, 0, i), len[i] + 1);
        *dst[i] = p;
        *dlen[i] = len[i];
        p += len[i] + 1;
    }
}

/* 1 when the caller belongs to room, 0 when not, -1 when the database is away.
 * When who is given and the caller is a member, *who is the caller's profile
 * (valid until the next call). */
static int is_member(struct api_call *call, int64_t room, struct crm_entry_sender *who)
{
    struct member_cache_entry *e = member_slot(room, call->who.user_id);
    if (e->until > call->now && e->room == room && e->user == call->who.user_id) {
        if (who)
            *who = e->who;
        return 1;
    }
    char sroom[24], suser[24];
    snprintf(sroom, sizeof sroom, "%" PRId64, room);
    snprintf(suser, sizeof suser, "%" PRId64, call->who.user_id);
    const char *params[] = {sroom, suser};
    PGresult *r = sql_run(&call->api->db, SQL_IS_MEMBER, 2, params);
    int rc = !r || PQresultStatus(r) != PGRES_TUPLES_OK ? -1 : PQntuples(r) == 1;
    if (rc == 1) {
        /* The row is the user's record: the role check needs no query of its own. */
        if (!call->role_checked)
            api_role_read(call, PQgetvalue(r, 0, 2));
        member_keep(e, r);
        if (e->profile) {
            e->room = room;
            e->user = call->who.user_id;
            e->until = call->now + MEMBER_CACHE_SEC;
        }
        if (who)
            *who = e->who; /* all NULL if out of memory: the entry goes without */
    }
    PQclear(r);
    return rc;
}

/* Refuses a room the caller is not in (or that does not exist), leaving an
 * access.denied audit record. */
static int room_forbidden(gql_resolve_info *info, struct api_call *call, int64_t room)
{
    audit_access_denied(&call->api->redis, call->who.user_id, room, info->field_name, call->client_addr);
    return gql_resolve_error(info, "FORBIDDEN", "You are not a member of this room.");
}

/* Why a sendMessage was refused before reaching Redis. */
enum send_refusal {
    SEND_INPUT_OK = 0,
    SEND_NOT_MEMBER,
    SEND_DB_DOWN,
    SEND_BAD_BODY,
    SEND_BAD_KEY,
    SEND_BAD_ENTRY,
    SEND_INTERNAL_FORBIDDEN, /* an internal note from a patient */
};

/* Checks the caller's membership of the input's room, filling e's room and sender. */
static enum send_refusal send_member(struct api_call *call, json_object *input, struct crm_stream_entry *e)
{
    if (api_parse_id(json_object_object_get(input, "roomId"), &e->room_id) < 0) {
        e->room_id = 0;
        return SEND_NOT_MEMBER;
    }
    int m = is_member(call, e->room_id, &e->who);
    if (m <= 0)
        return m < 0 ? SEND_DB_DOWN : SEND_NOT_MEMBER;
    return SEND_INPUT_OK;
}

/* The rest of the input, once the caller's role is known. */
static enum send_refusal send_content(struct api_call *call, json_object *input, struct crm_stream_entry *e)
{
    json_object *body_v = json_object_object_get(input, "body");
    json_object *key_v = json_object_object_get(input, "idempotencyKey");
    json_object *internal_v = json_object_object_get(input, "internal");
    e->internal = internal_v && json_object_get_boolean(internal_v);
    /* The role was read from the database by api_require_signed. */
    if (e->internal && !api_is_staff(call))
        return SEND_INTERNAL_FORBIDDEN;
    e->sender_id = call->who.user_id;
    e->body = json_object_get_string(body_v);
    e->body_len = (size_t)json_object_get_string_len(body_v);
    e->key = json_object_get_string(key_v);
    e->key_len = (size_t)json_object_get_string_len(key_v);
    int err = crm_stream_entry_validate(e);
    return err == 0                 ? SEND_INPUT_OK
           : err == CRM_ENTRY_EBODY ? SEND_BAD_BODY
           : err == CRM_ENTRY_EKEY  ? SEND_BAD_KEY
                                    : SEND_BAD_ENTRY;
}

/* Answers a sendMessage refused before its script ran. The script is where the
 * revocation is checked, so ask Redis first (api_require): a revoked token is
 * told UNAUTHENTICATED, as by every other field, never what else was wrong. */
static int send_refuse(gql_resolve_info *info, struct api_call *call, enum send_refusal why, int64_t room)
{
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    switch (why) {
    case SEND_DB_DOWN:
        return api_unavailable(info);
    case SEND_BAD_BODY:
        return gql_resolve_error(info, "BAD_USER_INPUT", "The body must be 1 to %d characters of text.",
                                 CRM_ENTRY_BODY_MAX_CHARS);
    case SEND_BAD_KEY:
        return gql_resolve_error(info, "BAD_USER_INPUT", "The idempotencyKey must be 1 to %d bytes.",
                                 CRM_ENTRY_KEY_MAX);
    case SEND_BAD_ENTRY:
        return gql_resolve_error(info, "BAD_USER_INPUT", "The message is not valid.");
    case SEND_INTERNAL_FORBIDDEN:
        return gql_resolve_error(info, "FORBIDDEN", "Only staff and admins write internal notes.");
    default:
        return room_forbidden(info, call, room);
    }
}

static int r_send_message(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    /* Revocation is checked by the send script, in the same round trip as the
     * write. The membership query comes before the role's: its row carries the
     * role, so a caller no cache knows costs one query, not two. */
    if (!call->authed || call->revocation == API_REVOCATION_REVOKED)
        return api_require_signed(info, call, NULL);
    json_object *input = api_arg(info, "input");
    struct crm_stream_entry e = {0};
    enum send_refusal why = send_member(call, input, &e);
    if (why == SEND_INPUT_OK) {
        int rc = api_require_signed(info, call, NULL);
        if (rc)
            return rc;
        why = send_content(call, input, &e);
    }
    if (why != SEND_INPUT_OK)
        return send_refuse(info, call, why, e.room_id);

    struct api_message m;
    long retry_ms = 0;
    int stream;
    struct crm_redis *shard = api_room_redis(call->api, e.room_id, &stream);
    enum send_status st = send_message(shard, &call->api->db, call->api->cfg.streams,
                                       call->api->cfg.send_rate, call->who.jti, &e, &m, &retry_ms);
    if (st == SEND_ACCEPTED || st == SEND_REPLAYED || st == SEND_RATE_LIMITED)
        call->revocation = API_REVOCATION_CLEAR; /* the script saw the key absent */
    switch (st) {
    case SEND_ACCEPTED:
    case SEND_REPLAYED:
        break;
    case SEND_RATE_LIMITED:
        return gql_resolve_error(info, "RATE_LIMITED",
                                 "Too many messages; try again in %ld ms with the same idempotencyKey.",
                                 retry_ms);
    case SEND_REVOKED:
        call->revocation = API_REVOCATION_REVOKED;
        return api_require_signed(info, call, NULL);
    default:
        /* Never a PENDING success when Redis did not take the entry. */
        return gql_resolve_error(info, "INTERNAL_SERVER_ERROR",
                                 "The message was not accepted; retry with the same idempotencyKey.");
    }
    *out = api_message_to_json(&m);
    api_message_deinit(&m);
    return *out ? 0 : GQL_ENOMEM;
}

static int r_messages(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    /* Members, and staff triaging an unassigned conversation. */
    struct room_access a;
    if ((rc = room_access(info, call, api_arg(info, "roomId"), 1, &a)))
        return rc;
    json_object_put(a.room);
    int64_t room = a.id;
    json_object *lv = api_arg(info, "limit"), *bv = api_arg(info, "before");
    int limit = lv ? json_object_get_int(lv) : 50;
    if (limit < 1 || limit > CRM_HISTORY_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "limit must be 1 to %d.", CRM_HISTORY_MAX);
    uint64_t bms = 0, bseq = 0;
    /* 0-0 parses but no message is before it (and Redis refuses "(0-0"). */
    if (bv && (crm_stream_id_parse(json_object_get_string(bv), (size_t)json_object_get_string_len(bv), &bms,
                                   &bseq) != 0 ||
               (bms == 0 && bseq == 0)))
        return gql_resolve_error(info, "BAD_USER_INPUT", "before must be a cursor from a message.");
    struct api_message *msgs;
    size_t n;
    int stream;
    struct crm_redis *shard = api_room_redis(call->api, room, &stream);
    if (history_load(&call->api->db, shard, call->api->cfg.streams, room, bv != NULL, bms, bseq, limit,
                     api_is_staff(call), &msgs, &n) != HISTORY_OK)
        return api_unavailable(info);
    json_object *list = json_object_new_array();
    for (size_t i = 0; i < n; i++)
        json_object_array_add(list, api_message_to_json(&msgs[i]));
    history_free(msgs, n);
    char target[40];
    snprintf(target, sizeof target, "room:%" PRId64, room);
    /* No record, no read: the bodies are not answered when the audit stream
     * does not take the record (Redis refusing writes, say). */
    if (audit_record_patient(&call->api->redis, call->who.user_id, "messages.read", target, call->client_addr,
                             a.member ? NULL : "{\"triage\":true}", a.patient_id) < 0) {
        json_object_put(list);
        return api_unavailable(info);
    }
    *out = list;
    return 0;
}

static int r_message_sender(gql_resolve_info *info, void *ctx, json_object **out)
{
    json_object *id = json_object_object_get(info->parent, "senderId");
    return api_user_lookup(info, ctx, json_object_get_string(id), out);
}

int api_register_messages(gql_engine *r)
{
    int rc;
    if ((rc = gql_engine_register(r, "Mutation.sendMessage", r_send_message)) ||
        (rc = gql_engine_register(r, "Query.messages", r_messages)) ||
        (rc = gql_engine_register(r, "Message.sender", r_message_sender)))
        return rc;
    return 0;
}
