/* Room.unreadCount for a page of rooms at once (docs/LIVE-STATE.md): the
 * persisted messages after the viewer's read position counted in PostgreSQL up
 * to each stream's persisted boundary, plus the stream's entries from that
 * boundary on, so that a message counts from the moment it was accepted. One
 * query and, per message stream, one boundary and one scan, whatever the page
 * size. Counts only: no message body is read out, so nothing is audited. */
#ifndef CRM_API_UNREAD_H
#define CRM_API_UNREAD_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"

#define UNREAD_ROOMS_MAX 200 /* rooms counted by one call */

/* Counts for the signed-in caller (a patient's leave out internal notes) over
 * ids[0..n) (n <= UNREAD_ROOMS_MAX, rooms the caller may read) into counts.
 * 0, or -1 when PostgreSQL or Redis did not answer. */
int unread_counts(struct api_call *call, const int64_t *ids, size_t n, long long *counts);

#endif
