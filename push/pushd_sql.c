#include "config.h"

#include "pushd_sql.h"

struct stmt {
    const char *name;
    const char *text;
};

#define ISO_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Comments name the index each statement relies on. */
static const struct stmt stmts[PSQL_COUNT] = {
    /* room_members primary key (room_id, user_id), rooms primary key */
    [PSQL_ROOM_MEMBERS] = {"pushd_room_members", "SELECT m.user_id, r.patient_id FROM room_members m "
                                                 "JOIN rooms r ON r.id = m.room_id WHERE m.room_id = $1"},
    /* users primary key */
    [PSQL_USER_BY_ID] = {"pushd_user_by_id", "SELECT id, email, display_name, role::text, " ISO_TIME(
                                                 "created_at") " FROM users WHERE id = $1"},
    /* messages_room_position, then users primary key per row */
    [PSQL_MESSAGES_BETWEEN] =
        {"pushd_messages_between",
         "SELECT m.stream_ms, m.stream_seq, m.sender_id, m.idempotency_key,"
         " m.body, u.email, u.display_name, u.role::text, " ISO_TIME(
             "u.created_at") ", m.internal FROM messages m JOIN users u ON u.id = m.sender_id"
                             " WHERE m.room_id = $1"
                             " AND (m.stream_ms, m.stream_seq) > ($2::bigint, $3::bigint)"
                             " AND (m.stream_ms, m.stream_seq) < ($4::bigint, $5::bigint)"
                             " ORDER BY m.stream_ms, m.stream_seq LIMIT $6"},
};

const char *pushd_sql_name(enum pushd_sql s)
{
    return stmts[s].name;
}

const char *pushd_sql_text(enum pushd_sql s)
{
    return stmts[s].text;
}
