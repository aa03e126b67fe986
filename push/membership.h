/* The membership check of a new subscription: the room's member set cached in
 * Redis (crm:members:<room>, filled from PostgreSQL on a miss, kept
 * MEMBERSHIP_TTL seconds). A miss asks PostgreSQL asynchronously (pg_link),
 * within SUB_DB_TIMEOUT_MS; meanwhile the subscription waits (PENDING) and the
 * socket and the process go on. Granted: sub_granted; refused or not decided:
 * the subscription gets an error. */
#ifndef CRM_PUSH_MEMBERSHIP_H
#define CRM_PUSH_MEMBERSHIP_H

struct sub;

#define MEMBERSHIP_TTL 300 /* seconds a room's member set stays cached */

/* Starts the check of s (PENDING). */
void membership_check(struct sub *s);

#endif
