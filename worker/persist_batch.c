#include "config.h"

#include "persist_batch.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STMT_NAME "crm_worker_store"

/* Both inserts in one statement: one round trip, one implicit transaction. Rows
 * arrive as arrays, unnested in order; an empty array inserts nothing. The
 * messages stored move their rooms' updated_at forward (to the newest message's
 * time, or by a microsecond when a status change was later: never back, as
 * batches of several streams arrive in any order), and public_updated_at (what
 * a patient sees) the same way for messages that are not internal notes: a
 * note must not tell a patient that staff wrote something. A patient's message
 * opens their RESOLVED conversation again. */
static const char STORE_SQL[] =
    "WITH m AS ("
    " INSERT INTO messages (room_id, sender_id, body, idempotency_key, stream_ms, stream_seq,"
    "  created_at, internal)"
    " SELECT r, s, b, k, ms, seq, timestamptz 'epoch' + ms * interval '1 millisecond', i"
    " FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[],"
    "  $6::bigint[], $14::boolean[]) AS t(r, s, b, k, ms, seq, i)"
    " ON CONFLICT (sender_id, idempotency_key) DO NOTHING RETURNING room_id, sender_id, created_at, "
    "internal, idempotency_key),"
    /* Rows not inserted whose sender and key an earlier message holds with
     * another room or body: not a redelivery but a key used again for a new
     * message (beyond the idempotency window, or in a room on another Redis
     * shard). It is not stored; its positions are returned to be reported. */
    " c AS ("
    " SELECT count(*) AS n, string_agg(t.ms || '-' || t.seq, ',') AS ids"
    " FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])"
    "  AS t(r, s, b, k, ms, seq)"
    " WHERE NOT EXISTS (SELECT 1 FROM m WHERE m.sender_id = t.s AND m.idempotency_key = t.k)"
    "  AND EXISTS (SELECT 1 FROM messages x WHERE x.sender_id = t.s AND x.idempotency_key = t.k"
    "   AND (x.room_id <> t.r OR x.body <> t.b))),"
    " u AS ("
    " UPDATE rooms SET updated_at = greatest(rooms.updated_at + interval '1 microsecond', x.at),"
    "  public_updated_at = CASE WHEN x.public_at IS NULL THEN rooms.public_updated_at"
    "   ELSE greatest(rooms.public_updated_at + interval '1 microsecond', x.public_at) END,"
    "  status = CASE WHEN rooms.status = 'RESOLVED' AND rooms.patient_id = ANY (x.senders)"
    "   THEN 'OPEN'::conversation_status ELSE rooms.status END"
    " FROM (SELECT room_id, max(created_at) AS at, max(created_at) FILTER (WHERE NOT internal) AS public_at,"
    "  array_agg(sender_id) AS senders FROM m GROUP BY room_id) x WHERE rooms.id = x.room_id RETURNING 1),"
    " a AS ("
    " INSERT INTO audit_log (stream_id, at, actor_id, action, target, client_addr, detail, patient_id)"
    " SELECT sid, timestamptz 'epoch' + ms * interval '1 millisecond', actor, act,"
    "  NULLIF(tgt, ''), addr::inet, detail::jsonb, pat"
    " FROM unnest($7::text[], $8::bigint[], $9::bigint[], $10::text[], $11::text[],"
    "  $12::text[], $13::text[], $15::bigint[]) AS t(sid, ms, actor, act, tgt, addr, detail, pat)"
    " ON CONFLICT (stream_id) DO NOTHING RETURNING 1)"
    " SELECT (SELECT count(*) FROM m), (SELECT count(*) FROM a), (SELECT n FROM c), (SELECT ids FROM c)";

void persist_init(struct persist *p, const char *url)
{
    memset(p, 0, sizeof *p);
    crm_db_init(&p->db, url);
}

void persist_deinit(struct persist *p)
{
    crm_db_deinit(&p->db);
    for (int i = 0; i < PERSIST_PARAMS; i++)
        pg_array_deinit(&p->arrays[i]);
}

int persist_db_up(const struct persist *p)
{
    return p->db.conn && PQstatus(p->db.conn) == CONNECTION_OK;
}

