/* The GraphQL side of one `subscribe`: the document prepared once per distinct
 * selection (interned and shared by every subscription that selects the same
 * fields), its arguments, and the payload of one message rendered for it.
 *
 * This is crm-pushd's one seam with the GraphQL engine (lib/gql/gql_engine.h):
 * parse and validation against the schema, coercion of arguments, execution of
 * the selection set against one message (MapSourceToResponseEvent). */
#ifndef CRM_PUSH_SUB_QUERY_H
#define CRM_PUSH_SUB_QUERY_H

#include "message.h"

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

struct gql_schema;
struct sub_query;
struct sub_query_cache;

/* The root field a subscription selects. */
enum sub_kind { SUB_KIND_MESSAGES, SUB_KIND_TYPING, SUB_KIND_INBOX };

/* The coerced arguments of messageAdded(roomId: ID!, after: String),
 * typing(roomId: ID!) or inboxUpdated (none). */
struct sub_args {
    int kind;        /* enum sub_kind */
    int64_t room_id; /* 0 for inboxUpdated */
    int has_after;   /* 1 if after was given (not null) */
    uint64_t after_ms, after_seq;
};

/* Looks up Message.sender (a reference, or NULL when unknown or unreachable). */
typedef struct push_user *(*sub_query_user_fn)(int64_t user_id);

/* The cache of prepared subscriptions for one process, over a GraphQL engine
 * for schema (borrowed). fn resolves Message.sender, only when it is selected. */
struct sub_query_cache *sub_query_cache_new(const struct gql_schema *schema, sub_query_user_fn fn);
void sub_query_cache_free(struct sub_query_cache *c); /* NULL is a no-op */

/* Prepares the subscribe payload {query, variables, operationName}. Returns 0
 * with *out (a reference: sub_query_unref) and *args; or -1 with *errors, a new
 * JSON array of GraphQL errors for the `error` message (the caller puts it). */
int sub_query_prepare(struct sub_query_cache *c, json_object *payload, struct sub_query **out,
                      struct sub_args *args, json_object **errors);

struct sub_query *sub_query_ref(struct sub_query *q);
void sub_query_unref(struct sub_query *q); /* NULL is a no-op */

/* 1 if the selection may read Message.sender (the engine's resolver looks the
 * user up then), 0 if it certainly does not. */
int sub_query_needs_sender(const struct sub_query *q);

/* 1 if the selection may read User.online (textual, as for the sender). */
int sub_query_needs_online(const struct sub_query *q);

/* Renders the execution result of the selection against event (a typing or
 * inboxUpdated value built by the caller, borrowed) as a new buffer; NULL when
 * out of memory. A Message inside event carries its "sender" object. */
struct push_buf *sub_query_render_value(const struct sub_query *q, json_object *event);

/* Number of distinct prepared selections alive (metrics, tests). */
size_t sub_query_cache_size(const struct sub_query_cache *c);

/* Renders the execution result {"data":{"messageAdded":{...}}} (with errors and
 * null data when the sender cannot be loaded) as a new buffer; NULL when out of
 * memory. m->sender may be filled on the way. hide_email 1: Message.sender.email
 * is "" (a patient viewing someone else, as crm-api renders it). */
struct push_buf *sub_query_render(const struct sub_query *q, const struct push_message *m, int hide_email);

#endif
