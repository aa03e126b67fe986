#include "config.h"

#include "live_events.h"

#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int live_publish(struct api_call *call, const char *channel, json_object *ev)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(ev, JSON_C_TO_STRING_PLAIN, &len);
    const char *argv[] = {"PUBLISH", channel, text};
    size_t lens[] = {7, strlen(channel), len};
    /* PUBLISH is safe to repeat (crm_redis_argv may send it once more on a
     * connection found dead): a duplicate event only refreshes an inbox row. */
    redisReply *rep = text ? crm_redis_argv(&call->api->redis, 3, argv, lens) : NULL;
    int ok = rep && rep->type == REDIS_REPLY_INTEGER;
    if (!ok)
        log_warn("publish on %s failed: %s", channel,
                 rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "no reply");
    if (rep)
        freeReplyObject(rep);
    json_object_put(ev);
    return ok ? 0 : -1;
}

json_object *live_room_event(int64_t room, const char *kind)
{
    char sroom[24];
    snprintf(sroom, sizeof sroom, "%" PRId64, room);
    json_object *ev = json_object_new_object();
    json_object_object_add(ev, "roomId", json_object_new_string(sroom));
    json_object_object_add(ev, "kind", json_object_new_string(kind));
    return ev;
}

void live_room_changed(struct api_call *call, int64_t room, const char *kind, const char *name,
                       const char *value)
{
    json_object *ev = live_room_event(room, kind);
    if (name)
        json_object_object_add(ev, name, json_object_new_string(value));
    live_publish(call, CRM_ROOM_EVENTS_CHANNEL, ev);
}
