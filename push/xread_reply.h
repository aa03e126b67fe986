/* The XREAD reply of crm-pushd's stream reader, walked without I/O so that it is
 * tested on its own: [[stream, [[id, [field, value, ...]], ...]], ...], or nil
 * when BLOCK timed out. */
#ifndef CRM_PUSH_XREAD_REPLY_H
#define CRM_PUSH_XREAD_REPLY_H

#include "stream_entry.h"
#include "streams.h"

#include <hiredis/hiredis.h>
#include <stdint.h>

/* One entry as xread_reply_walk hands it out. */
struct xread_entry {
    int stream;                /* index into the names given to the walk */
    uint64_t ms, seq;          /* its ID */
    int err;                   /* 0, or the crm_entry_err of fields that do not parse (e is then undefined) */
    struct crm_stream_entry e; /* borrows from the reply */
};

typedef void (*xread_entry_fn)(void *arg, const struct xread_entry *x);

/* Calls fn, in reply order, for every entry with a valid ID of a stream named in
 * names[0..nstreams); an entry whose fields do not parse is handed out too (err
 * set), so the reader's position moves past it. Streams not named, and entries
 * without a valid ID, are skipped. Returns the number of entries handed out (0
 * for a nil or non-array reply). */
size_t xread_reply_walk(const redisReply *reply, char (*names)[CRM_STREAM_NAME_MAX], int nstreams,
                        xread_entry_fn fn, void *arg);

#endif
