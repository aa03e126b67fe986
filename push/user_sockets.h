/* Sockets per user (CRM_WS_MAX_SOCKETS_PER_USER): one user may not hold
 * enough sockets to slow crm-pushd for everyone. The count is kept per process,
 * each allowing its share of the cap (rounded up): the kernel spreads one
 * user's connections over the processes (SO_REUSEPORT hashes the peer's port),
 * so a user reaches about the cap in total. A count shared in Redis was not
 * chosen: it costs a round trip on every connection_init, must be refreshed
 * for every open socket, and is wrong for a while after a process dies. */
#ifndef CRM_PUSH_USER_SOCKETS_H
#define CRM_PUSH_USER_SOCKETS_H

#include <stdint.h>

/* The cap of one process: ceil(cap / processes); 0 is no cap. */
int user_sockets_share(int cap, int processes);

/* Counts a socket of user_id; 0, or -1 (nothing counted) when the user
 * already holds share sockets in this process. */
int user_sockets_take(int64_t user_id, int share);

/* A counted socket of user_id closed. */
void user_sockets_release(int64_t user_id);

/* The sockets of user_id counted in this process. */
int user_sockets_count(int64_t user_id);

/* Calls fn for each user holding a counted socket (presence after a reconnect). */
void user_sockets_each(void (*fn)(int64_t user_id, void *arg), void *arg);

/* Frees the table (at exit). */
void user_sockets_clear(void);

#endif
