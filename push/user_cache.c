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

/* The ids of one PSQL_USERS_BY_IDS query (its callback's argument, owned by it). */
struct uc_batch {
    size_t n;
    int64_t ids[USER_CACHE_BATCH];
};

static struct uc_batch *waiting; /* misses not asked for yet: sent at the end of the loop turn */
static struct event *flush_ev;   /* that end of the turn */

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
    struct uc_waiter *woken = NULL;
    for (size_t i = 0; i < UC_BUCKETS; i++)
        while (table[i]) {
            struct uc_entry *e = table[i];
            table[i] = e->next;
            push_user_unref(e->user);
            while (e->waiters) {
                struct uc_waiter *w = e->waiters;
                e->waiters = w->next;
                w->next = woken;
                woken = w;
            }
            free(e);
        }
    count = 0;
    free(waiting); /* their entries are gone: nothing to ask for */
    waiting = NULL;
    if (flush_ev) {
        event_free(flush_ev);
        flush_ev = NULL;
    }
    wake(woken); /* their loads end as far as they are concerned */
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
        struct uc_waiter *woken = e->waiters;
        e->waiters = NULL;
        wake(woken);
    }
    return u;
}

/* Fills e from row r of a PSQL_USERS_BY_IDS answer (left empty when out of memory). */
static void fill(struct uc_entry *e, const PGresult *res, int r)
{
    e->user =
        push_user_new(e->id, PQgetvalue(res, r, 1), (size_t)PQgetlength(res, r, 1), PQgetvalue(res, r, 2),
                      (size_t)PQgetlength(res, r, 2), PQgetvalue(res, r, 3), (size_t)PQgetlength(res, r, 3),
                      PQgetvalue(res, r, 4), (size_t)PQgetlength(res, r, 4));
}

/* A PSQL_USERS_BY_IDS answer (or NULL: failed): the rows fill their entries;
 * an id without a row (no such user: deleted) or a failure leaves none, so the
 * user stays unknown (and a role unknown is trusted least). */
static void on_batch(const PGresult *res, void *arg)
{
    struct uc_batch *b = arg;
    if (!res)
        retry_after = pushd_now() + USER_CACHE_RETRY_SEC;
    for (int r = 0, rows = res ? PQntuples(res) : 0; r < rows; r++) {
        struct uc_entry *e = find(strtoll(PQgetvalue(res, r, 0), NULL, 10));
        if (e && !e->user) /* else cleared meanwhile, or filled from an entry */
            fill(e, res, r);
    }
    /* Waiters may look users up again (and so change the table): each id is
     * found anew. */
    for (size_t i = 0; i < b->n; i++) {
        struct uc_entry *e = find(b->ids[i]);
        if (!e)
            continue;
        if (!e->user) {
            forget(b->ids[i]); /* wakes its waiters */
            continue;
        }
        struct uc_waiter *w = e->waiters;
        e->waiters = NULL;
        wake(w);
    }
    free(b);
}

/* Sends the waiting misses as one query ('{1,2,3}'). */
static void flush(void)
{
    struct uc_batch *b = waiting;
    waiting = NULL;
    if (!b)
        return;
    char *ids = malloc(b->n * 22 + 3);
    if (!ids) {
        crm_oom();
    }
    size_t len = 0;
    ids[len++] = '{';
    for (size_t i = 0; i < b->n; i++)
        len += (size_t)snprintf(ids + len, 22, "%s%" PRId64, i ? "," : "", b->ids[i]);
    ids[len++] = '}';
    ids[len] = '\0';
    const char *params[] = {ids};
    int rc = pg_link_query(pushd->pg, PSQL_USERS_BY_IDS, 1, params, USER_CACHE_LOAD_MS, on_batch, b);
    free(ids);
    if (rc < 0) {
        log_warn("user cache: a load of %zu users not queued", b->n);
        on_batch(NULL, b); /* the entries are forgotten, their waiters woken */
    }
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    flush();
}

/* Queues id for the next query: misses of one loop turn (the sockets whose
 * connection_init Redis answered in one read) go USER_CACHE_BATCH to a query. */
static void want(int64_t id)
{
    if (!waiting) {
        waiting = malloc(sizeof *waiting);
        if (!flush_ev)
            flush_ev = evtimer_new(pushd->base, on_flush, NULL);
        if (!waiting || !flush_ev) {
            crm_oom();
        }
        waiting->n = 0;
        struct timeval now = {0, 0};
        evtimer_add(flush_ev, &now);
    }
    waiting->ids[waiting->n++] = id;
    if (waiting->n == USER_CACHE_BATCH)
        flush(); /* the timer then finds nothing waiting */
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
    want(id);
    return NULL;
}
