/* Reads every message stream (crm:msg:0..CRM_STREAMS-1) with XREAD BLOCK, one
 * connection per Redis shard, and hands each entry to rooms_deliver. After a lost
 * connection it continues from the last ID it saw, so nothing is skipped. */
#ifndef CRM_PUSH_STREAM_READER_H
#define CRM_PUSH_STREAM_READER_H

struct redis_link;
struct redisAsyncContext;

#define READER_BLOCK_MS 5000       /* XREAD BLOCK time */
#define READER_COUNT 1000          /* entries per XREAD reply at most */
#define READER_STALL_SEC 15        /* no reply for this long: the link is reset */
#define READER_SENDER_WAIT_MS 5000 /* longest wait for the sender of an entry without one */

/* The on_connect argument of shard k's XREAD link. */
void *stream_reader_of_shard(int shard);

/* The redis_link on_connect hook of an XREAD link (arg: stream_reader_of_shard):
 * starts (or resumes) reading. */
void stream_reader_on_connect(struct redis_link *link, struct redisAsyncContext *ac, void *arg);

/* Checks for a stuck XREAD (called by the 1 s sweep). */
void stream_reader_watchdog(void);

/* Frees the reader's state. */
void stream_reader_free(void);

#endif
