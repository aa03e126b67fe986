/* Token revocation: SUBSCRIBE crm:revocations on a connection of its own; each
 * published jti closes that token's sockets with 4403. After a reconnection the
 * revocation key of every open socket's token is checked again, so a logout
 * published while the link was down still closes its sockets. */
#ifndef CRM_PUSH_REVOCATION_H
#define CRM_PUSH_REVOCATION_H

struct redis_link;
struct redisAsyncContext;

/* The redis_link on_connect hook of the pubsub link. */
void revocation_on_connect(struct redis_link *link, struct redisAsyncContext *ac, void *arg);

#endif
