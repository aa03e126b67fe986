#include "config.h"

#include "user_sockets.h"

#include "log.h"

#include <stdlib.h>

#define BUCKETS 4096

struct entry {
    struct entry *next;
    int64_t user_id;
    int count;
};

static struct entry *table[BUCKETS];

static struct entry **slot(int64_t id)
{
    uint64_t h = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    return &table[h >> 52];
}

int user_sockets_share(int cap, int processes)
{
    if (cap <= 0)
        return 0;
    if (processes < 1)
        processes = 1;
    return (cap + processes - 1) / processes;
}

int user_sockets_take(int64_t user_id, int share)
{
    struct entry **p = slot(user_id), *e;
    for (e = *p; e && e->user_id != user_id; e = e->next)
        ;
    if (e && share > 0 && e->count >= share)
        return -1;
    if (!e) {
        e = calloc(1, sizeof *e);
        if (!e) {
            log_error("out of memory");
            abort();
        }
        e->user_id = user_id;
        e->next = *p;
        *p = e;
    }
    e->count++;
    return 0;
}

void user_sockets_release(int64_t user_id)
{
    for (struct entry **p = slot(user_id); *p; p = &(*p)->next)
        if ((*p)->user_id == user_id) {
            struct entry *e = *p;
            if (--e->count == 0) {
                *p = e->next;
                free(e);
            }
            return;
        }
}

int user_sockets_count(int64_t user_id)
{
    for (struct entry *e = *slot(user_id); e; e = e->next)
        if (e->user_id == user_id)
            return e->count;
    return 0;
}

void user_sockets_each(void (*fn)(int64_t user_id, void *arg), void *arg)
{
    for (size_t i = 0; i < BUCKETS; i++)
        for (struct entry *e = table[i]; e; e = e->next)
            fn(e->user_id, arg);
}

void user_sockets_clear(void)
{
    for (size_t i = 0; i < BUCKETS; i++)
        while (table[i]) {
            struct entry *e = table[i];
            table[i] = e->next;
            free(e);
        }
}
