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
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
/* sql.h's ROOM_COL_* name these columns. updated_at comes twice: as the
 * DateTime shown, and in microseconds for the inbox's keyset cursor. */
#define ROOM_COLS                                                         \
    "r.id, r.name, " ISO(                                                 \
        "r.created_at") ", r.status::text, r.assignee_id, r.patient_id, " \
                        "array_to_json(r.tags)::text, " ISO(              \
                            "r.updated_at") ", "                          \
                                            "(extract(epoch FROM r.updated_at) * 1000000)::bigint"
/* sql.h's PROFILE_COL_*: the user (as USER_COLS), then the record. */
#define PROFILE_COLS                                                                            \
    "u.id, u.email, u.display_name, u.role, " ISO(                                              \
        "u.created_at") ", p.mrn, "                                                             \
                        "to_char(p.date_of_birth, 'YYYY-MM-DD'), p.phone, p.staff_notes, " ISO( \
                            "coalesce(p.updated_at, u.created_at)")
/* Who may read a room's messages: its members, and staff and admins ($2) for
 * an unassigned conversation (triage). $1 is the caller. */
#define ROOM_READABLE                                                                   \
    "(EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = $1) " \
    "OR ($2::boolean AND r.patient_id IS NOT NULL AND r.assignee_id IS NULL))"
