#include "config.h"

#include "pushd_sql.h"

struct stmt {
    const char *name;
    const char *text;
};

#define ISO_TIME(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define USER_JSON(u)                                                                  \
    "json_build_object('id', " u ".id::text, 'email', " u ".email, 'displayName', " u \
    ".display_name, 'role', " u ".role::text, 'createdAt', " ISO_TIME(u ".created_at") ")"
#define LAST_JSON(cond)                                                                               \
    "SELECT json_build_object('ms', m.stream_ms, 'seq', m.stream_seq, 'sender', m.sender_id, 'body'," \
    " m.body, 'key', m.idempotency_key, 'internal', m.internal, 'user', " USER_JSON(                  \
        "u") ") FROM messages m JOIN users u ON u.id = m.sender_id WHERE m.room_id = r.id" cond       \
             " ORDER BY m.stream_ms DESC, m.stream_seq DESC LIMIT 1"

/* A member of the inbox snapshot: the user, its read position and its unread
 * count (messages after the position, not its own, no notes for a patient). */
#define MEMBER_JSON                                                                                     \
    USER_JSON("u")                                                                                      \
    "::jsonb || jsonb_build_object('readMs', rp.stream_ms, 'readSeq', rp.stream_seq,"                   \
    " 'readAt', " ISO_TIME(                                                                             \
        "rp.read_at") ", 'unread', (SELECT count(*) FROM messages m"                                    \
                      " WHERE m.room_id = r.id AND m.sender_id <> u.id AND NOT (u.role = 'PATIENT' AND" \
                      " m.internal) AND (m.stream_ms, m.stream_seq) > (coalesce(rp.stream_ms, 0),"      \
                      " coalesce(rp.stream_seq, 0))))"

#define INBOX_MEMBERS                                                                           \
    "coalesce((SELECT json_agg(" MEMBER_JSON " ORDER BY u.id) FROM room_members rm"             \
    " JOIN users u ON u.id = rm.user_id LEFT JOIN read_positions rp ON rp.room_id = rm.room_id" \
    " AND rp.user_id = rm.user_id WHERE rm.room_id = r.id), '[]')::text"
#define INBOX_USER(col) "(SELECT " USER_JSON("u") "::text FROM users u WHERE u.id = " col ")"
#define INBOX_LASTS "(" LAST_JSON("") ")::text, (" LAST_JSON(" AND NOT m.internal") ")::text"
#define INBOX_PEOPLE INBOX_USER("r.assignee_id") ", " INBOX_USER("r.patient_id")
#define INBOX_TIMES          \
    ISO_TIME("r.created_at") \
    ", r.status::text, " ISO_TIME("r.updated_at") ", " ISO_TIME("r.public_updated_at")
/* The columns PSQL_IR_* of one room r. */
#define INBOX_COLS                                                                          \
    "r.name, " INBOX_TIMES ", array_to_json(r.tags)::text, " INBOX_MEMBERS ", " INBOX_LASTS \
    ", (SELECT count(*) FROM messages m WHERE m.room_id = r.id), " INBOX_PEOPLE ", r.id"

/* Comments name the index each statement relies on. */
static const struct stmt stmts[PSQL_COUNT] = {
    /* room_members primary key (room_id, user_id), rooms primary key */
    [PSQL_ROOM_MEMBERS] = {"pushd_room_members", "SELECT m.user_id, r.patient_id FROM room_members m "
                                                 "JOIN rooms r ON r.id = m.room_id WHERE m.room_id = $1"},
    /* users primary key (one probe per id of $1) */
    [PSQL_USERS_BY_IDS] = {"pushd_users_by_ids",
                           "SELECT id, email, display_name, role::text, " ISO_TIME(
                               "created_at") " FROM users WHERE id = ANY ($1::bigint[])"},
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
    /* rooms primary key (one probe per id of $1); room_members primary key;
     * read_positions primary key; messages_room_position for the counts and
     * the last messages: per room a few index probes plus one range scan per
     * member of the messages after its read position (0.13 ms a room at 200
     * rooms a query on the bench data, docs/BENCHMARKS.md). */
    [PSQL_INBOX_ROOMS] = {"pushd_inbox_rooms",
                          "SELECT " INBOX_COLS " FROM rooms r WHERE r.id = ANY ($1::bigint[])"},
};

const char *pushd_sql_name(enum pushd_sql s)
{
    return stmts[s].name;
}

const char *pushd_sql_text(enum pushd_sql s)
{
    return stmts[s].text;
}
