#include "config.h"

#include "sock_alive.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

int crm_sock_idle_alive(int fd)
{
    char b;
    if (fd < 0)
        return 0;
    ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}
