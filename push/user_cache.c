#include "config.h"

#include "user_cache.h"

#include "log.h"
#include "pushd.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UC_BUCKETS 4096

struct uc_entry {
    struct uc_entry *next;
    struct push_user *user;
};

static struct uc_entry *table[UC_BUCKETS];
static size_t count;
static uint32_t retry_after; /* pushd_now() before which misses fail at once */

void user_cache_clear(void)
{
    for (size_t i = 0; i < UC_BUCKETS; i++)
        while (table[i]) {
            struct uc_entry *e = table[i];
            table[i] = e->next;
            push_user_unref(e->user);
            free(e);
        }
    count = 0;
}

/* One indexed lookup by primary key. */
static struct push_user *load(int64_t id)
{
    if (pushd_now() < retry_after)
        return NULL;
    PGconn *db = crm_db_get(&pushd->db);
    if (!db) {
        retry_after = pushd_now() + USER_CACHE_RETRY_SEC;
        return NULL;
    }
    char ids[24];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    const char *params[] = {ids};
    PGresult *res = PQexecParams(
        db,
        "SELECT email, display_name, role::text,"
        " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
        " FROM users WHERE id = $1",
        1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        log_error("users query failed: %s", PQresultErrorMessage(res));
        PQclear(res);
        crm_db_reset(&pushd->db);
        retry_after = pushd_now() + USER_CACHE_RETRY_SEC;
        return NULL;
    }
    struct push_user *u = NULL;
    if (PQntuples(res) == 1) {
        u = calloc(1, sizeof *u);
        if (u) {
            u->refs = 1;
            u->id = id;
            snprintf(u->role, sizeof u->role, "%s", PQgetvalue(res, 0, 2));
            snprintf(u->created_at, sizeof u->created_at, "%s", PQgetvalue(res, 0, 3));
            u->email = strdup(PQgetvalue(res, 0, 0));
            u->display_name = strdup(PQgetvalue(res, 0, 1));
            if (!u->email || !u->display_name) {
                push_user_unref(u);
                u = NULL;
            }
        }
    }
    PQclear(res);
    return u;
}

struct push_user *user_cache_get(int64_t id)
{
    size_t b = (size_t)((uint64_t)id % UC_BUCKETS);
    for (struct uc_entry *e = table[b]; e; e = e->next)
        if (e->user->id == id)
            return push_user_ref(e->user);
    struct push_user *u = load(id);
    if (!u)
        return NULL;
    if (count >= USER_CACHE_MAX)
        user_cache_clear();
    struct uc_entry *e = malloc(sizeof *e);
    if (!e)
        return u;
    e->user = push_user_ref(u);
    e->next = table[b];
    table[b] = e;
    count++;
    return u;
}
