#include "config.h"

#include "user_cache.h"

#include "log.h"
#include "pg_link.h"
#include "pushd.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UC_BUCKETS 4096

struct uc_waiter {
    struct uc_waiter *next;
    void (*fn)(void *arg);
    void *arg;
};

struct uc_entry {
    struct uc_entry *next;
    int64_t id;
    struct push_user *user;    /* NULL while loading */
    struct uc_waiter *waiters; /* called when the load ends */
};

static struct uc_entry *table[UC_BUCKETS];
static size_t count;
static uint32_t retry_after; /* pushd_now() before which misses load nothing */

/* Calls and frees a list of waiters (taken off their entry first). */
static void wake(struct uc_waiter *w)
{
    while (w) {
        struct uc_waiter *next = w->next;
        w->fn(w->arg);
        free(w);
        w = next;
    }
}

void user_cache_clear(void)
{
    struct uc_waiter *waiting = NULL;
    for (size_t i = 0; i < UC_BUCKETS; i++)
        while (table[i]) {
            struct uc_entry *e = table[i];
            table[i] = e->next;
            push_user_unref(e->user);
            while (e->waiters) {
                struct uc_waiter *w = e->waiters;
                e->waiters = w->next;
                w->next = waiting;
                waiting = w;
            }
            free(e);
        }
    count = 0;
    wake(waiting); /* their loads end as far as they are concerned */
}

/* Empties the cache but for loads in flight (whose waiters must still hear). */
static void evict_loaded(void)
{
    for (size_t i = 0; i < UC_BUCKETS; i++)
        for (struct uc_entry **p = &table[i]; *p;) {
            struct uc_entry *e = *p;
            if (!e->user) {
                p = &e->next;
                continue;
            }
            *p = e->next;
            push_user_unref(e->user);
            free(e);
            count--;
        }
}

static struct uc_entry **bucket(int64_t id)
{
    return &table[(uint64_t)id % UC_BUCKETS];
}

static struct uc_entry *find(int64_t id)
{
    for (struct uc_entry *e = *bucket(id); e; e = e->next)
        if (e->id == id)
            return e;
    return NULL;
}

static void forget(int64_t id)
{
    for (struct uc_entry **p = bucket(id); *p; p = &(*p)->next)
        if ((*p)->id == id) {
            struct uc_entry *e = *p;
            *p = e->next;
            push_user_unref(e->user);
            struct uc_waiter *w = e->waiters;
            free(e);
            count--;
            wake(w);
            return;
        }
}

/* The entry for id, created (user NULL) if absent; NULL when out of memory. */
static struct uc_entry *slot(int64_t id)
{
    struct uc_entry *e = find(id);
    if (e)
        return e;
    if (count >= USER_CACHE_MAX)
        evict_loaded();
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->id = id;
    e->next = *bucket(id);
    *bucket(id) = e;
    count++;
    return e;
}

static int same(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && memcmp(a, b, blen) == 0;
}

struct push_user *user_cache_from_entry(int64_t id, const struct crm_entry_sender *w)
{
    if (!w->email)
        return NULL;
    struct uc_entry *e = find(id);
    struct push_user *u = e ? e->user : NULL;
    if (u && same(u->email, w->email, w->email_len) && same(u->display_name, w->name, w->name_len) &&
        same(u->role, w->role, w->role_len) && same(u->created_at, w->created, w->created_len))
        return push_user_ref(u);
    u = push_user_new(id, w->email, w->email_len, w->name, w->name_len, w->role, w->role_len, w->created,
                      w->created_len);
    if (!u)
        return NULL;
    if ((e = slot(id))) {
        push_user_unref(e->user);
        e->user = push_user_ref(u);
        struct uc_waiter *waiting = e->waiters;
        e->waiters = NULL;
        wake(waiting);
    }
    return u;
}

static void fill(int64_t id, const PGresult *res);

/* PSQL_USER_BY_ID answered (arg: the id). */
static void on_loaded(const PGresult *res, void *arg)
{
    int64_t id = (int64_t)(intptr_t)arg;
    fill(id, res);
    struct uc_entry *e = find(id);
    if (e && e->user) {
        struct uc_waiter *w = e->waiters;
        e->waiters = NULL;
        wake(w);
    }
}

static void fill(int64_t id, const PGresult *res)
{
    struct uc_entry *e = find(id);
    if (!e || e->user)
        return; /* cleared meanwhile, or filled from an entry */
    if (!res) {
        retry_after = pushd_now() + USER_CACHE_RETRY_SEC;
        forget(id);
        return;
    }
    if (PQntuples(res) != 1) {
        forget(id);
        return;
    }
    e->user =
        push_user_new(id, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1), PQgetvalue(res, 0, 2),
                      (size_t)PQgetlength(res, 0, 2), PQgetvalue(res, 0, 3), (size_t)PQgetlength(res, 0, 3),
                      PQgetvalue(res, 0, 4), (size_t)PQgetlength(res, 0, 4));
    if (!e->user)
        forget(id);
}

int user_cache_when_loaded(int64_t id, void (*fn)(void *arg), void *arg)
{
    struct uc_entry *e = find(id);
    if (!e || e->user)
        return -1;
    struct uc_waiter *w = malloc(sizeof *w);
    if (!w) {
        crm_oom();
    }
    w->fn = fn;
    w->arg = arg;
    w->next = e->waiters;
    e->waiters = w;
    return 0;
}

int user_cache_loading(int64_t id)
{
    struct uc_entry *e = find(id);
    return e && !e->user;
}

struct push_user *user_cache_lookup(int64_t id)
{
    struct uc_entry *e = find(id);
    if (e)
        return e->user ? push_user_ref(e->user) : NULL;
    /* A database known to be away is not waited for (the sender shows as an
     * error); one that stops answering is, up to the load's deadline. */
    if (pushd_now() < retry_after || !pg_link_is_up(pushd->pg) || !(e = slot(id)))
        return NULL;
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *params[] = {ids};
    /* intptr_t holds an id: user ids are far below 2^31 on 32-bit hosts too. */
    if (pg_link_query(pushd->pg, PSQL_USER_BY_ID, 1, params, USER_CACHE_LOAD_MS, on_loaded,
                      (void *)(intptr_t)id) < 0) {
        retry_after = pushd_now() + USER_CACHE_RETRY_SEC;
        forget(id);
    }
    return NULL;
}
