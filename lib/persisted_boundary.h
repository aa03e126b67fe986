/* Which part of a room's history is in PostgreSQL, decided once for crm-api's
 * history (fcgi/history.c) and crm-pushd's replay (push/replay.c): each fetches
 * the same facts about a message stream, in one round trip, and this turns them
 * into one position, the boundary. Every message before it is in PostgreSQL
 * (read it there: PERSISTED); from it on the stream is the truth (the worker may
 * not have written it yet: PENDING). Both programs thus show the same message
 * with the same status. */
#ifndef CRM_PERSISTED_BOUNDARY_H
#define CRM_PERSISTED_BOUNDARY_H

#include <hiredis/hiredis.h>
#include <stdint.h>

/* A position above every stream entry: the whole history is in PostgreSQL.
 * Fits a bigint, as the SQL statements take positions. */
#define CRM_BOUNDARY_ALL_MS ((uint64_t)INT64_MAX)

struct crm_stream_facts {
    int has_first; /* the stream holds an entry (first_*: the oldest) */
    uint64_t first_ms, first_seq;
    int has_group; /* crm-worker's group exists (last_*: its last-delivered id) */
    uint64_t last_ms, last_seq;
    uint64_t pending;           /* entries delivered to a worker, not acknowledged */
    uint64_t pend_ms, pend_seq; /* the oldest of them, when pending > 0 */
};

/* The boundary from the facts:
 * - an empty (or absent) stream: nothing is unpersisted, (CRM_BOUNDARY_ALL_MS, 0);
 * - else the oldest pending entry; with none, the position right after the
 *   group's last-delivered id (everything delivered is acknowledged); without a
 *   group, 0-0 (nothing was acknowledged);
 * - never below the stream's first entry: entries are trimmed only once
 *   acknowledged, so whatever is older than the stream is in PostgreSQL. */
void crm_persisted_boundary(const struct crm_stream_facts *f, uint64_t *ms, uint64_t *seq);

/* The commands whose replies make the facts, for stream s, in this order:
 *   XRANGE s - + COUNT 1;  XPENDING s crm-worker;  XINFO GROUPS s
 * (XPENDING on a stream or group that does not exist is an error reply; so is
 * XINFO on a missing stream: both are facts, "none"). Fills f from the three
 * replies; 0, or -1 when a reply is not of the expected shape. */
int crm_stream_facts_parse(const redisReply *first, const redisReply *pending, const redisReply *groups,
                           struct crm_stream_facts *f);

#endif
