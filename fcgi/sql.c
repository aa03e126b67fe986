#include "config.h"

#include "sql.h"

#include "log.h"

#include <stdio.h>
#include <string.h>

struct stmt {
    const char *name;
    const char *text;
};

#define USER_COLS                     \
    "id, email, display_name, role, " \
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define ROOM_COLS    \
    "r.id, r.name, " \
    "to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define MSG_COLS "room_id, sender_id, body, idempotency_key, stream_ms, stream_seq"

/* Comments name the index each statement relies on. */
static const struct stmt stmts[SQL_COUNT] = {
    [SQL_USER_BY_ID] = {"user_by_id", "SELECT " USER_COLS " FROM users WHERE id = $1"},
    /* users_email_key */
    [SQL_USER_BY_EMAIL] = {"user_by_email", "SELECT " USER_COLS ", password_hash FROM users "
                                            "WHERE lower(email) = lower($1)"},
    [SQL_USER_INSERT] = {"user_insert", "INSERT INTO users (email, display_name, role, password_hash) "
                                        "VALUES ($1, $2, $3::user_role, $4) "
                                        "ON CONFLICT ((lower(email))) DO NOTHING RETURNING " USER_COLS},
    /* users_name_prefix, users_email_prefix; $1 is an escaped LIKE prefix */
    [SQL_USERS_SEARCH] = {"users_search",
                          "SELECT " USER_COLS " FROM users WHERE $1::text IS NULL "
                          "OR lower(display_name) LIKE lower($1) || '%' "
                          "OR lower(email) LIKE lower($1) || '%' ORDER BY display_name, id LIMIT $2"},
    /* room_members_by_user */
    [SQL_ROOMS_OF_USER] = {"rooms_of_user",
                           "SELECT " ROOM_COLS " FROM room_members m JOIN rooms r ON r.id = m.room_id "
                           "WHERE m.user_id = $1 ORDER BY r.id"},
    [SQL_ROOM_IF_MEMBER] = {"room_if_member",
                            "SELECT " ROOM_COLS " FROM room_members m JOIN rooms r ON r.id = m.room_id "
                            "WHERE m.room_id = $1 AND m.user_id = $2"},
    /* room_members primary key */
    /* The member's profile comes along: sendMessage writes it into the stream
     * entry, so that crm-pushd shows the sender without asking the database. */
    [SQL_IS_MEMBER] = {"is_member",
                       "SELECT u.email, u.display_name, u.role::text, "
                       "to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                       "FROM room_members m JOIN users u ON u.id = m.user_id "
                       "WHERE m.room_id = $1 AND m.user_id = $2"},
    [SQL_ROOM_MEMBERS] = {"room_members",
                          "SELECT u.id, u.email, u.display_name, u.role, "
                          "to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') "
                          "FROM room_members m JOIN users u ON u.id = m.user_id "
                          "WHERE m.room_id = $1 ORDER BY m.added_at, u.id"},
    [SQL_ROOM_INSERT] = {"room_insert",
                         "INSERT INTO rooms (name, created_by) VALUES ($1, $2) RETURNING id, name, "
                         "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"},
    [SQL_MEMBER_INSERT] = {"member_insert",
                           "INSERT INTO room_members (room_id, user_id, added_by) VALUES ($1, $2, $3) "
                           "ON CONFLICT (room_id, user_id) DO NOTHING "
                           "RETURNING member_role::text"},
    /* messages_room_position, backwards from a position */
    [SQL_MESSAGES_BEFORE] = {"messages_before", "SELECT " MSG_COLS " FROM messages WHERE room_id = $1 "
                                                "AND (stream_ms, stream_seq) < ($2::bigint, $3::bigint) "
                                                "ORDER BY stream_ms DESC, stream_seq DESC LIMIT $4"},
    [SQL_MESSAGES_LATEST] = {"messages_latest", "SELECT " MSG_COLS " FROM messages WHERE room_id = $1 "
                                                "ORDER BY stream_ms DESC, stream_seq DESC LIMIT $2"},
    /* messages_sender_key */
    [SQL_MESSAGE_BY_SENDER_KEY] = {"message_by_sender_key",
                                   "SELECT " MSG_COLS " FROM messages WHERE sender_id = $1 "
                                   "AND idempotency_key = $2"},
    [SQL_LAST_MESSAGE] = {"last_message", "SELECT " MSG_COLS " FROM messages WHERE room_id = $1 "
                                          "ORDER BY stream_ms DESC, stream_seq DESC LIMIT 1"},
};

/* Which statements are prepared on the connection of this generation. */
static unsigned prepared_generation;
static unsigned char prepared[SQL_COUNT];

/* One attempt; *lost is set when the connection broke (db reset). */
static PGresult *run_once(struct crm_db *db, enum sql_stmt s, int n, const char *const *params, int *lost,
                          int *idle)
{
    *lost = 0;
    PGconn *c = crm_db_get(db);
    if (!c)
        return NULL;
    *idle = PQtransactionStatus(c) == PQTRANS_IDLE;
    if (prepared_generation != db->generation) {
        memset(prepared, 0, sizeof prepared);
        prepared_generation = db->generation;
    }
    if (!prepared[s]) {
        PGresult *p = PQprepare(c, stmts[s].name, stmts[s].text, 0, NULL);
        int ok = PQresultStatus(p) == PGRES_COMMAND_OK;
        if (!ok && PQstatus(c) == CONNECTION_OK)
            log_error("prepare %s: %s", stmts[s].name, PQresultErrorMessage(p));
        PQclear(p);
        if (!ok) {
            if (PQstatus(c) != CONNECTION_OK) {
                *lost = 1;
                crm_db_reset(db);
            }
            return NULL;
        }
        prepared[s] = 1;
    }
    PGresult *r = PQexecPrepared(c, stmts[s].name, n, params, NULL, NULL, 0);
    if (!r || PQstatus(c) != CONNECTION_OK) {
        PQclear(r);
        *lost = 1;
        crm_db_reset(db);
        return NULL;
    }
    return r;
}

PGresult *sql_run(struct crm_db *db, enum sql_stmt s, int n, const char *const *params)
{
    int lost, idle = 0;
    int fresh = db->conn == NULL;
    PGresult *r = run_once(db, s, n, params, &lost, &idle);
    /* A connection that died since the last request (the server restarted) is
     * replaced and a read sent again; a write or a statement inside a
     * transaction is not repeated: the caller reports the error. */
    if (!r && lost && !fresh && idle && strncmp(stmts[s].text, "SELECT", 6) == 0)
        r = run_once(db, s, n, params, &lost, &idle);
    if (!r) {
        log_warn("postgresql: %s failed: %s", stmts[s].name, lost ? "connection lost" : "unavailable");
        return NULL;
    }
    if (PQresultStatus(r) == PGRES_FATAL_ERROR && !sql_is_constraint_error(r, NULL))
        log_warn("postgresql: %s: %s", stmts[s].name, PQresultErrorField(r, PG_DIAG_SQLSTATE));
    return r;
}

int sql_is_constraint_error(const PGresult *r, const char **constraint)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (constraint)
        *constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    /* Class 23: integrity constraint violation; 22: data exception (bad value). */
    return state && (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0);
}

int sql_tx(struct crm_db *db, const char *verb)
{
    PGconn *c = crm_db_get(db);
    if (!c)
        return -1;
    PGresult *r = PQexec(c, verb);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok && PQstatus(c) != CONNECTION_OK)
        crm_db_reset(db);
    return ok ? 0 : -1;
}
