/* Writing a batch into PostgreSQL: messages and audit records of the batch in one
 * statement (one transaction, one round trip), insert-or-ignore on
 * (sender_id, idempotency_key) and audit_log.stream_id, so a redelivered entry is
 * stored once. When the database refuses a row for its content (SQLSTATE class 22
 * or 23), the batch is written again row by row under savepoints in one
 * transaction: the refused rows are marked ITEM_REJECTED with their error, the rest
 * is stored. Any other failure (server down, restarting, slow, out of resources)
 * is transient: nothing is marked and the caller retries the batch later. */
#ifndef WORKER_PERSIST_BATCH_H
#define WORKER_PERSIST_BATCH_H

#include "batch.h"
#include "db.h"
#include "pg_array.h"

#define PERSIST_PARAMS 15

struct persist {
    struct crm_db db;                       /* the connection (reconnects after a loss) */
    unsigned prepared_gen;                  /* db.generation the statement was prepared on; 0: none */
    struct pg_array arrays[PERSIST_PARAMS]; /* parameter buffers, reused across batches */
};

struct persist_result {
    long messages;   /* message rows inserted */
    long audit;      /* audit rows inserted */
    long ignored;    /* rows already stored (redeliveries) */
    long rejected;   /* rows refused for their content */
    long key_reused; /* not stored: their sender's key is another message's (logged) */
    int isolated;    /* 1 when the batch was written row by row */
};

enum persist_rc {
    PERSIST_OK = 0,
    PERSIST_ETRANSIENT = -1, /* nothing known to be stored: retry with backoff */
};

void persist_init(struct persist *p, const char *url);
void persist_deinit(struct persist *p);

/* Stores the ITEM_NEW items of b; on PERSIST_OK each is ITEM_STORED or
 * ITEM_REJECTED and res is filled. On PERSIST_ETRANSIENT items stay ITEM_NEW. */
int persist_batch_store(struct persist *p, struct batch *b, struct persist_result *res);

/* 1 when the connection is up (for /health). */
int persist_db_up(const struct persist *p);

#endif
