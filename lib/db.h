/* PostgreSQL connections that survive a restart of the server: callers ask for a
 * usable connection before each unit of work and get a fresh one after a loss. */
#ifndef CRM_DB_H
#define CRM_DB_H

#include <libpq-fe.h>

struct crm_db {
    PGconn *conn;        /* NULL or the current connection; owned */
    const char *url;     /* conninfo; borrowed, outlives the struct */
    unsigned generation; /* bumped on every new connection: prepared statements must be redone */
};

/* Initialises db without connecting. */
void crm_db_init(struct crm_db *db, const char *url);

/* Returns a connection in CONNECTION_OK state, connecting (or reconnecting after a
 * loss) as needed with a 5 s connect timeout; NULL when the server cannot be
 * reached (logged). The connection stays owned by db. */
PGconn *crm_db_get(struct crm_db *db);

/* Drops the connection after an error that may have broken it. */
void crm_db_reset(struct crm_db *db);

/* Closes the connection. */
void crm_db_deinit(struct crm_db *db);

/* Runs `SELECT 1`; returns 0 when the server answers, -1 otherwise. */
int crm_db_ping(struct crm_db *db);

#endif
