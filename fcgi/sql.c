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
 * DateTime shown, and in microseconds for the inbox's keyset cursor; so does
 * public_updated_at, what a patient sees (internal notes do not move it). */
#define ROOM_COLS                                                                                         \
    "r.id, r.name, " ISO(                                                                                 \
        "r.created_at") ", r.status::text, r.assignee_id, r.patient_id, "                                 \
                        "array_to_json(r.tags)::text, " ISO(                                              \
                            "r.updated_at") ", "                                                          \
                                            "(extract(epoch FROM r.updated_at) * 1000000)::bigint, " ISO( \
                                                "r.public_updated_at") ", "                               \
                                                                       "(extract(epoch FROM "             \
                                                                       "r.public_updated_at) * "          \
                                                                       "1000000)::bigint"
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
/* The inbox, newest first, keyset on (ts, id). $1 the caller, $2 status,
 * $3 mine, $4 unassigned, $5 tag, $6 patient, $7/$8 the cursor (NULL: the
 * first page), $9 the limit. Each filter stays a filter of an index walk
 * in its order; the cursor is always a range (no OR), so a deep page
 * starts where it should. */
#define INBOX_FILTERS(ts)                                                                                 \
    " AND ($2::conversation_status IS NULL OR r.status = $2::conversation_status)"                        \
    " AND (NOT $3::boolean OR r.assignee_id = $1::bigint) AND (NOT $4::boolean OR r.assignee_id IS NULL)" \
    " AND ($5::text IS NULL OR r.tags @> ARRAY[$5::text])"                                                \
    " AND ($6::bigint IS NULL OR r.patient_id = $6::bigint)"                                              \
    " AND (r." ts ", r.id) < (coalesce(timestamptz 'epoch' + $7::bigint * interval '1 microsecond', "     \
    "'infinity'), coalesce($8::bigint, 0))"
#define INBOX_ORDER(ts) " ORDER BY r." ts " DESC, r.id DESC LIMIT $9"
    /* Staff and admins: their rooms (room_members_by_user, each room by its
     * key) merged with the unassigned conversations they are not in
     * (rooms_unassigned, in order): each half stops at the limit. */
    [SQL_INBOX] = {"inbox",
                   "SELECT " ROOM_COLS " FROM ((SELECT r.* FROM room_members m "
                   "JOIN rooms r ON r.id = m.room_id WHERE m.user_id = $1::bigint" INBOX_FILTERS("updated_at")
                       INBOX_ORDER("updated_at") ") UNION ALL (SELECT r.* FROM rooms r "
                                                 "WHERE r.assignee_id IS NULL AND "
                                                 "r.patient_id IS NOT NULL AND NOT "
                                                 "$3::boolean AND NOT EXISTS (SELECT 1 "
                                                 "FROM room_members m WHERE m.room_id "
                                                 "= r.id AND m.user_id = "
                                                 "$1::bigint)" INBOX_FILTERS("updated_"
                                                                             "at")
                                                     INBOX_ORDER("updated_at") ")) r" INBOX_ORDER(
                                                         "updated_at")},
    /* Staff and admins, one patient's conversations ($6 set): rooms_by_patient. */
    [SQL_INBOX_OF_PATIENT] = {"inbox_of_patient",
                              "SELECT " ROOM_COLS " FROM rooms r WHERE r.patient_id = $6::bigint AND "
                              "(r.assignee_id IS NULL OR EXISTS (SELECT 1 FROM room_members m "
                              "WHERE m.room_id = r.id AND m.user_id = $1::bigint))" INBOX_FILTERS(
                                  "updated_at") INBOX_ORDER("updated_at")},
    /* A patient: their rooms (a room holds one patient, rooms.patient_id),
     * ordered by what they see: rooms_by_patient_public. */
    [SQL_INBOX_PATIENT] =
        {"inbox_patient",
         "SELECT " ROOM_COLS " FROM rooms r WHERE r.patient_id = $1::bigint AND EXISTS "
         "(SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = $1::bigint)" INBOX_FILTERS(
             "public_updated_at") INBOX_ORDER("public_updated_at")},
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
    [SQL_ROOM_ASSIGN] = {"room_assign",
                         "UPDATE rooms r SET assignee_id = $2, "
                         "updated_at = greatest(r.updated_at, now()), "
                         "public_updated_at = greatest(r.public_updated_at, now()) WHERE r.id = $1 "
                         "RETURNING " ROOM_COLS},
    [SQL_ROOM_STATUS] = {"room_status",
                         "UPDATE rooms r SET status = $2::conversation_status, "
                         "updated_at = greatest(r.updated_at, now()), "
                         "public_updated_at = greatest(r.public_updated_at, now()) WHERE r.id = $1 "
                         "RETURNING " ROOM_COLS},
    [SQL_ROOM_TAGS] = {"room_tags",
                       "UPDATE rooms r SET tags = $2::text[], "
                       "updated_at = greatest(r.updated_at, now()), "
                       "public_updated_at = greatest(r.public_updated_at, now()) WHERE r.id = $1 "
                       "RETURNING " ROOM_COLS},
    [SQL_PATIENT] = {"patient", "SELECT " PROFILE_COLS " FROM users u LEFT JOIN patient_profiles p "
                                "ON p.user_id = u.id WHERE u.id = $1 AND u.role = 'PATIENT'"},
    /* users_patient_name (read in order, stops at the limit), users_patient_email,
     * patient_profiles_mrn_key, patient_profiles_dob, then the page by name;
     * $1 is an escaped LIKE prefix, $3 a date or NULL */
    [SQL_PATIENTS_SEARCH] =
        {"patients_search",
         "SELECT " PROFILE_COLS " FROM users u LEFT JOIN patient_profiles p "
         "ON p.user_id = u.id WHERE u.role = 'PATIENT' AND u.id IN ("
         "(SELECT id FROM users WHERE role = 'PATIENT' AND lower(display_name) COLLATE \"C\" LIKE lower($1) "
         "|| '%' "
         "ORDER BY lower(display_name) COLLATE \"C\", id LIMIT $4) "
         "UNION ALL (SELECT id FROM users WHERE role = 'PATIENT' AND lower(email) COLLATE \"C\" LIKE "
         "lower($1) || '%') "
         "UNION ALL (SELECT user_id FROM patient_profiles WHERE mrn = $2) "
         "UNION ALL (SELECT user_id FROM patient_profiles WHERE date_of_birth = $3::date)) "
         "ORDER BY lower(u.display_name) COLLATE \"C\", u.id LIMIT $4"},
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
/* messages_tsv (messages.body_tsv, the stored to_tsvector('simple', body)):
 * every match ranked on the stored vector and sorted (OFFSET 0 keeps the
 * subquery whole); then, best first, each match's room by its key until
 * the limit is reached: a search checks the rooms of the matches it goes
 * through, not of every match. $1 the caller, $2 staff (internal notes,
 * unassigned conversations), $3 the query, $4 a room or NULL, $5 the limit. */
