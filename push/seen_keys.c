#include "config.h"

#include "seen_keys.h"

#include "log.h"
#include "message.h"

#include <stdlib.h>

struct seen_slot {
    uint64_t hash; /* 0: empty */
    uint64_t ms, seq;
};

static struct seen_slot *slots;

static uint64_t mix(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        h = (h ^ (v & 0xff)) * 1099511628211ULL;
    return h;
}

/* FNV-1a over room, sender and key; 0 is kept for "empty". A collision of 64
 * bits would only hold back one message from who had the other. */
static uint64_t key_hash(const struct push_message *m)
{
    uint64_t h = mix(mix(1469598103934665603ULL, (uint64_t)m->room_id), (uint64_t)m->sender_id);
    for (size_t i = 0; i < m->key_len; i++)
        h = (h ^ (unsigned char)m->key[i]) * 1099511628211ULL;
    return h ? h : 1;
}

static int lookup(const struct push_message *m, int note, struct seen_pos *first)
{
    if (!m->key_len || (!slots && !note))
        return 0;
    if (!slots && !(slots = calloc(SEEN_KEYS_SLOTS, sizeof *slots))) {
        crm_oom();
    }
    uint64_t h = key_hash(m);
    struct seen_slot *s = &slots[h & (SEEN_KEYS_SLOTS - 1)];
    if (s->hash == h) {
        if (s->ms == m->ms && s->seq == m->seq)
            return 0;
        first->ms = s->ms;
        first->seq = s->seq;
        return 1;
    }
    if (note)
        *s = (struct seen_slot){h, m->ms, m->seq};
    return 0;
}

int seen_keys_note(const struct push_message *m, struct seen_pos *first)
{
    return lookup(m, 1, first);
}

int seen_keys_find(const struct push_message *m, struct seen_pos *first)
{
    return lookup(m, 0, first);
}

void seen_keys_shutdown(void)
{
    free(slots);
    slots = NULL;
}