/* USER_COLS of the users row aliased u. */
#define USER_COLS_U "u.id, u.email, u.display_name, u.role, " ISO("u.created_at")
#define MSG_COLS "room_id, sender_id, body, idempotency_key, stream_ms, stream_seq, internal"

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
                         "INSERT INTO rooms AS r (name, created_by) VALUES ($1, $2) RETURNING " ROOM_COLS},
    [SQL_MEMBER_INSERT] = {"member_insert",
                           "INSERT INTO room_members (room_id, user_id, added_by) VALUES ($1, $2, $3) "
                           "ON CONFLICT (room_id, user_id) DO NOTHING "
                           "RETURNING member_role::text"},
    /* messages_room_position, backwards from a position */
    [SQL_MESSAGES_BEFORE] = {"messages_before", "SELECT " MSG_COLS " FROM messages WHERE room_id = $1 "
                                                "AND (stream_ms, stream_seq) < ($2::bigint, $3::bigint) "
                                                "AND (NOT internal OR $5::boolean) "
                                                "ORDER BY stream_ms DESC, stream_seq DESC LIMIT $4"},
    [SQL_MESSAGES_LATEST] = {"messages_latest", "SELECT " MSG_COLS " FROM messages WHERE room_id = $1 "
                                                "AND (NOT internal OR $3::boolean) "
                                                "ORDER BY stream_ms DESC, stream_seq DESC LIMIT $2"},
    /* messages_sender_key */
    [SQL_MESSAGE_BY_SENDER_KEY] = {"message_by_sender_key",
                                   "SELECT " MSG_COLS " FROM messages WHERE sender_id = $1 "
                                   "AND idempotency_key = $2"},
    [SQL_LAST_MESSAGE] = {"last_message", "SELECT " MSG_COLS " FROM messages WHERE room_id = $1 "
                                          "ORDER BY stream_ms DESC, stream_seq DESC LIMIT 1"},
    /* rooms primary key; the caller's membership rides along */
    [SQL_ROOM_ACCESS] = {"room_access",
                         "SELECT " ROOM_COLS ", EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id "
                         "AND m.user_id = $2) FROM rooms r WHERE r.id = $1"},
    /* rooms_updated / rooms_unassigned / rooms_by_assignee / rooms_by_patient,
     * room_members_by_user; keyset on (updated_at, id), newest first. $3 status,
     * $4 mine, $5 unassigned, $6 tag, $7 patient, $8/$9 the cursor, $10 limit. */
    [SQL_INBOX] = {"inbox", "SELECT " ROOM_COLS " FROM rooms r WHERE " ROOM_READABLE
                            " AND ($3::conversation_status IS NULL OR r.status = $3::conversation_status)"
                            " AND (NOT $4::boolean OR r.assignee_id = $1)"
                            " AND (NOT $5::boolean OR r.assignee_id IS NULL)"
                            " AND ($6::text IS NULL OR r.tags @> ARRAY[$6::text])"
                            " AND ($7::bigint IS NULL OR r.patient_id = $7::bigint)"
                            " AND ($8::bigint IS NULL OR (r.updated_at, r.id) < "
                            "(timestamptz 'epoch' + $8::bigint * interval '1 microsecond', $9::bigint))"
                            " ORDER BY r.updated_at DESC, r.id DESC LIMIT $10"},
    /* rooms_start_key */
    [SQL_ROOM_BY_START_KEY] = {"room_by_start_key",
                               "SELECT " ROOM_COLS
                               " FROM rooms r WHERE r.patient_id = $1 AND r.start_key = $2"},
    /* rooms_by_patient */
    [SQL_CONVERSATIONS_SINCE] = {"conversations_since",
                                 "SELECT count(*) FROM rooms WHERE patient_id = $1 AND start_key IS NOT NULL "
                                 "AND created_at > now() - interval '24 hours'"},
    [SQL_CONVERSATION_INSERT] = {"conversation_insert",
                                 "INSERT INTO rooms AS r (name, created_by, patient_id, start_key) "
                                 "VALUES ($1, $2, $2, $3) ON CONFLICT (patient_id, start_key) "
                                 "WHERE start_key IS NOT NULL DO NOTHING RETURNING " ROOM_COLS},
    [SQL_ROOM_ASSIGN] = {"room_assign", "UPDATE rooms r SET assignee_id = $2, "
                                        "updated_at = greatest(r.updated_at, now()) WHERE r.id = $1 "
                                        "RETURNING " ROOM_COLS},
    [SQL_ROOM_STATUS] = {"room_status", "UPDATE rooms r SET status = $2::conversation_status, "
                                        "updated_at = greatest(r.updated_at, now()) WHERE r.id = $1 "
                                        "RETURNING " ROOM_COLS},
    [SQL_ROOM_TAGS] = {"room_tags", "UPDATE rooms r SET tags = $2::text[], "
                                    "updated_at = greatest(r.updated_at, now()) WHERE r.id = $1 "
                                    "RETURNING " ROOM_COLS},
    [SQL_PATIENT] = {"patient", "SELECT " PROFILE_COLS " FROM users u LEFT JOIN patient_profiles p "
                                "ON p.user_id = u.id WHERE u.id = $1 AND u.role = 'PATIENT'"},
    /* users_name_prefix, users_email_prefix, patient_profiles_mrn_key,
     * patient_profiles_dob; $1 is an escaped LIKE prefix, $3 a date or NULL */
    [SQL_PATIENTS_SEARCH] =
        {"patients_search",
         "SELECT " PROFILE_COLS " FROM users u LEFT JOIN patient_profiles p "
         "ON p.user_id = u.id WHERE u.role = 'PATIENT' AND ("
         "lower(u.display_name) LIKE lower($1) || '%' OR lower(u.email) LIKE lower($1) || '%' "
         "OR p.mrn = $2 OR p.date_of_birth = $3::date) ORDER BY u.display_name, u.id LIMIT $4"},
    /* $2, $4, $6, $8: whether mrn, date_of_birth, phone, staff_notes were given
     * ($3, $5, $7, $9: their values, NULL clears); the others are kept. */
    [SQL_PATIENT_UPSERT] =
        {"patient_upsert",
         "INSERT INTO patient_profiles AS p (user_id, mrn, date_of_birth, phone, staff_notes) "
         "VALUES ($1, $3, $5::date, $7, $9) ON CONFLICT (user_id) DO UPDATE SET "
         "mrn = CASE WHEN $2::boolean THEN $3 ELSE p.mrn END, "
         "date_of_birth = CASE WHEN $4::boolean THEN $5::date ELSE p.date_of_birth END, "
         "phone = CASE WHEN $6::boolean THEN $7 ELSE p.phone END, "
         "staff_notes = CASE WHEN $8::boolean THEN $9 ELSE p.staff_notes END, "
         "updated_at = now()"},
    /* messages_fts; the rooms the caller may read, internal notes only for
     * staff ($2); $3 the query, $4 a room or NULL, $5 the limit. */
    [SQL_SEARCH_MESSAGES] =
        {"search_messages",
         "SELECT " MSG_COLS ", r.patient_id FROM messages "
         "JOIN rooms r ON r.id = messages.room_id "
         "WHERE to_tsvector('simple', body) @@ websearch_to_tsquery('simple', $3) "
         "AND ($4::bigint IS NULL OR messages.room_id = $4::bigint) "
         "AND (NOT internal OR $2::boolean) AND " ROOM_READABLE
         " ORDER BY ts_rank(to_tsvector('simple', body), websearch_to_tsquery('simple', $3)) "
         "DESC, stream_ms DESC, stream_seq DESC LIMIT $5"},
    /* audit_log primary key (newest first), audit_log_actor, audit_log_patient,
     * audit_log_target, audit_log_action */
    [SQL_AUDIT_LOG] =
        {"audit_log",
         "SELECT id, " ISO(
             "at") ", actor_id, action, target, patient_id, host(client_addr), "
                   "detail::text FROM audit_log WHERE ($1::bigint IS NULL OR actor_id = $1::bigint) "
                   "AND ($2::bigint IS NULL OR patient_id = $2::bigint) "
                   "AND ($3::text IS NULL OR target = $3::text) AND ($4::text IS NULL OR action = $4::text) "
                   "AND ($5::bigint IS NULL OR id < $5::bigint) ORDER BY id DESC LIMIT $6"},
    /* users primary key: a page's people in one round trip ($1 a bigint[] literal) */
    [SQL_USERS_BY_IDS] = {"users_by_ids", "SELECT " USER_COLS " FROM users WHERE id = ANY ($1::bigint[])"},
    /* messages_room_position: whether a message of room $1 sits at ($2, $3),
     * and whether it is an internal note. */
    [SQL_MESSAGE_AT] = {"message_at", "SELECT internal FROM messages WHERE room_id = $1 "
                                      "AND stream_ms = $2 AND stream_seq = $3"},
    /* read_positions primary key. Forward only: an older or equal position
     * updates nothing and answers no row. */
    [SQL_READ_POSITION_UPSERT] = {"read_position_upsert",
                                  "INSERT INTO read_positions AS p (room_id, user_id, stream_ms, stream_seq) "
                                  "VALUES ($1, $2, $3, $4) ON CONFLICT (room_id, user_id) DO UPDATE SET "
                                  "stream_ms = excluded.stream_ms, stream_seq = excluded.stream_seq, "
                                  "read_at = now() WHERE (p.stream_ms, p.stream_seq) < "
                                  "(excluded.stream_ms, excluded.stream_seq) RETURNING " ISO("p.read_at")},
    /* read_positions primary key, messages_room_position: for viewer $1 over a
     * page of rooms ($3, bigint[] literal), the persisted messages after the
     * viewer's position and before each room's persisted boundary ($4, $5: its
     * stream's), not the viewer's own, internal notes only when $2. The
     * position comes along (NULL: nothing read) for the stream's part. */
    [SQL_UNREAD_COUNTS] =
        {"unread_counts",
         "SELECT q.id, count(m.room_id), p.stream_ms, p.stream_seq "
         "FROM unnest($3::bigint[], $4::bigint[], $5::bigint[]) AS q(id, bms, bseq) "
         "LEFT JOIN read_positions p ON p.room_id = q.id AND p.user_id = $1 "
         "LEFT JOIN messages m ON m.room_id = q.id "
         "AND (m.stream_ms, m.stream_seq) > (coalesce(p.stream_ms, -1), coalesce(p.stream_seq, -1)) "
         "AND (m.stream_ms, m.stream_seq) < (q.bms, q.bseq) "
         "AND m.sender_id <> $1 AND (NOT m.internal OR $2::boolean) "
         "GROUP BY q.id, p.stream_ms, p.stream_seq"},
    /* read_positions primary key: the positions of the room's members */
    [SQL_READ_RECEIPTS] =
        {"read_receipts",
         "SELECT " USER_COLS_U ", p.stream_ms, p.stream_seq, " ISO(
             "p.read_at") " FROM read_positions p JOIN room_members m ON m.room_id = p.room_id "
                          "AND m.user_id = p.user_id JOIN users u ON u.id = p.user_id "
                          "WHERE p.room_id = $1 ORDER BY m.added_at, u.id"},
    /* room_members_by_user, room_members primary key: which of the users $2
     * (a bigint[] literal) share a room with $1 */
    [SQL_CO_MEMBERS] = {"co_members", "SELECT DISTINCT b.user_id FROM room_members a JOIN room_members b "
                                      "ON b.room_id = a.room_id WHERE a.user_id = $1 "
                                      "AND b.user_id = ANY ($2::bigint[])"},
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
