/* gql_arena: bump allocator owning every byte of one document, schema or
 * error list. Nothing allocated from an arena is freed on its own: the whole
 * arena goes at once with gql_arena_free. Not thread-safe (one arena per
 * request); the failure hook is process-global and meant for tests only. */
#ifndef GQL_ARENA_H
#define GQL_ARENA_H

#include <stddef.h>

typedef struct gql_arena gql_arena;

/* Creates an empty arena. Returns NULL when memory runs out (or the test
 * hook says so). The caller owns it and frees it with gql_arena_free. */
gql_arena *gql_arena_new(void);

/* Frees the arena and everything allocated from it. NULL is a no-op. */
void gql_arena_free(gql_arena *a);

/* Empties the arena for reuse: everything allocated from it is gone, and
 * its first (smallest) chunk is kept, so a reused arena costs no malloc for
 * small needs and holds little memory while idle. */
void gql_arena_reset(gql_arena *a);

/* Returns n bytes aligned for any type, owned by the arena; NULL when memory
 * runs out or n is absurd. Memory is not zeroed. */
void *gql_arena_alloc(gql_arena *a, size_t n);

/* Like gql_arena_alloc but zero-filled. */
void *gql_arena_calloc(gql_arena *a, size_t n);

/* Copies n bytes of s and appends a NUL; NULL when memory runs out. */
char *gql_arena_strndup(gql_arena *a, const char *s, size_t n);

/* Bytes handed out so far (for statistics and tests). */
size_t gql_arena_used(const gql_arena *a);

/* Test hook: the next n allocation requests (gql_arena_new, _alloc, _calloc,
 * _strndup) succeed and every later one fails, until called again.
 * n < 0 switches the hook off (the default). */
void gql_arena_fail_after(long n);

#endif
