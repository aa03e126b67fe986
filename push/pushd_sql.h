/* crm-pushd's SQL: every statement it runs, in one table (as fcgi/sql.c is for
 * crm-api), prepared once per connection by pg_link and run with parameters
 * only. Each is answered by an index of sql/001_init.sql (named below). */
#ifndef CRM_PUSH_PUSHD_SQL_H
#define CRM_PUSH_PUSHD_SQL_H

enum pushd_sql {
    /* $1 room: user_id of every member, and the room's patient_id (NULL: none). */
    PSQL_ROOM_MEMBERS,
    /* $1 user: id, email, display_name, role, createdAt (ISO-8601 UTC). */
    PSQL_USER_BY_ID,
    /* $1 room, ($2, $3) after, ($4, $5) before, $6 limit: persisted messages
     * strictly between two positions, oldest first, each with its sender
     * (stream_ms, stream_seq, sender_id, idempotency_key, body, email,
     * display_name, role, createdAt). */
    PSQL_MESSAGES_BETWEEN,
    PSQL_COUNT
};

/* Columns of PSQL_MESSAGES_BETWEEN. */
enum {
    PSQL_MB_MS,
    PSQL_MB_SEQ,
    PSQL_MB_SENDER,
    PSQL_MB_KEY,
    PSQL_MB_BODY,
    PSQL_MB_EMAIL,
    PSQL_MB_NAME,
    PSQL_MB_ROLE,
    PSQL_MB_CREATED,
    PSQL_MB_INTERNAL
};

/* The statement's name (for PQprepare) and text. */
const char *pushd_sql_name(enum pushd_sql s);
const char *pushd_sql_text(enum pushd_sql s);

#endif
