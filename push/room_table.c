#include "config.h"

#include "room_table.h"

#include "log.h"
#include "sub.h"

#include <stdlib.h>

struct room_table {
    unsigned shift;    /* 64 - bits: the hash's top bits pick the bucket */
    size_t group_size; /* bytes of one group (the caller's struct) */
    struct room_group **buckets;
};

struct room_table *room_table_new(unsigned bits, size_t group_size)
{
    struct room_table *t = calloc(1, sizeof *t);
    if (!t) {
        crm_oom();
    }
    t->shift = 64 - bits;
    t->group_size = group_size;
    t->buckets = calloc((size_t)1 << bits, sizeof *t->buckets);
    if (!t->buckets) {
        crm_oom();
    }
    return t;
}

void room_table_free(struct room_table *t, void (*release)(struct room_group *g))
{
    if (!t)
        return;
    size_t n = (size_t)1 << (64 - t->shift);
    for (size_t i = 0; i < n; i++)
        while (t->buckets[i]) {
            struct room_group *g = t->buckets[i];
            t->buckets[i] = g->next;
            if (release)
                release(g);
            free(g);
        }
    free(t->buckets);
    free(t);
}

/* Fibonacci hashing: ids are sequential, the multiply spreads them. */
static struct room_group **bucket(const struct room_table *t, int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    return &t->buckets[h >> t->shift];
}

struct room_group *room_table_find(const struct room_table *t, int64_t id)
{
    for (struct room_group *g = *bucket(t, id); g; g = g->next)
        if (g->id == id)
            return g;
    return NULL;
}

struct room_group *room_table_join(struct room_table *t, int64_t id, struct sub *s)
{
    struct room_group *g = room_table_find(t, id);
    if (!g) {
        g = calloc(1, t->group_size);
        if (!g) {
            crm_oom();
        }
        g->id = id;
        struct room_group **b = bucket(t, g->id);
        g->next = *b;
        *b = g;
    }
    s->room_prev = NULL;
    s->room_next = g->subs;
    if (g->subs)
        g->subs->room_prev = s;
    g->subs = s;
    g->count++;
    return g;
}

struct room_group *room_table_leave(struct room_table *t, struct room_group *g, struct sub *s)
{
    if (s->room_prev)
        s->room_prev->room_next = s->room_next;
    else
        g->subs = s->room_next;
    if (s->room_next)
        s->room_next->room_prev = s->room_prev;
    s->room_prev = s->room_next = NULL;
    if (--g->count > 0)
        return NULL;
    struct room_group **p = bucket(t, g->id);
    while (*p != g)
        p = &(*p)->next;
    *p = g->next;
    return g;
}
