/* crm-api's state: one per process (struct api) and one per request
 * (struct api_call, the context every resolver gets). */
#ifndef CRM_API_API_H
#define CRM_API_API_H

#include <json-c/json.h>
#include <stdint.h>

#include "crm_config.h"
#include "db.h"
#include "gql/gql_engine.h"
#include "redis_shards.h"
#include "redis_sync.h"
#include "streams.h"
#include "token.h"

#include <libpq-fe.h>

/* Adds key: v to an object being built, where key is a string literal added
 * once: json-c then neither copies the key nor looks it up first (a page of
 * rooms or users builds hundreds of these per request). */
static inline void api_put(json_object *o, const char *key, json_object *v)
{
    json_object_object_add_ex(o, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_ADD_CONSTANT_KEY);
}

struct api {
    struct crm_config cfg;
    struct crm_db db;
    struct crm_redis redis;                 /* the main Redis: shard 0 */
    struct crm_shards shards;               /* where the message streams live */
    struct crm_redis shard[CRM_SHARDS_MAX]; /* shard k >= 1 ([0] unused: redis) */
};

/* The Redis holding message stream `stream` (lib/redis_shards.h). */
static inline struct crm_redis *api_stream_redis(struct api *api, int stream)
{
    int k = api->shards.n > 1 ? crm_shard_of_stream(stream, api->shards.n) : 0;
    return k == 0 ? &api->redis : &api->shard[k];
}

/* The connection to stream's shard in a loop over streams: c, the one in hand
 * for *rr, when it is that shard's (one liveness check a request per Redis, as
 * with one Redis), else a connection of the right one (*rr updated). NULL when
 * Redis cannot be reached. */
static inline redisContext *api_stream_ctx(struct api *api, int stream, struct crm_redis **rr,
                                           redisContext *c)
{
    struct crm_redis *want = api_stream_redis(api, stream);
    if (c && want == *rr && !c->err)
        return c;
    *rr = want;
    return crm_redis_get(want);
}

/* The Redis holding room's stream, and that stream's number in *stream. */
static inline struct crm_redis *api_room_redis(struct api *api, int64_t room, int *stream)
{
    *stream = crm_stream_of_room(room, api->cfg.streams);
    return api_stream_redis(api, *stream);
}

/* What this request knows of its token's revocation. Asked of Redis at most once
 * a request, and only when a field needs the caller. */
enum api_revocation {
    API_REVOCATION_UNKNOWN = 0, /* not asked yet */
    API_REVOCATION_CLEAR,       /* Redis said: not revoked */
    API_REVOCATION_REVOKED,
};

struct api_call {
    struct api *api;
    const char *client_addr;        /* REMOTE_ADDR, borrowed */
    int authed;                     /* 1: who is a verified token (signature, exp) */
    enum api_revocation revocation; /* whether who was revoked (logout) */
    struct crm_token_claims who;    /* who.role: the token's claim until role_checked */
    int role_checked;               /* 1: who.role was replaced by the user's record */
    long long now;                  /* seconds since the epoch, fixed for the request */
    json_object *users;             /* per-request cache id -> User value; owned */
    json_object *page_rooms;        /* the inbox page's rooms (last_messages.h); owned */
    json_object *last_messages;     /* their room id -> last Message or null, once loaded; owned */
    int page_failed;                /* loading them failed: every lastMessage of the page fails */
    json_object *unread;            /* per-request cache room id -> unreadCount; owned */
    json_object *receipts;          /* per-request cache room id -> readReceipts (array); owned */
    json_object *online;            /* per-request cache user id -> User.online; owned */
    json_object *instances;         /* live crm-pushd instances (array), asked once a request */
};

/* Fails the field with UNAUTHENTICATED unless the caller is signed in with a token
 * that is not revoked (asked of Redis once a request; Redis away fails the field
 * as unavailable) by a user who still exists, and with FORBIDDEN unless their
 * role, read from the database (cached for CRM_ROLE_CACHE_TTL seconds, never
 * taken from the token), is one of roles ("ADMIN",
 * "STAFF,ADMIN"; NULL: any). Returns 0 to go on, else the error to return from
 * the resolver. */
int api_require(gql_resolve_info *info, struct api_call *call, const char *roles);

/* api_require without asking Redis about revocation: for a resolver whose one
 * Redis write checks the revocation key itself, atomically with the write (the
 * send script), and that records the answer in call->revocation. Such a resolver
 * must refuse through api_require on every path that does not reach that write. */
int api_require_signed(gql_resolve_info *info, struct api_call *call, const char *roles);

/* The caller's role as a query of this request just read it from the users
 * table (a join that brought it along): role_checked without a query of its own. */
void api_role_read(struct api_call *call, const char *role);

/* The GraphQL User value from a users row (id, email, display_name, role,
 * created_at) at row i, starting at column col. A patient viewer sees other
 * users' names and roles only: their email is given as "". */
json_object *api_user_json(const struct api_call *call, const PGresult *r, int i, int col);

/* The User value of user id (a decimal string; NULL answers null), cached per
 * request: a page of 100 messages from two people costs two lookups. 0 or a
 * resolver error. */
int api_user_lookup(gql_resolve_info *info, struct api_call *call, const char *id, json_object **out);

/* Fills api_user_lookup's per-request cache with the users of the room values
 * in rooms (their patientId and assigneeId) in one query, so that a page of
 * rooms does not cost a lookup per person. Best effort: on failure the lookups
 * ask one by one. */
void api_users_preload(struct api_call *call, json_object *rooms);

/* Parses a GraphQL ID argument as a database id. 0 or -1. */
int api_parse_id(json_object *v, int64_t *out);

/* Runs a SELECT-like statement s. Returns its result (PQclear it), or NULL with
 * *rc set to the field error for an outage. */
PGresult *api_query(gql_resolve_info *info, struct api_call *call, int s, int n, const char *const *params,
                    int *rc);

/* Fails the field for a database or Redis outage, logging nothing private. */
int api_unavailable(gql_resolve_info *info);

/* The argument `name` of the field, or NULL (absent or null). */
json_object *api_arg(gql_resolve_info *info, const char *name);

/* Registers every resolver of the schema. Returns 0 or a gql error code. */
int api_resolvers_register(gql_engine *r);

/* The resolver families, each registering its own fields. */
int api_register_auth(gql_engine *r);
int api_register_rooms(gql_engine *r);
int api_register_messages(gql_engine *r);
int api_register_admin(gql_engine *r);
int api_register_inbox(gql_engine *r);
int api_register_patients(gql_engine *r);
int api_register_search(gql_engine *r);
int api_register_live(gql_engine *r);

#endif
