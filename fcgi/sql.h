/* crm-api's SQL: every statement it runs, prepared once per connection and run
 * with parameters only. One table names them all, so what the API asks of the
 * database (and which index serves it: sql/001_init.sql) is in one place. */
#ifndef CRM_API_SQL_H
#define CRM_API_SQL_H

#include "db.h"

#include <libpq-fe.h>

enum sql_stmt {
    SQL_USER_BY_ID,
    SQL_USER_BY_EMAIL,
    SQL_USER_INSERT,
    SQL_USERS_SEARCH,
    SQL_ROOMS_OF_USER,
    SQL_ROOM_IF_MEMBER,
    SQL_IS_MEMBER,
    SQL_ROOM_MEMBERS,
    SQL_ROOM_INSERT,
    SQL_MEMBER_INSERT,
    SQL_MESSAGES_BEFORE,
    SQL_MESSAGES_LATEST,
    SQL_MESSAGE_BY_SENDER_KEY,
    SQL_LAST_MESSAGE,
    SQL_ROOM_ACCESS,
    SQL_INBOX,
    SQL_INBOX_OF_PATIENT,
    SQL_INBOX_PATIENT,
    SQL_ROOM_BY_START_KEY,
    SQL_CONVERSATIONS_SINCE,
    SQL_CONVERSATION_INSERT,
    SQL_ROOM_ASSIGN,
    SQL_ROOM_STATUS,
    SQL_ROOM_TAGS,
    SQL_PATIENT,
    SQL_PATIENTS_SEARCH,
    SQL_PATIENT_UPSERT,
    SQL_SEARCH_MESSAGES,
    SQL_SEARCH_MESSAGES_MEMBER,
    SQL_AUDIT_LOG,
    SQL_USERS_BY_IDS,
    SQL_MESSAGE_AT,
    SQL_READ_POSITION_UPSERT,
    SQL_UNREAD_COUNTS,
    SQL_READ_RECEIPTS,
    SQL_CO_MEMBERS,
    SQL_LAST_MESSAGES,
    SQL_COUNT
};

/* The columns of every statement answering rooms (sql.c's ROOM_COLS). */
enum room_col {
    ROOM_COL_ID,
    ROOM_COL_NAME,
    ROOM_COL_CREATED,
    ROOM_COL_STATUS,
    ROOM_COL_ASSIGNEE, /* NULL while unassigned */
    ROOM_COL_PATIENT,  /* NULL without a patient */
    ROOM_COL_TAGS,     /* a JSON array */
    ROOM_COL_UPDATED,
    ROOM_COL_UPDATED_US,     /* updated_at in microseconds since the epoch */
    ROOM_COL_PUBLIC_UPDATED, /* public_updated_at: what a patient sees */
    ROOM_COL_PUBLIC_UPDATED_US,
    ROOM_NCOLS
};

/* The columns of a patient's record (sql.c's PROFILE_COLS): the user as
 * api_user_json reads it from column 0, then these. */
enum profile_col {
    PROFILE_COL_MRN = 5,
    PROFILE_COL_DOB,
    PROFILE_COL_PHONE,
    PROFILE_COL_NOTES,
    PROFILE_COL_UPDATED,
};

/* Runs statement s with n text parameters (NULL for SQL NULL), preparing it on
 * this connection first if needed. Returns the result (PQclear it), or NULL when
 * the database cannot be reached or the connection broke (db is then reset so the
 * next call reconnects). A result with an error status is returned as is. */
PGresult *sql_run(struct crm_db *db, enum sql_stmt s, int n, const char *const *params);

/* True when r is an error caused by bad input (a constraint, a check), rather than
 * by the database being unavailable. */
int sql_is_constraint_error(const PGresult *r, const char **constraint);

/* Runs BEGIN, COMMIT or ROLLBACK ("BEGIN" ...). Returns 0, or -1 (connection reset
 * on a lost server). */
int sql_tx(struct crm_db *db, const char *verb);

#endif
