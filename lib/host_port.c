#include "config.h"

#include "host_port.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int crm_host_port_parse(const char *item, size_t len, char *host, size_t host_max, int *port)
{
    const char *colon = NULL, *h = item;
    size_t hlen;
    if (len > 0 && item[0] == '[') {
        const char *close = memchr(item, ']', len);
        if (!close || (size_t)(close - item) + 1 >= len || close[1] != ':')
            return -1;
        h = item + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        for (size_t k = len; k > 0 && !colon; k--)
            if (item[k - 1] == ':')
                colon = item + k - 1;
        if (!colon)
            return -1;
        hlen = (size_t)(colon - item);
    }
    if (hlen == 0 || hlen > host_max)
        return -1;
    /* strtol needs a terminated string: the port is copied out first. */
    char digits[8];
    size_t plen = len - (size_t)(colon + 1 - item);
    if (plen == 0 || plen >= sizeof digits)
        return -1;
    memcpy(digits, colon + 1, plen);
    digits[plen] = '\0';
    char *end;
    errno = 0;
    long p = strtol(digits, &end, 10);
    if (errno || *end || p < 1 || p > 65535)
        return -1;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    return 0;
}
