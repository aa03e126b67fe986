/* The (room, sender, idempotency key) of the messages this process read from
 * the streams lately, with the position each was first read at: a send that a
 * dying Redis primary had added (and crm-pushd delivered) but no replica
 * received is refused to its client, who retries with the same key, and the
 * promoted replica accepts it again at a new position. Knowing the first
 * position, a subscriber who had it is not sent the repeat (rooms_repeat).
 * Process-wide and bounded: a direct-mapped table of SEEN_KEYS_SLOTS, where a
 * newer message may displace an older one (its repeat then goes out again,
 * as it would without this). */
#ifndef CRM_PUSH_SEEN_KEYS_H
#define CRM_PUSH_SEEN_KEYS_H

#include <stdint.h>

struct push_message;

#define SEEN_KEYS_SLOTS 32768 /* 768 KiB; seconds to minutes of a busy clinic's sends */

struct seen_pos {
    uint64_t ms, seq;
};

/* Notes m (a live stream entry): 1 with *first set when its (room, sender,
 * key) was read before at another position, else 0. */
int seen_keys_note(const struct push_message *m, struct seen_pos *first);

/* As seen_keys_note without noting (for replayed entries). */
int seen_keys_find(const struct push_message *m, struct seen_pos *first);

/* Frees the table (at exit). */
void seen_keys_shutdown(void);

#endif
