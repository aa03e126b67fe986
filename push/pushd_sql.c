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

/* Comments name the index each statement relies on. */
static const struct stmt stmts[PSQL_COUNT] = {
    /* room_members primary key (room_id, user_id) */
    [PSQL_ROOM_MEMBERS] = {"pushd_room_members", "SELECT user_id FROM room_members WHERE room_id = $1"},
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
    /* rooms primary key; room_members primary key; read_positions primary key;
     * messages_room_position for the counts and the last messages */
    [PSQL_INBOX_ROOM] =
        {"pushd_inbox_room",
         "SELECT r.name, " ISO_TIME("r.created_at") ", r.status::text, " ISO_TIME(
             "r.updated_at") ", array_to_json(r.tags)::text,"
                             " coalesce((SELECT json_agg(" USER_JSON(
                                 "u") "::jsonb || jsonb_build_object('readMs', rp.stream_ms, 'readSeq',"
                                      " rp.stream_seq, 'readAt', " ISO_TIME(
                                          "rp.read_at") ", 'unread', (SELECT count(*) FROM messages m"
                                                        " WHERE m.room_id = r.id AND m.sender_id <> u.id"
                                                        " AND NOT (u.role = 'PATIENT' AND m.internal)"
                                                        " AND (m.stream_ms, m.stream_seq) >"
                                                        " (coalesce(rp.stream_ms, 0), "
                                                        "coalesce(rp.stream_seq, 0))))"
                                                        " ORDER BY u.id)"
                                                        " FROM room_members rm JOIN users u ON u.id = "
                                                        "rm.user_id"
                                                        " LEFT JOIN read_positions rp ON rp.room_id = "
                                                        "rm.room_id"
                                                        " AND rp.user_id = rm.user_id WHERE rm.room_id = "
                                                        "r.id),"
                                                        " '[]')::text,"
                                                        " (" LAST_JSON(
                                                            "") ")::text,"
                                                                " (" LAST_JSON(
                                                                    " AND NOT m.internal") ")::text,"
                                                                                           " (SELECT "
                                                                                           "count(*) FROM "
                                                                                           "messages m WHERE "
                                                                                           "m.room_id = "
                                                                                           "r.id),"
                                                                                           " ("
                                                                                           "SELECT"
                                                                                           " " USER_JSON(
                                                                                               "u") "::text "
                                                                                                    "FROM "
                                                                                                    "users u"
                                                                                                    " WHERE "
                                                                                                    "u.id = "
                                                                                                    "r."
                                                                                                    "assignee"
                                                                                                    "_id),"
                                                                                                    " ("
                                                                                                    "SELECT"
                                                                                                    " " USER_JSON(
                                                                                                        "u") "::text FROM users u"
                                                                                                             " WHERE u.id = r.patient_id)"
                                                                                                             " FROM rooms r WHERE r.id = $1"},
};

const char *pushd_sql_name(enum pushd_sql s)
{
    return stmts[s].name;
}

const char *pushd_sql_text(enum pushd_sql s)
{
    return stmts[s].text;
}
