/* crm-pushd's SQL: every statement it runs, in one table (as fcgi/sql.c is for
 * crm-api), prepared once per connection by pg_link and run with parameters
 * only. Each is answered by an index of sql/001_init.sql (named below). */
#ifndef CRM_PUSH_PUSHD_SQL_H
#define CRM_PUSH_PUSHD_SQL_H

enum pushd_sql {
    /* $1 room: user_id of every member, and the room's patient_id (NULL: none). */
    PSQL_ROOM_MEMBERS,
    /* $1 users ('{1,2,3}'): id, email, display_name, role, createdAt
     * (ISO-8601 UTC) of each that exists, in no order. */
    PSQL_USERS_BY_IDS,
    /* $1 room, ($2, $3) after, ($4, $5) before, $6 limit: persisted messages
     * strictly between two positions, oldest first, each with its sender
     * (stream_ms, stream_seq, sender_id, idempotency_key, body, email,
     * display_name, role, createdAt). */
    PSQL_MESSAGES_BETWEEN,
    /* $1 rooms ('{1,2,3}'): the inbox snapshots (push/inbox_snap.h), one row
     * of JSON texts and values per room that exists, in no order. Columns
     * PSQL_IR_*. */
    PSQL_INBOX_ROOMS,
    PSQL_COUNT
};

/* Columns of PSQL_INBOX_ROOMS. Users are {"id","email","displayName","role",
 * "createdAt"}; a member adds "readMs","readSeq","readAt" (null without a
 * position) and "unread"; a message is {"ms","seq","sender","body","key",
 * "internal","user"}. */
enum {
    PSQL_IR_NAME,
    PSQL_IR_CREATED,
    PSQL_IR_STATUS,
    PSQL_IR_UPDATED,
    PSQL_IR_PUBLIC_UPDATED, /* what a patient sees: internal notes do not move it */
    PSQL_IR_TAGS,           /* JSON array */
    PSQL_IR_MEMBERS,        /* JSON array of members */
    PSQL_IR_LAST,           /* JSON message or NULL */
    PSQL_IR_PUBLIC,         /* JSON message (not internal) or NULL */
    PSQL_IR_TOTAL,          /* messages of the room */
    PSQL_IR_ASSIGNEE,       /* JSON user or NULL */
    PSQL_IR_PATIENT,        /* JSON user or NULL */
    PSQL_IR_ROOM,           /* the room's id */
    PSQL_IR_COUNT
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
