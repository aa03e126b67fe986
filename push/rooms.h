/* The room table: which subscriptions each room has, and the live fan-out of a
 * stream entry to them (its work shared through payload_cache.h). */
#ifndef CRM_PUSH_ROOMS_H
#define CRM_PUSH_ROOMS_H

#include <stdint.h>

struct sub;
struct push_message;

#define ROOMS_MAX_HELD 10000 /* live entries held for one replaying subscription */

/* Registers s in the room s->room_id. */
void rooms_add(struct sub *s);

/* 1 when a subscription of the room in this process may read Message.sender. */
int rooms_read_sender(int64_t room_id);

/* 1 when s may be sent m: anything but an internal note, which only a STAFF or
 * ADMIN subscriber (by the role the user cache holds, from PostgreSQL or crm-api's
 * entries, never the token) may be sent. Fails closed: a subscriber whose role is
 * not cached yet is not sent a note (the lookup started here fills the cache). */
int rooms_may_see(const struct sub *s, const struct push_message *m);

/* 1 when m repeats, at a new position, the sender and idempotency key of a
 * message of its room this process read lately (seen_keys.h) and s was sent
 * (or passed over) already: a send retried after a Redis failover
 * (docs/HA.md). Such an entry is passed over for s; a subscriber that never
 * had the first still gets it. */
int rooms_repeat(const struct sub *s, const struct push_message *m);

/* Unregisters s (a no-op when it is not registered). */
void rooms_remove(struct sub *s);

/* A live stream entry: sent to the room's subscriptions (m is borrowed); held
 * for those replaying. */
void rooms_deliver(struct push_message *m);

/* Frees the room table (at exit, after every socket is gone). */
void rooms_shutdown(void);

#endif
