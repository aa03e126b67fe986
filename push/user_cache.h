/* Users as Message.sender shows them, read from PostgreSQL (blocking, one short
 * indexed query) on a miss and kept per process. */
#ifndef CRM_PUSH_USER_CACHE_H
#define CRM_PUSH_USER_CACHE_H

#include "message.h"

#include <stdint.h>

#define USER_CACHE_MAX 65536     /* users kept; the table is emptied when full */
#define USER_CACHE_RETRY_SEC 2   /* after a database failure, misses fail this long */

/* A reference to the user (push_user_unref), or NULL when unknown or the
 * database cannot be reached. */
struct push_user *user_cache_get(int64_t id);

/* Frees every cached user. */
void user_cache_clear(void);

#endif