/* Class 22 (data exception) and 23 (integrity constraint violation): the row's
 * content is at fault, and sending it again will fail again. */
static int is_content_error(const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return state && (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0);
}

/* "SQLSTATE: primary message": what a dead letter records (no DETAIL: it may
 * quote row values). */
static void error_text(const PGresult *r, PGconn *conn, char *buf, size_t size)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(conn);
    snprintf(buf, size, "%s: %s", state ? state : "?????", msg);
    buf[strcspn(buf, "\n")] = '\0';
}

/* libpq's last error on one line, for the log (its messages span lines). */
static const char *conn_error(PGconn *conn)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s", PQerrorMessage(conn));
    for (char *c = buf; *c; c++)
        if (*c == '\n' || *c == '\t')
            *c = ' ';
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == ' ')
        buf[--n] = '\0';
    return buf;
}

static PGconn *connection(struct persist *p)
{
    PGconn *conn = crm_db_get(&p->db);
    if (!conn)
        return NULL;
    if (p->prepared_gen != p->db.generation) {
        PGresult *r = PQprepare(conn, STMT_NAME, STORE_SQL, 0, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            log_error("postgresql: prepare failed: %s", conn_error(conn));
        PQclear(r);
        if (!ok) {
            crm_db_reset(&p->db);
            return NULL;
        }
        p->prepared_gen = p->db.generation;
    }
    return conn;
}

/* Fills the 15 parameter arrays from items [from, to) in state ITEM_NEW. */
static void fill_params(struct persist *p, const struct batch *b, size_t from, size_t to, const char **values)
{
    struct pg_array *a = p->arrays;
    for (int i = 0; i < PERSIST_PARAMS; i++)
        pg_array_reset(&a[i]);
    for (size_t i = from; i < to; i++) {
        const struct batch_item *it = &b->items[i];
        if (it->state != ITEM_NEW)
            continue;
        if (it->kind == ITEM_MESSAGE) {
            pg_array_add_int(&a[0], it->msg.room_id);
            pg_array_add_int(&a[1], it->msg.sender_id);
            pg_array_add_text(&a[2], it->msg.body, it->msg.body_len);
            pg_array_add_text(&a[3], it->msg.key, it->msg.key_len);
            pg_array_add_int(&a[4], (int64_t)it->ms);
            pg_array_add_int(&a[5], (int64_t)it->seq);
            pg_array_add_text(&a[13], it->msg.internal ? "t" : "f", 1);
        } else {
            const struct crm_audit_entry *e = &it->audit;
            pg_array_add_text(&a[6], it->orig_id, strlen(it->orig_id));
            pg_array_add_int(&a[7], (int64_t)it->ms);
            if (e->actor_id > 0)
                pg_array_add_int(&a[8], e->actor_id);
            else
                pg_array_add_null(&a[8]);
            pg_array_add_text(&a[9], e->action, e->action_len);
            pg_array_add_text(&a[10], e->target, e->target_len);
            if (e->addr_len > 0)
                pg_array_add_text(&a[11], e->addr, e->addr_len);
            else
                pg_array_add_null(&a[11]);
            pg_array_add_text(&a[12], e->detail, e->detail_len);
            if (e->patient_id > 0)
                pg_array_add_int(&a[14], e->patient_id);
            else
                pg_array_add_null(&a[14]);
        }
    }
    for (int i = 0; i < PERSIST_PARAMS; i++)
        values[i] = pg_array_finish(&a[i]);
}

/* Runs the statement for items [from, to). Returns the result (caller clears). */
static PGresult *run_store(struct persist *p, PGconn *conn, const struct batch *b, size_t from, size_t to)
{
    const char *values[PERSIST_PARAMS];
    fill_params(p, b, from, to, values);
    return PQexecPrepared(conn, STMT_NAME, PERSIST_PARAMS, values, NULL, NULL, 0);
}

static void count_result(const PGresult *r, struct persist_result *res, long rows)
{
    long m = strtol(PQgetvalue(r, 0, 0), NULL, 10), a = strtol(PQgetvalue(r, 0, 1), NULL, 10);
    res->messages += m;
    res->audit += a;
    long reused = strtol(PQgetvalue(r, 0, 2), NULL, 10);
    res->ignored += rows - m - a - reused;
    res->key_reused += reused;
    if (reused > 0)
        log_warn("%ld message(s) not stored: the sender had used the idempotency key for another message "
                 "(stream entries %.200s)",
                 reused, PQgetvalue(r, 0, 3));
}

static int simple(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        log_warn("postgresql: %s failed: %s", sql, conn_error(conn));
    PQclear(r);
    return ok ? 0 : -1;
}

/* The row-by-row pass after a content error: every ITEM_NEW item under its own
 * savepoint, one transaction. Marks refused items; the others are marked stored
 * only once COMMIT succeeded. */
static int store_isolated(struct persist *p, PGconn *conn, struct batch *b, struct persist_result *res)
{
    char *refused = calloc(b->n ? b->n : 1, 1);
    char **errors = calloc(b->n ? b->n : 1, sizeof *errors);
    int rc = PERSIST_ETRANSIENT;
    struct persist_result part = {0};
    part.isolated = 1;
    if (!refused || !errors) {
        crm_oom();
    }
    if (simple(conn, "BEGIN") < 0)
        goto cleanup;
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].state != ITEM_NEW)
            continue;
        if (simple(conn, "SAVEPOINT row") < 0)
            goto cleanup;
        PGresult *r = run_store(p, conn, b, i, i + 1);
        if (PQresultStatus(r) == PGRES_TUPLES_OK) {
            count_result(r, &part, 1);
        } else if (is_content_error(r)) {
            char text[512];
            error_text(r, conn, text, sizeof text);
            refused[i] = 1;
            errors[i] = strdup(text);
            part.rejected++;
            log_warn("stream %s entry %s refused by the database: %s", b->items[i].src_key, b->items[i].id,
                     text);
            PQclear(r);
            if (simple(conn, "ROLLBACK TO SAVEPOINT row") < 0)
                goto cleanup;
            continue;
        } else {
            log_warn("postgresql: row insert failed: %s", conn_error(conn));
            PQclear(r);
            goto cleanup;
        }
        PQclear(r);
    }
    if (simple(conn, "COMMIT") < 0)
        goto cleanup;
    for (size_t i = 0; i < b->n; i++) {
        if (b->items[i].state != ITEM_NEW)
            continue;
        if (refused[i])
            batch_item_fail(&b->items[i], ITEM_REJECTED, errors[i] ? errors[i] : "refused");
        else
            b->items[i].state = ITEM_STORED;
    }
    res->messages += part.messages;
    res->audit += part.audit;
    res->ignored += part.ignored;
    res->key_reused += part.key_reused;
    res->rejected += part.rejected;
    res->isolated = 1;
    rc = PERSIST_OK;
