/* Replay of what a subscription with `after` missed. Which part of the room's
 * history is read from PostgreSQL and which from the stream is decided by
 * lib/persisted_boundary.h (crm-api's history uses the same rule): before the
 * boundary every message is in PostgreSQL (PERSISTED), from it on the stream
 * is the truth (PENDING). Live entries of the room are held meanwhile
 * (rooms.c), then sent.
 *
 * Bounded and fair, so that one user replaying big rooms on many sockets does
 * not slow anyone else:
 * - nothing is materialised: a page of at most REPLAY_PAGE entries is asked for
 *   (XRANGE ... COUNT, or SELECT ... LIMIT), and its entries are queued on the
 *   socket only until its queue holds REPLAY_QUEUE_HIGH bytes (the rest of the
 *   page is asked for again later); the next page is asked for only once the
 *   socket's queue is below WS_LOW_WATER;
 * - subscriptions ready for their next page wait their turn: sockets take
 *   turns in one FIFO per process, and a socket's replays take turns within
 *   its turn (a socket with 32 replays gets no more than one with one); a
 *   timer that runs once per loop turn, after the turn's I/O (new
 *   sockets, connection_init, live entries), starts at most
 *   REPLAY_MAX_IN_FLIGHT page requests, and a socket goes back to the end of
 *   the FIFO after each page: round-robin, at most one page per
 *   subscription per turn, and the Redis link that also carries connection_init's
 *   revocation check holds at most REPLAY_MAX_IN_FLIGHT pages before it.
 * The database is asked asynchronously (pg_link), within SUB_DB_TIMEOUT_MS,
 * else the subscription gets an error. */
#ifndef CRM_PUSH_REPLAY_H
#define CRM_PUSH_REPLAY_H

struct sub;

#define REPLAY_PAGE 128                 /* entries per XRANGE or SELECT */
#define REPLAY_MAX_IN_FLIGHT 4          /* page requests at once, per process */
#define REPLAY_QUEUE_HIGH (256u * 1024) /* a page stops filling a socket's queue here */

/* Starts replaying s (state REPLAY, registered in its room). */
void replay_start(struct sub *s);

/* The socket's queue drained: continues s if it waited for that. */
void replay_drained(struct sub *s);

/* s is going away: off its socket's list of replays ready for a page. */
void replay_forget(struct sub *s);

/* Drops the run queue (at exit, after the sockets and links are gone). */
void replay_shutdown(void);

#endif