#define SEARCH_COLS "m.room_id, m.sender_id, m.body, m.idempotency_key, m.stream_ms, m.stream_seq, m.internal"
#define SEARCH_MATCH                                                                                       \
    " m.body_tsv @@ websearch_to_tsquery('simple', $3) AND ($4::bigint IS NULL OR m.room_id = $4::bigint)" \
    " AND (NOT m.internal OR $2::boolean)"
#define SEARCH_RANK "ts_rank(m.body_tsv, websearch_to_tsquery('simple', $3))"
#define SEARCH_ORDER " ORDER BY " SEARCH_RANK " DESC, m.stream_ms DESC, m.stream_seq DESC LIMIT $5"
    [SQL_SEARCH_MESSAGES] =
        {"search_messages",
         "SELECT c.room_id, c.sender_id, c.body, c.idempotency_key, c.stream_ms, c.stream_seq, "
         "c.internal, r.patient_id FROM (SELECT " SEARCH_COLS ", " SEARCH_RANK
         " AS rank FROM messages m WHERE" SEARCH_MATCH
         " ORDER BY rank DESC, m.stream_ms DESC, m.stream_seq DESC OFFSET 0) c "
         "JOIN LATERAL (SELECT r.patient_id FROM rooms r WHERE r.id = c.room_id AND " ROOM_READABLE
         ") r ON true ORDER BY c.rank DESC, c.stream_ms DESC, c.stream_seq DESC LIMIT $5"},
    /* A patient: only within their own rooms (room_members_by_user, then
     * messages_room_position per room), never the whole index. */
    [SQL_SEARCH_MESSAGES_MEMBER] = {"search_messages_member",
                                    "SELECT " SEARCH_COLS ", r.patient_id"
                                    " FROM room_members x JOIN messages m ON m.room_id = "
                                    "x.room_id JOIN rooms r ON r.id = m.room_id WHERE x.user_id = "
                                    "$1::bigint AND" SEARCH_MATCH SEARCH_ORDER},
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
    /* messages_room_position, newest first, per room of a page ($1 a bigint[]
     * literal); internal notes only for staff ($2). */
    [SQL_LAST_MESSAGES] = {"last_messages",
                           "SELECT l.* FROM unnest($1::bigint[]) AS x(room) CROSS JOIN LATERAL "
                           "(SELECT " MSG_COLS " FROM messages WHERE room_id = x.room AND "
                           "(NOT internal OR $2::boolean) ORDER BY stream_ms DESC, "
                           "stream_seq DESC LIMIT 1) l"},
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
    /* read_positions primary key: the positions of the members of a page of
     * rooms ($1, a bigint[] literal), each room's in member order */
    [SQL_READ_RECEIPTS] =
        {"read_receipts",
         "SELECT " USER_COLS_U ", p.stream_ms, p.stream_seq, " ISO(
             "p.read_at") ", p.room_id FROM read_positions p JOIN room_members m ON m.room_id = p.room_id "
                          "AND m.user_id = p.user_id JOIN users u ON u.id = p.user_id "
                          "WHERE p.room_id = ANY ($1::bigint[]) ORDER BY p.room_id, m.added_at, u.id"},
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