cleanup:
    if (rc != PERSIST_OK && PQtransactionStatus(conn) != PQTRANS_IDLE) {
        /* A broken connection or failed transaction: start clean next time. */
        crm_db_reset(&p->db);
    }
    for (size_t i = 0; i < b->n; i++)
        free(errors[i]);
    free(errors);
    free(refused);
    return rc;
}

int persist_batch_store(struct persist *p, struct batch *b, struct persist_result *res)
{
    memset(res, 0, sizeof *res);
    long rows = 0;
    for (size_t i = 0; i < b->n; i++)
        rows += b->items[i].state == ITEM_NEW;
    if (rows == 0)
        return PERSIST_OK;
    PGconn *conn = connection(p);
    if (!conn)
        return PERSIST_ETRANSIENT;
    PGresult *r = run_store(p, conn, b, 0, b->n);
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        count_result(r, res, rows);
        PQclear(r);
        for (size_t i = 0; i < b->n; i++)
            if (b->items[i].state == ITEM_NEW)
                b->items[i].state = ITEM_STORED;
        return PERSIST_OK;
    }
    if (is_content_error(r)) {
        char text[512];
        error_text(r, conn, text, sizeof text);
        log_info("batch of %ld rows refused (%s); storing row by row", rows, text);
        PQclear(r);
        return store_isolated(p, conn, b, res);
    }
    log_warn("postgresql: batch insert failed: %s", conn_error(conn));
    PQclear(r);
    if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE)
        crm_db_reset(&p->db);
    return PERSIST_ETRANSIENT;
}
