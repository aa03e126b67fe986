/* Names shared by crm-api, crm-pushd and crm-worker for the Redis keys of the
 * message path. Messages are spread over CRM_STREAMS streams by room, so order is
 * kept per room while several Redis servers can carry the streams. */
#ifndef CRM_STREAMS_H
#define CRM_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#define CRM_STREAM_PREFIX "crm:msg:"  /* + partition number */
#define CRM_AUDIT_STREAM "crm:audit"  /* audit records, persisted by crm-worker */
#define CRM_DEAD_STREAM "crm:dead"    /* entries the database refused N times */
#define CRM_WORKER_GROUP "crm-worker" /* the consumer group of every crm-worker */
#define CRM_STREAM_NAME_MAX 32

/* Token revocation (logout): the key CRM_REVOKED_PREFIX + jti exists until the
 * token's exp, and the jti is published on CRM_REVOKED_CHANNEL so that every
 * crm-pushd closes that token's sockets at once (4403). */
#define CRM_REVOKED_PREFIX "crm:revoked:"
#define CRM_REVOKED_CHANNEL "crm:revocations"

/* Room membership cache of crm-pushd: a set of user ids per room, filled from
 * PostgreSQL on a miss, deleted by crm-api when members change. */
#define CRM_MEMBERS_PREFIX "crm:members:"
/* crm:members:<room>:p holds the room's patient id (0: none) beside the set. */
#define CRM_MEMBERS_PATIENT_SUFFIX ":p"
/* crm:members:<room>:g counts the room's membership changes: crm-api raises it
 * before deleting the cache, and crm-pushd fills the cache only if it has not
 * moved since before its database read (a read older than a change is not
 * cached after it). Kept CRM_MEMBERS_GEN_TTL seconds after the last change. */
#define CRM_MEMBERS_GEN_SUFFIX ":g"
#define CRM_MEMBERS_GEN_TTL 86400

/* The partition of a room: room_id modulo streams (streams >= 1). */
static inline int crm_stream_of_room(int64_t room_id, int streams)
{
    return (int)((uint64_t)room_id % (uint64_t)streams);
}

/* Writes the key of partition i into buf; returns buf. */
char *crm_stream_name(char buf[CRM_STREAM_NAME_MAX], int partition);

#endif
