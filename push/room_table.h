/* A hash table of subscription groups keyed by an id: each group lists the
 * subscriptions of one room (or, in inbox.c's, of one user) through
 * sub->room_next/room_prev and counts them. rooms.c (messageAdded), typing.c
 * (typing) and inbox.c (inboxUpdated, by user) each keep one; a group may be a
 * larger struct of the caller's that begins with struct room_group. */
#ifndef CRM_PUSH_ROOM_TABLE_H
#define CRM_PUSH_ROOM_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct sub;
struct room_table;

struct room_group {
    struct room_group *next; /* hash chain (the table's) */
    int64_t id;              /* the room (inbox.c: the user) */
    struct sub *subs;        /* via room_next/room_prev */
    size_t count;            /* subscriptions in subs */
};

/* A table of 2^bits buckets whose groups are group_size bytes (at least
 * sizeof(struct room_group)), zeroed when made. Aborts when out of memory. */
struct room_table *room_table_new(unsigned bits, size_t group_size);

/* Frees t and every group left in it, calling release (when not NULL) on each
 * first for what the caller's part of the group owns. NULL is a no-op. */
void room_table_free(struct room_table *t, void (*release)(struct room_group *g));

/* The group of room id, or NULL. */
struct room_group *room_table_find(const struct room_table *t, int64_t id);

/* Adds s to the group of id (made when missing: then its count is 1) and
 * returns the group; the caller remembers it in s. */
struct room_group *room_table_join(struct room_table *t, int64_t id, struct sub *s);

/* Takes s out of g; when g is left empty it is unhooked and returned, for the
 * caller to release its part of and free(); otherwise NULL. */
struct room_group *room_table_leave(struct room_table *t, struct room_group *g, struct sub *s);

#endif
