#include "config.h"

#include "ws_client.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One big read buffer per process (each generator worker is a process): a
 * connection holds only what a split frame leaves over. */
static uint8_t rbuf[WS_CLIENT_READ_BUF + WS_CLIENT_CARRY_MAX];

int ws_client_connect(int port, int source)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    struct sockaddr_in src = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7f000002u + (uint32_t)source);
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    dst.sin_addr.s_addr = htonl(0x7f000001u);
    if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0 ||
        (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS)) {
        close(fd);
        return -1;
    }
    return fd;
}

int ws_client_connect_done(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err ? -1 : 0;
}

void ws_client_send_frame(int fd, int opcode, const char *p, size_t n)
{
    uint8_t f[8 + 4096];
    size_t h = 0;
    if (n > 4096)
        return;
    f[h++] = (uint8_t)(0x80 | opcode);
    if (n < 126) {
        f[h++] = (uint8_t)(0x80 | n);
    } else {
        f[h++] = 0x80 | 126;
        f[h++] = (uint8_t)(n >> 8);
        f[h++] = (uint8_t)n;
    }
    memset(f + h, 0, 4);
    h += 4;
    memcpy(f + h, p, n);
    if (write(fd, f, h + n) < 0) {
        /* a fresh socket's buffer takes these few bytes; errors show as a close */
    }
}

size_t ws_client_hello(char *out, size_t cap, const char *token)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                              "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n";
    char init[4096];
    int n =
        snprintf(init, sizeof init, "{\"type\":\"connection_init\",\"payload\":{\"token\":\"%s\"}}", token);
    size_t h = sizeof req - 1;
    if (n < 0 || (size_t)n >= sizeof init || h + 8 + (size_t)n > cap)
        return 0;
    memcpy(out, req, h);
    out[h++] = (char)0x81;
    if (n < 126) {
        out[h++] = (char)(0x80 | n);
    } else {
        out[h++] = (char)(0x80 | 126);
        out[h++] = (char)(n >> 8);
        out[h++] = (char)n;
    }
    memset(out + h, 0, 4); /* mask key 0 */
    h += 4;
    memcpy(out + h, init, (size_t)n);
    return h + (size_t)n;
}

/* Parses frames in p[0..n); returns the bytes consumed, or -1 to close. */
static ssize_t parse_frames(int fd, const uint8_t *p, size_t n,
                            void (*on_text)(void *arg, const uint8_t *p, size_t n), void *arg)
{
    size_t off = 0;
    while (n - off >= 2) {
        const uint8_t *f = p + off;
        uint64_t len = f[1] & 127;
        size_t h = 2;
        if (len == 126) {
            if (n - off < 4)
                break;
            len = (uint64_t)f[2] << 8 | f[3];
            h = 4;
        } else if (len == 127) {
            if (n - off < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | f[2 + i];
            h = 10;
        }
        if (len > WS_CLIENT_CARRY_MAX - 16)
            return -1;
        if (n - off < h + len)
            break;
        int op = f[0] & 15;
        if (op == 1)
            on_text(arg, f + h, (size_t)len);
        else if (op == 9)
            ws_client_send_frame(fd, 10, (const char *)f + h, (size_t)len);
        else if (op == 8)
            return -1;
        off += h + (size_t)len;
    }
    return (ssize_t)off;
}

int ws_client_read(int fd, struct ws_client *w, void (*on_upgraded)(void *arg),
                   void (*on_text)(void *arg, const uint8_t *p, size_t n), void *arg)
{
    /* A carried partial frame goes in front of the new bytes. */
    size_t have = w->carry_len;
    if (have)
        memcpy(rbuf, w->carry, have);
    ssize_t r = read(fd, rbuf + have, WS_CLIENT_READ_BUF);
    if (r <= 0)
        return r < 0 && (errno == EAGAIN || errno == EINTR) ? WS_CLIENT_OK : WS_CLIENT_EOF;
    have += (size_t)r;
    const uint8_t *p = rbuf;
    if (w->upgrading) {
        const uint8_t *e = memmem(p, have, "\r\n\r\n", 4);
        if (!e) {
            if (have > 4096)
                return WS_CLIENT_FAILED;
            goto keep;
        }
        if (have < 12 || memcmp(p, "HTTP/1.1 101", 12) != 0)
            return WS_CLIENT_FAILED;
        w->upgrading = 0;
        on_upgraded(arg);
        have -= (size_t)(e + 4 - p);
        p = e + 4;
    }
    ssize_t used = parse_frames(fd, p, have, on_text, arg);
    if (used < 0)
        return WS_CLIENT_CLOSE;
    p += used;
    have -= (size_t)used;
keep:
    if (have == 0) {
        ws_client_release(w);
        return WS_CLIENT_OK;
    }
    uint8_t *k = realloc(w->carry, have);
    if (!k)
        return WS_CLIENT_CLOSE;
    memmove(k, p, have);
    w->carry = k;
    w->carry_len = (uint32_t)have;
    return WS_CLIENT_OK;
}

void ws_client_release(struct ws_client *w)
{
    free(w->carry);
    w->carry = NULL;
    w->carry_len = 0;
}
