/* The live-state channels of crm-api (docs/LIVE-STATE.md), subscribed on the
 * pubsub link beside crm:revocations: crm:typing to typing.c, crm:room-events
 * to inbox.c. A payload that is not what the contract says is logged and
 * ignored. Pub/Sub loses what is published while the link is down: the
 * inbox's clients reload once after they reconnect, typing is ephemeral. */
#ifndef CRM_PUSH_LIVE_EVENTS_H
#define CRM_PUSH_LIVE_EVENTS_H

#include <stddef.h>

struct redisAsyncContext;

#define LIVE_TYPING_CHANNEL "crm:typing"
#define LIVE_ROOM_CHANNEL "crm:room-events"
#define LIVE_MAX_PAYLOAD 1024 /* bytes of one event; longer ones are ignored */

/* Subscribes both channels on ac (a fresh pubsub connection). */
void live_events_subscribe(struct redisAsyncContext *ac);

/* Handles one payload of channel (exposed for the unit test of the parser):
 * 0 when it was an event, -1 when malformed (logged). */
int live_events_handle(const char *channel, const char *payload, size_t len);

#endif
