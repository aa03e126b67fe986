#include "config.h"

#include "ws_handshake.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static uint32_t rol32(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 |
               p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDC;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6;
        }
        uint32_t t = rol32(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol32(b, 30);
        b = a;
        a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void ws_sha1(const void *data, size_t len, uint8_t out[20])
{
    uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    const uint8_t *p = data;
    size_t n = len;
    while (n >= 64) {
        sha1_block(h, p);
        p += 64;
        n -= 64;
    }
    uint8_t last[128] = {0};
    memcpy(last, p, n);
    last[n] = 0x80;
    size_t blocks = n + 9 > 64 ? 2 : 1;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        last[blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t i = 0; i < blocks; i++)
        sha1_block(h, last + 64 * i);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

void ws_handshake_accept(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1])
{
    char buf[128];
    uint8_t digest[20];
    if (key_len > sizeof buf - sizeof WS_GUID)
        key_len = sizeof buf - sizeof WS_GUID;
    memcpy(buf, key, key_len);
    memcpy(buf + key_len, WS_GUID, sizeof WS_GUID - 1);
    ws_sha1(buf, key_len + sizeof WS_GUID - 1, digest);
    sodium_bin2base64(out, WS_ACCEPT_LEN + 1, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
}

struct span {
    const char *p;
    size_t n;
};

static struct span trim(const char *p, size_t n)
{
    while (n && (*p == ' ' || *p == '\t'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return (struct span){p, n};
}

/* 1 if the comma-separated list s holds token (case-insensitive). */
static int list_has(struct span s, const char *token)
{
    size_t tl = strlen(token);
    const char *p = s.p, *end = s.p + s.n;
    while (p < end) {
        const char *c = memchr(p, ',', (size_t)(end - p));
        if (!c)
            c = end;
        struct span t = trim(p, (size_t)(c - p));
        if (t.n == tl && strncasecmp(t.p, token, tl) == 0)
            return 1;
        p = c + 1;
    }
    return 0;
}

/* 1 if the comma-separated allow-list holds the Origin o (compared without
 * case: scheme and host are case-insensitive). */
static int origin_allowed(const char *origins, struct span o)
{
    char tmp[256];
    if (!origins || o.n == 0 || o.n >= sizeof tmp)
        return 0;
    memcpy(tmp, o.p, o.n);
    tmp[o.n] = '\0';
    return list_has((struct span){origins, strlen(origins)}, tmp);
}

int ws_handshake_check(const char *head, size_t len, const char *origins, struct ws_handshake *out)
{
    const char *end = head + len;
    const char *eol = NULL;
    for (const char *p = head; p + 1 < end; p++)
        if (p[0] == '\r' && p[1] == '\n') {
            eol = p;
            break;
        }
    if (!eol)
        eol = end;
    struct span line = {head, (size_t)(eol - head)};

    struct span upgrade = {0}, connection = {0}, key = {0}, version = {0}, origin = {0};
    int has_host = 0, has_origin = 0, proto = 0, keys = 0;
    const char *p = eol + 2;
    while (p < end) {
        const char *e = p;
        while (e + 1 < end && !(e[0] == '\r' && e[1] == '\n'))
            e++;
        if (e + 1 >= end)
            e = end;
        if (e == p)
            break; /* the empty line */
        const char *colon = memchr(p, ':', (size_t)(e - p));
        if (!colon || colon == p)
            return WS_HS_EBAD;
        size_t nl = (size_t)(colon - p);
        struct span v = trim(colon + 1, (size_t)(e - colon - 1));
#define IS(name) (nl == sizeof(name) - 1 && strncasecmp(p, name, nl) == 0)
        if (IS("Upgrade"))
            upgrade = v;
        else if (IS("Connection"))
            connection = v;
        else if (IS("Sec-WebSocket-Key"))
            key = v, keys++;
        else if (IS("Sec-WebSocket-Version"))
            version = v;
        else if (IS("Host"))
            has_host = 1;
        else if (IS("Origin"))
            origin = v, has_origin = 1;
        else if (IS("Sec-WebSocket-Protocol"))
            proto |= list_has(v, WS_SUBPROTOCOL);
#undef IS
        p = e + 2;
    }
    if (!upgrade.p || !list_has(upgrade, "websocket"))
        return WS_HS_NOT_UPGRADE;
    if (line.n < 14 || strncmp(line.p, "GET ", 4) != 0 || strncmp(line.p + line.n - 9, " HTTP/1.1", 9) != 0)
        return WS_HS_EBAD;
    if (!has_host || !connection.p || !list_has(connection, "upgrade"))
        return WS_HS_EBAD;
    if (version.n != 2 || memcmp(version.p, "13", 2) != 0)
        return WS_HS_EVERSION;
    /* The key is base64 of 16 bytes: 24 characters ending in "==". */
    uint8_t raw[18];
    size_t raw_len = 0;
    if (keys != 1 || key.n != 24 ||
        sodium_base642bin(raw, sizeof raw, key.p, key.n, NULL, &raw_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        raw_len != 16)
        return WS_HS_EBAD;
    if (has_origin && !origin_allowed(origins, origin))
        return WS_HS_EORIGIN;
    ws_handshake_accept(key.p, key.n, out->accept);
    out->subprotocol_ok = proto;
    return WS_HS_OK;
}
