/* Room.lastMessage for a page of rooms at once (the inbox): the newest message
 * of every room in one PostgreSQL query, the stream's unpersisted tail of the
 * rooms' partitions in two pipelined Redis round trips (the persisted boundary
 * of lib/persisted_boundary.h, as history uses: a PENDING newest message still
 * shows), and the page's messages.read records in one more round trip. */
#ifndef CRM_API_LAST_MESSAGES_H
#define CRM_API_LAST_MESSAGES_H

#include <json-c/json.h>

#include "api.h"

/* Remembers the room values in rooms (borrowed, a reference is kept) as this
 * request's page: the first Room.lastMessage asked of one of them loads all. */
void api_page_rooms(struct api_call *call, json_object *rooms);

/* Room.lastMessage of room (a decimal id) from the page: *answered 1 with *out
 * set (NULL for a room without messages), or 0 when the room is not on the
 * page (ask it alone). Returns 0, or a resolver error (unavailable: no body is
 * answered without its audit record). */
int last_message_of_page(gql_resolve_info *info, struct api_call *call, const char *room, json_object **out,
                         int *answered);

/* Frees what the request's page holds. */
void api_page_free(struct api_call *call);

#endif
