#include "config.h"

#include "live_events.h"

#include "inbox.h"
#include "log.h"
#include "metrics.h"
#include "stream_entry.h"
#include "typing.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <json-c/json.h>
#include <string.h>

/* The decimal id under key, or -1 (absent or not an id). */
static int64_t id_of(json_object *o, const char *key)
{
    json_object *v = NULL;
    int64_t id;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return -1;
    const char *s = json_object_get_string(v);
    return crm_decimal_id_parse(s, strlen(s), &id) == 0 ? id : -1;
}

static const char *string_of(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int typing_payload(json_object *o)
{
    json_object *t = NULL;
    int64_t room = id_of(o, "roomId"), user = id_of(o, "userId");
    if (room < 0 || user < 0 || !json_object_object_get_ex(o, "typing", &t) ||
        !json_object_is_type(t, json_type_boolean))
        return -1;
    typing_event(room, user, json_object_get_boolean(t));
    return 0;
}

static int room_payload(json_object *o)
{
    int64_t room = id_of(o, "roomId");
    const char *kind = string_of(o, "kind");
    if (room < 0 || !kind)
        return -1;
    if (strcmp(kind, "read") == 0) {
        int64_t user = id_of(o, "userId");
        const char *cursor = string_of(o, "cursor"), *at = string_of(o, "readAt");
        uint64_t ms, seq;
        if (user < 0 || !cursor || !at || strlen(at) >= 32 ||
            crm_stream_id_parse(cursor, strlen(cursor), &ms, &seq) < 0)
            return -1;
        inbox_room_event(room, kind, user, ms, seq, at);
        return 0;
    }
    if (strcmp(kind, "created") != 0 && strcmp(kind, "status") != 0 && strcmp(kind, "assignee") != 0 &&
        strcmp(kind, "tags") != 0 && strcmp(kind, "member") != 0)
        return -1;
    inbox_room_event(room, kind, 0, 0, 0, "");
    return 0;
}

int live_events_handle(const char *channel, const char *payload, size_t len)
{
    int rc = -1;
    json_object *o = NULL;
    if (len <= LIVE_MAX_PAYLOAD) {
        json_tokener *tok = json_tokener_new();
        if (!tok) {
            crm_oom();
        }
        o = json_tokener_parse_ex(tok, payload, (int)len);
        if (o && tok->char_offset != (int)len) { /* trailing bytes */
            json_object_put(o);
            o = NULL;
        }
        json_tokener_free(tok);
    }
    if (o && json_object_is_type(o, json_type_object))
        rc = strcmp(channel, LIVE_TYPING_CHANNEL) == 0 ? typing_payload(o) : room_payload(o);
    json_object_put(o);
    if (rc < 0) {
        push_metrics.live_events_malformed++;
        log_warn("%s: malformed event ignored: %.*s", channel, (int)(len > 200 ? 200 : len), payload);
    }
    return rc;
}

static void on_message(redisAsyncContext *ac, void *reply, void *priv)
{
    redisReply *r = reply;
    (void)ac;
    (void)priv;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
        return;
    const redisReply *kind = r->element[0], *chan = r->element[1], *payload = r->element[2];
    if (kind->type == REDIS_REPLY_STRING && strcmp(kind->str, "message") == 0 &&
        chan->type == REDIS_REPLY_STRING && payload->type == REDIS_REPLY_STRING)
        live_events_handle(chan->str, payload->str, payload->len);
}

void live_events_subscribe(struct redisAsyncContext *ac)
{
    redisAsyncCommand(ac, on_message, NULL, "SUBSCRIBE %s %s", LIVE_TYPING_CHANNEL, LIVE_ROOM_CHANNEL);
}
