/* Replay of what a subscription with `after` missed: from the stream (XRANGE
 * pages), and from PostgreSQL for the part older than the stream's first entry
 * (everything trimmed from the stream was acknowledged, so it is in the table;
 * above it the stream is the truth, the worker may not have written it yet).
 * Live entries of the room are held meanwhile (rooms.c), then sent. Pages go
 * out only while the socket's queue is below WS_LOW_WATER. The database is
 * asked asynchronously (pg_link), within SUB_DB_TIMEOUT_MS, else the
 * subscription gets an error. */
#ifndef CRM_PUSH_REPLAY_H
#define CRM_PUSH_REPLAY_H

struct sub;

#define REPLAY_PAGE 200 /* entries per XRANGE or SELECT */

/* Starts replaying s (state REPLAY, registered in its room). */
void replay_start(struct sub *s);

/* The socket's queue drained: continues s if it waited for that. */
void replay_drained(struct sub *s);

#endif
