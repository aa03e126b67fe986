/* "host:port" and "[v6]:port" as the Redis and Sentinel address settings
 * write them. */
#ifndef CRM_HOST_PORT_H
#define CRM_HOST_PORT_H

#include <stddef.h>

/* Parses the len bytes at item: the host (without brackets, at most host_max
 * bytes, NUL-terminated into host[host_max + 1]) and a port of 1-65535. The
 * port follows the last colon, or the "]:" of a bracketed IPv6 address.
 * Returns 0, or -1 (host and *port then unspecified). */
int crm_host_port_parse(const char *item, size_t len, char *host, size_t host_max, int *port);

#endif
