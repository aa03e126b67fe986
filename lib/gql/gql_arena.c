/* Bump allocator: memory comes in chunks that double in size up to a cap,
 * so a document costs a handful of mallocs whatever its token count. */
#include "config.h"

#include "gql/gql_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define GQL_ARENA_FIRST_CHUNK 4096u
#define GQL_ARENA_MAX_CHUNK (1u << 20)
#define GQL_ARENA_ALIGN _Alignof(max_align_t)

typedef struct gql_chunk {
    struct gql_chunk *next; /* previously filled chunk, freed after this one */
    size_t size;            /* usable bytes in data */
    size_t used;            /* bytes handed out from data */
    max_align_t data[];     /* the memory itself, aligned for anything */
} gql_chunk;

struct gql_arena {
    gql_chunk *head;  /* chunk being filled; older chunks follow */
    size_t next_size; /* size of the next chunk to allocate */
    size_t used;      /* total bytes handed out */
};

/* Remaining successful allocations before the hook starts failing; <0 = off. */
static long gql_arena_fail_budget = -1;

void gql_arena_fail_after(long n)
{
    gql_arena_fail_budget = n;
}

/* Consumes one unit of the test budget; returns 1 if this request must fail. */
static int gql_arena_hook_fails(void)
{
    if (gql_arena_fail_budget < 0)
        return 0;
    if (gql_arena_fail_budget == 0)
        return 1;
    gql_arena_fail_budget--;
    return 0;
}

gql_arena *gql_arena_new(void)
{
    if (gql_arena_hook_fails())
        return NULL;
    gql_arena *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->next_size = GQL_ARENA_FIRST_CHUNK;
    return a;
}

void gql_arena_free(gql_arena *a)
{
    if (a == NULL)
        return;
    gql_chunk *c = a->head;
    while (c != NULL) {
        gql_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void gql_arena_reset(gql_arena *a)
{
    gql_chunk *c = a->head;
    while (c != NULL && c->next != NULL) {
        gql_chunk *next = c->next;
        free(c);
        c = next;
    }
    if (c != NULL && c->size > GQL_ARENA_FIRST_CHUNK) { /* a large first need: do not hoard it */
        free(c);
        c = NULL;
    }
    a->head = c;
    if (c != NULL)
        c->used = 0;
    a->next_size = c != NULL ? 2 * GQL_ARENA_FIRST_CHUNK : GQL_ARENA_FIRST_CHUNK;
    a->used = 0;
}

static void *gql_arena_take(gql_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    size_t need = (n + GQL_ARENA_ALIGN - 1) & ~(size_t)(GQL_ARENA_ALIGN - 1);
    gql_chunk *c = a->head;
    if (c == NULL || c->size - c->used < need) {
        size_t size = a->next_size;
        if (size < need)
            size = need;
        c = malloc(sizeof(*c) + size);
        if (c == NULL)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        if (a->next_size < GQL_ARENA_MAX_CHUNK)
            a->next_size *= 2;
    }
    void *p = (char *)c->data + c->used;
    c->used += need;
    a->used += n;
    return p;
}

void *gql_arena_alloc(gql_arena *a, size_t n)
{
    if (a == NULL || gql_arena_hook_fails())
        return NULL;
    return gql_arena_take(a, n);
}

void *gql_arena_calloc(gql_arena *a, size_t n)
{
    void *p = gql_arena_alloc(a, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

char *gql_arena_strndup(gql_arena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = gql_arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

size_t gql_arena_used(const gql_arena *a)
{
    return a == NULL ? 0 : a->used;
}
