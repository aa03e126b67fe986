/* A room's history: PostgreSQL merged with the stream entries not yet persisted,
 * so a message is in history from the moment it was accepted. */
#ifndef CRM_API_HISTORY_H
#define CRM_API_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "message.h"
#include "redis_sync.h"

#include <hiredis/hiredis.h>

#define CRM_HISTORY_MAX 100        /* most messages per page */
#define CRM_HISTORY_SCAN_MAX 20000 /* most stream entries scanned for unpersisted ones */

enum history_err {
    HISTORY_OK = 0,
    HISTORY_EUNAVAILABLE = -1, /* PostgreSQL or Redis did not answer */
    HISTORY_ENOMEM = -2,
};

/* Loads the newest `limit` (1..CRM_HISTORY_MAX) messages of room strictly before
 * position (before_ms, before_seq) — or the newest when has_before is 0 — oldest
 * first, into *out (*n entries, owned by the caller: history_free). Internal
 * notes are left out (not counted either) unless with_internal: a patient's
 * history never holds one. */
int history_load(struct crm_db *db, struct crm_redis *r, int streams, int64_t room, int has_before,
                 uint64_t before_ms, uint64_t before_seq, int limit, int with_internal,
                 struct api_message **out, size_t *n);

void history_free(struct api_message *msgs, size_t n);

/* The persisted boundary of stream (lib/persisted_boundary.h) into (*ms, *seq):
 * every message before it is in PostgreSQL, from it on read the stream. One
 * round trip. 0, or -1 (the connection may then be broken: check c->err). */
int history_boundary(redisContext *c, const char *stream, uint64_t *ms, uint64_t *seq);

#endif
