/* inboxUpdated subscriptions: one per client serves its whole inbox. Each
 * change of a room (a stream entry, an event of crm:room-events) is rendered
 * from the room's snapshot (inbox_snap.h) with each subscriber's selection and
 * sent to those who may see the room: its members, and staff and admins also
 * while it is unassigned and for every change of assignment. A patient gets
 * nothing an internal note caused. No replay: after a reconnect the client
 * reloads its inbox page once. */
#ifndef CRM_PUSH_INBOX_H
#define CRM_PUSH_INBOX_H

#include <stdint.h>

struct sub;
struct push_message;

#define INBOX_RENDERS 16 /* distinct payloads kept during one room's fan-out */

void inbox_init(void);

/* Registers s (granted, viewer known, audited); LIVE from now on. */
void inbox_add(struct sub *s);

/* Unregisters s (a no-op when it is not registered). */
void inbox_remove(struct sub *s);

/* A live stream entry (every one the reader hands on). */
void inbox_entry(struct push_message *m);

/* An event of crm:room-events. kind: created, status, assignee, tags, member,
 * read; for read, user_id, the cursor (ms, seq) and read_at. */
void inbox_room_event(int64_t room_id, const char *kind, int64_t user_id, uint64_t ms, uint64_t seq,
                      const char *read_at);

/* Frees everything (at exit, after every socket and the database link). */
void inbox_shutdown(void);

#endif
