/* Dead letters: stream entries the database refused CRM_WORKER_MAX_DELIVERIES
 * times (or that cannot be parsed), kept in CRM_DEAD_STREAM, never dropped.
 *
 * A dead letter is a stream entry whose fields are, in this order:
 *   stream      the stream the message was first accepted on (crm:msg:N, crm:audit)
 *   id          its entry ID there: the message's position, kept through retries
 *   deliveries  how many times it was delivered to a worker
 *   error       why it was refused (SQLSTATE and message, or the parse error)
 *   failed_at   when it was dead-lettered, ms since the epoch
 *   consumer    the worker that dead-lettered it
 * followed by the entry's own fields exactly as they were (stream_entry.h,
 * audit_entry.h).
 *
 * A retry moves it, atomically, to CRM_RETRY_STREAM as an entry with fields
 *   src  <stream>   pos  <id>   followed by the entry's own fields
 * which crm-worker consumes like the others, storing the message at its original
 * position. All calls here are blocking hiredis calls on the caller's context; on
 * CRM_DL_EREDIS with c->err set the caller drops the connection. */
#ifndef CRM_DEAD_LETTERS_H
#define CRM_DEAD_LETTERS_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#define CRM_RETRY_STREAM "crm:retry"
#define CRM_DEAD_META_FIELDS 6 /* field/value pairs before the entry's own */
#define CRM_RETRY_META_FIELDS 2
#define CRM_DEAD_LIST_MAX 1000 /* most dead letters one list call returns */

enum crm_dl_err {
    CRM_DL_OK = 0,
    CRM_DL_ENOTFOUND = -1, /* no dead letter with that id (already retried?) */
    CRM_DL_EREDIS = -2,    /* Redis did not answer or answered an error */
    CRM_DL_ENOMEM = -3,
    CRM_DL_EINVAL = -4, /* a malformed id or limit */
};

/* Writes a dead letter for entry src_id of src_key and acknowledges that entry for
 * the crm-worker group, both in one MULTI/EXEC. orig_stream/orig_id name the
 * message's first stream and position (the same as src_* unless it came from the
 * retry stream). fields is the entry's field/value array, copied from element
 * `first` on. Costs one round trip. Returns 0 or CRM_DL_EREDIS. */
int crm_dead_letter_store(redisContext *c, const char *src_key, const char *src_id, const char *orig_stream,
                          const char *orig_id, long long deliveries, const char *error, const char *consumer,
                          const redisReply *fields, size_t first);

/* Sends dead letter dead_id back through the pipeline once: a Lua script appends
 * it to CRM_RETRY_STREAM with its original stream and position and deletes it
 * from CRM_DEAD_STREAM, atomically. Returns 0, CRM_DL_ENOTFOUND, CRM_DL_EINVAL
 * (dead_id not an entry ID) or CRM_DL_EREDIS. */
int crm_dead_letter_retry(redisContext *c, const char *dead_id);

/* One dead letter as listed; every pointer is owned by the list. */
struct crm_dead_letter {
    char id[48];           /* its ID in CRM_DEAD_STREAM (what retry takes) */
    char stream[64];       /* the message's first stream */
    char message_id[48];   /* the message's position there (stream entry ID) */
    int64_t room_id;       /* 0 when the entry has no valid room field (audit, malformed) */
    char *idempotency_key; /* NULL when the entry has no key field */
    long long deliveries;
    char *error; /* never NULL */
    int64_t failed_at_ms;
    char *entry_json; /* the entry's own fields as a JSON object of strings */
};

/* Lists up to limit (1..CRM_DEAD_LIST_MAX) dead letters, newest first. On success
 * *out is an array of *n entries owned by the caller (crm_dead_letters_free);
 * on error *out is NULL and *n 0. Costs one XREVRANGE. */
int crm_dead_letters_list(redisContext *c, size_t limit, struct crm_dead_letter **out, size_t *n);

/* Frees a list from crm_dead_letters_list; (NULL, 0) is a no-op. */
void crm_dead_letters_free(struct crm_dead_letter *list, size_t n);

#endif
