/* Whether an idle client connection is still usable, without a round trip. */
#ifndef CRM_SOCK_ALIVE_H
#define CRM_SOCK_ALIVE_H

/* 1 when the idle socket fd shows neither end-of-file nor an error nor unread
 * bytes (between two requests a server sends nothing: bytes there are a goodbye,
 * such as PostgreSQL's FATAL at shutdown); 0 otherwise. One non-blocking peek. */
int crm_sock_idle_alive(int fd);

#endif
