#include "config.h"

#include "pg_array.h"

#include "log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(struct pg_array *a, size_t more)
{
    if (a->len + more + 2 <= a->cap)
        return;
    size_t cap = a->cap ? a->cap : 256;
    while (cap < a->len + more + 2)
        cap *= 2;
    char *p = realloc(a->buf, cap);
    if (!p) {
        crm_oom();
    }
    a->buf = p;
    a->cap = cap;
}

void pg_array_reset(struct pg_array *a)
{
    reserve(a, 1);
    a->buf[0] = '{';
    a->len = 1;
    a->count = 0;
}

static void sep(struct pg_array *a)
{
    if (a->count++ > 0)
        a->buf[a->len++] = ',';
}

void pg_array_add_int(struct pg_array *a, int64_t v)
{
    reserve(a, 24);
    sep(a);
    a->len += (size_t)snprintf(a->buf + a->len, 22, "%" PRId64, v);
}

void pg_array_add_text(struct pg_array *a, const char *s, size_t n)
{
    reserve(a, 2 * n + 3);
    sep(a);
    a->buf[a->len++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            a->buf[a->len++] = '\\';
        a->buf[a->len++] = s[i];
    }
    a->buf[a->len++] = '"';
}

void pg_array_add_null(struct pg_array *a)
{
    reserve(a, 5);
    sep(a);
    memcpy(a->buf + a->len, "NULL", 4);
    a->len += 4;
}

const char *pg_array_finish(struct pg_array *a)
{
    reserve(a, 1);
    a->buf[a->len++] = '}';
    a->buf[a->len] = '\0';
    return a->buf;
}

void pg_array_deinit(struct pg_array *a)
{
    free(a->buf);
    a->buf = NULL;
    a->len = a->cap = a->count = 0;
}
