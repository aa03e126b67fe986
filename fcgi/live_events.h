/* What crm-api tells crm-pushd over Redis Pub/Sub (docs/LIVE-STATE.md): typing
 * and the room events that make inboxUpdated. Published after the change is
 * committed; fire-and-forget by design (a client reloads its inbox page after a
 * reconnect), so a failed publish is logged and the mutation still answers. */
#ifndef CRM_API_LIVE_EVENTS_H
#define CRM_API_LIVE_EVENTS_H

#include <json-c/json.h>
#include <stdint.h>

#include "api.h"

#define CRM_TYPING_CHANNEL "crm:typing"
#define CRM_ROOM_EVENTS_CHANNEL "crm:room-events"

/* PUBLISHes ev (compact JSON) on channel and releases ev. 0, or -1 when Redis
 * did not take it (logged). */
int live_publish(struct api_call *call, const char *channel, json_object *ev);

/* A room event {"roomId": room, "kind": kind} to add fields to and publish. */
json_object *live_room_event(int64_t room, const char *kind);

/* Publishes the room event {"roomId", "kind"} with one more string field
 * (name NULL: none). Failures are logged only. */
void live_room_changed(struct api_call *call, int64_t room, const char *kind, const char *name,
                       const char *value);

#endif
