#include "config.h"

#include "db.h"

#include "log.h"
#include "sock_alive.h"

#include <stddef.h>

void crm_db_init(struct crm_db *db, const char *url)
{
    db->conn = NULL;
    db->url = url;
    db->generation = 0;
}

PGconn *crm_db_get(struct crm_db *db)
{
    /* Idle between requests, a connection with bytes or end-of-file waiting was
     * closed by the server (restart): replace it before anyone uses it. */
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK && PQtransactionStatus(db->conn) != PQTRANS_IDLE)
        return db->conn;
    if (db->conn && PQstatus(db->conn) == CONNECTION_OK && crm_sock_idle_alive(PQsocket(db->conn)))
        return db->conn;
    crm_db_reset(db);

    /* connect_timeout bounds the wait when the host is gone; the URL may override. */
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {db->url, "5", "crm", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c || PQstatus(c) != CONNECTION_OK) {
        /* The libpq message names host and port, never a password. */
        log_warn("postgresql: connect failed: %s", c ? PQerrorMessage(c) : "out of memory");
        PQfinish(c);
        return NULL;
    }
    db->conn = c;
    db->generation++;
    return c;
}

void crm_db_reset(struct crm_db *db)
{
    if (db->conn) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
}

void crm_db_deinit(struct crm_db *db)
{
    crm_db_reset(db);
}

int crm_db_ping(struct crm_db *db)
{
    PGconn *c = crm_db_get(db);
    if (!c)
        return -1;
    PGresult *r = PQexec(c, "SELECT 1");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (!ok)
        crm_db_reset(db);
    return ok ? 0 : -1;
}
