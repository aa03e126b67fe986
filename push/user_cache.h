/* Users as Message.sender shows them, kept per process. Filled from what
 * carries them without a database round trip: stream entries written by
 * crm-api (the sender rides along) and replayed rows (joined with users). Only
 * for an entry that does not carry its sender (written before it did), and for
 * a socket's viewer at connection_init, is the user loaded from PostgreSQL,
 * asynchronously: that message goes out without a sender (an error on the
 * field), the following ones with it. The misses of one loop turn are loaded
 * with one query (USER_CACHE_BATCH ids at most), so that a thousand sockets
 * connecting at once cost a few queries, not a thousand. */
#ifndef CRM_PUSH_USER_CACHE_H
#define CRM_PUSH_USER_CACHE_H

#include "message.h"
#include "stream_entry.h"

#include <stddef.h>
#include <stdint.h>

#define USER_CACHE_MAX 65536    /* users kept; the table is emptied when full */
#define USER_CACHE_RETRY_SEC 2  /* after a database failure, no loads this long */
#define USER_CACHE_LOAD_MS 5000 /* deadline of one load */
#define USER_CACHE_BATCH 500    /* users one load query asks for at most */

/* The cached user (a reference), or NULL; on a miss a load starts (at most
 * one per user at a time) and fills the cache for later messages. */
struct push_user *user_cache_lookup(int64_t id);

/* 1 while a load of id is in flight. */
int user_cache_loading(int64_t id);

/* While a load of id is in flight: fn(arg) will be called once when it ends
 * (filled or not), and 0 is returned. Else -1, and fn is never called. */
int user_cache_when_loaded(int64_t id, void (*fn)(void *arg), void *arg);

/* The user the entry carries (a reference, cached), or NULL when it carries none. */
struct push_user *user_cache_from_entry(int64_t id, const struct crm_entry_sender *who);

/* Frees every cached user. */
void user_cache_clear(void);

#endif
