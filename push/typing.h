/* typing(roomId) subscriptions: the table of typing subscribers per room, the
 * events of the crm:typing channel (live_events.c) sent to them (never to the
 * typist), and the lapse: a `typing: true` not repeated within TYPING_LAPSE_MS
 * is followed by a `typing: false` (docs/LIVE-STATE.md). Only rooms with
 * typing subscribers in this process keep any state. */
#ifndef CRM_PUSH_TYPING_H
#define CRM_PUSH_TYPING_H

#include <stdint.h>

struct sub;

#define TYPING_LAPSE_MS 6000     /* a true lapses this long after the last one */
#define TYPING_MAX_STATES 100000 /* (room, user) lapse timers kept at most */

/* Registers s (granted, viewer known) in its room; it is LIVE from now on. */
void typing_add(struct sub *s);

/* Unregisters s (a no-op when it is not registered). */
void typing_remove(struct sub *s);

/* An event of crm:typing: user_id typing (1) or stopped (0) in room_id. */
void typing_event(int64_t room_id, int64_t user_id, int typing);

/* Frees every room and timer (at exit, after every socket is gone). */
void typing_shutdown(void);

#endif
