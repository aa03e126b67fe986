#include "config.h"

#include "api_listen.h"

#include <errno.h>
#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* systemd's first passed descriptor (sd_listen_fds(3)); read by hand so that
 * crm-api does not link libsystemd for two environment variables. */
#define SYSTEMD_FIRST_FD 3
#define LISTEN_BACKLOG 1024

/* 1 when systemd passed sockets to this very process, 0 when it did not, -1
 * when it passed a number crm-api cannot use. */
static int systemd_fds(char *err, size_t errlen)
{
    const char *pid = getenv("LISTEN_PID");
    const char *fds = getenv("LISTEN_FDS");
    if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
        return 0;
    /* Children must not take the sockets for theirs. */
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    if (strcmp(fds, "1") != 0) {
        snprintf(err, errlen, "systemd passed %s sockets; crm-api takes exactly one", fds);
        return -1;
    }
    return 1;
}

static int is_listening_socket(int fd)
{
    int on = 0;
    socklen_t len = sizeof on;
    return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 && on;
}

/* libfcgi binds "host:port" (":port" means every interface) or a Unix path.
 * An address with no host is refused: FastCGI has no authentication, so it
 * must not be reachable from the network by accident. */
static int open_own(const char *addr, char *err, size_t errlen)
{
    if (addr[0] != '/') {
        const char *colon = strrchr(addr, ':');
        char *end;
        long port = colon ? strtol(colon + 1, &end, 10) : 0;
        if (!colon || colon == addr || !colon[1] || *end || port < 1 || port > 65535) {
            snprintf(err, errlen, "CRM_API_LISTEN must be HOST:PORT or an absolute socket path");
            return -1;
        }
    } else {
        /* A socket left by an earlier run is replaced; any other file is not. */
        struct stat st;
        if (lstat(addr, &st) == 0 && !S_ISSOCK(st.st_mode)) {
            snprintf(err, errlen, "CRM_API_LISTEN %s exists and is not a socket", addr);
            return -1;
        }
    }
    int fd = FCGX_OpenSocket(addr, LISTEN_BACKLOG);
    if (fd < 0)
        snprintf(err, errlen, "CRM_API_LISTEN %s: cannot listen (%s)", addr,
                 errno ? strerror(errno) : "bad address");
    return fd;
}

int api_listener_open(const struct crm_config *cfg, struct api_listener *l, char *err, size_t errlen)
{
    int sd = systemd_fds(err, errlen);
    if (sd < 0)
        return -1;
    if (sd == 1) {
        if (!is_listening_socket(SYSTEMD_FIRST_FD)) {
            snprintf(err, errlen, "the socket systemd passed is not a listening socket");
            return -1;
        }
        *l = (struct api_listener){SYSTEMD_FIRST_FD, true, "systemd"};
        return 0;
    }
    bool spawned = is_listening_socket(0);
    if (cfg->api_listen) {
        if (spawned) {
            snprintf(err, errlen,
                     "CRM_API_LISTEN is set, but crm-api was started with a socket "
                     "(by lighttpd?): unset one of them");
            return -1;
        }
        int fd = open_own(cfg->api_listen, err, errlen);
        if (fd < 0)
            return -1;
        *l = (struct api_listener){fd, true, cfg->api_listen};
        return 0;
    }
    if (!spawned) {
        snprintf(err, errlen,
                 "no socket: start crm-api from lighttpd (mod_fastcgi bin-path), "
                 "from systemd (crm-api.socket), or set CRM_API_LISTEN");
        return -1;
    }
    *l = (struct api_listener){0, false, "lighttpd"};
    return 0;
}
