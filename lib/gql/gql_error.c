/* Error list: errors live in their own arena so that a phase can fail and
 * drop its own memory while the caller still holds the errors. */
#include "config.h"

#include "gql/gql_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

void gql_error_list_init(gql_error_list *l)
{
    memset(l, 0, sizeof(*l));
}

void gql_error_list_deinit(gql_error_list *l)
{
    if (l == NULL)
        return;
    gql_arena_free(l->arena);
    memset(l, 0, sizeof(*l));
}

int gql_error_list_add(gql_error_list *l, const gql_path_seg *path, size_t npath, const gql_loc *locs,
                       size_t nlocs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = gql_error_list_vadd(l, path, npath, locs, nlocs, fmt, ap);
    va_end(ap);
    return rc;
}

int gql_error_list_vadd(gql_error_list *l, const gql_path_seg *path, size_t npath, const gql_loc *locs,
                        size_t nlocs, const char *fmt, va_list ap0)
{
    if (l->arena == NULL && (l->arena = gql_arena_new()) == NULL)
        goto fail;
    gql_error *e = gql_arena_calloc(l->arena, sizeof(*e));
    if (e == NULL)
        goto fail;

    va_list ap;
    va_copy(ap, ap0);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        goto fail;
    char *msg = gql_arena_alloc(l->arena, (size_t)n + 1);
    if (msg == NULL)
        goto fail;
    va_copy(ap, ap0);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    e->message = msg;

    if (nlocs > 0) {
        e->locations = gql_arena_alloc(l->arena, nlocs * sizeof(*locs));
        if (e->locations == NULL)
            goto fail;
        memcpy(e->locations, locs, nlocs * sizeof(*locs));
        e->nlocations = nlocs;
    }
    if (npath > 0) {
        e->path = gql_arena_alloc(l->arena, npath * sizeof(*path));
        if (e->path == NULL)
            goto fail;
        for (size_t i = 0; i < npath; i++) {
            e->path[i] = path[i];
            if (path[i].key != NULL) {
                e->path[i].key = gql_arena_strndup(l->arena, path[i].key, strlen(path[i].key));
                if (e->path[i].key == NULL)
                    goto fail;
            }
        }
        e->npath = npath;
    }
    if (l->tail != NULL)
        l->tail->next = e;
    else
        l->head = e;
    l->tail = e;
    l->count++;
    return GQL_OK;
fail:
    /* Partial allocations stay in the arena and go with it. */
    l->oom = 1;
    return GQL_ENOMEM;
}

static json_object *gql_error_to_json(const gql_error *e)
{
    json_object *o = json_object_new_object();
    if (o == NULL)
        return NULL;
    json_object *msg = json_object_new_string(e->message);
    if (msg == NULL || json_object_object_add(o, "message", msg) != 0) {
        json_object_put(msg);
        goto fail;
    }
    if (e->nlocations > 0) {
        json_object *arr = json_object_new_array();
        if (arr == NULL || json_object_object_add(o, "locations", arr) != 0) {
            json_object_put(arr);
            goto fail;
        }
        for (size_t i = 0; i < e->nlocations; i++) {
            json_object *lo = json_object_new_object();
            if (lo == NULL || json_object_array_add(arr, lo) != 0) {
                json_object_put(lo);
                goto fail;
            }
            json_object *line = json_object_new_int64(e->locations[i].line);
            if (line == NULL || json_object_object_add(lo, "line", line) != 0) {
                json_object_put(line);
                goto fail;
            }
            json_object *col = json_object_new_int64(e->locations[i].column);
            if (col == NULL || json_object_object_add(lo, "column", col) != 0) {
                json_object_put(col);
                goto fail;
            }
        }
    }
    if (e->npath > 0) {
        json_object *arr = json_object_new_array();
        if (arr == NULL || json_object_object_add(o, "path", arr) != 0) {
            json_object_put(arr);
            goto fail;
        }
        for (size_t i = 0; i < e->npath; i++) {
            json_object *seg = e->path[i].key != NULL ? json_object_new_string(e->path[i].key)
                                                      : json_object_new_int64(e->path[i].index);
            if (seg == NULL || json_object_array_add(arr, seg) != 0) {
                json_object_put(seg);
                goto fail;
            }
        }
    }
    return o;
fail:
    json_object_put(o);
    return NULL;
}

json_object *gql_error_list_to_json(const gql_error_list *l)
{
    json_object *arr = json_object_new_array();
    if (arr == NULL)
        return NULL;
    for (const gql_error *e = l->head; e != NULL; e = e->next) {
        json_object *o = gql_error_to_json(e);
        if (o == NULL || json_object_array_add(arr, o) != 0) {
            json_object_put(o);
            goto fail;
        }
    }
    if (l->oom) {
        gql_error oom = {.message = "Internal error: out of memory."};
        json_object *o = gql_error_to_json(&oom);
        if (o == NULL || json_object_array_add(arr, o) != 0) {
            json_object_put(o);
            goto fail;
        }
    }
    return arr;
fail:
    json_object_put(arr);
    return NULL;
}
