/* Where crm-api takes its FastCGI connections from: the socket lighttpd hands
 * over on standard input (mod_fastcgi bin-path), a socket systemd hands over
 * (socket activation), or a socket of its own (CRM_API_LISTEN) for fronts that
 * do not spawn FastCGI programs (Apache mod_proxy_fcgi, nginx fastcgi_pass). */
#ifndef CRM_API_LISTEN_H
#define CRM_API_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

#include "crm_config.h"

struct api_listener {
    int fd;           /* the listening socket to accept on */
    bool own;         /* true: systemd's or CRM_API_LISTEN's; crm-api runs its own
                     processes (CRM_API_PROCS) under a supervisor */
    const char *what; /* for the log: "lighttpd", "systemd" or the address */
};

/* Finds the listening socket: systemd's (LISTEN_FDS/LISTEN_PID, exactly one),
 * else CRM_API_LISTEN's (opened here), else standard input when it is a
 * listening socket. On error writes one line to err and returns -1 (nothing
 * to close). */
int api_listener_open(const struct crm_config *cfg, struct api_listener *l, char *err, size_t errlen);

#endif
