/* The WebSocket opening handshake: accept key, request checks. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ws_handshake.h"

#define ORIGINS "http://localhost:3000,http://127.0.0.1:3000"

static int check(const char *head, struct ws_handshake *hs)
{
    return ws_handshake_check(head, strlen(head), ORIGINS, hs);
}

static void test_sha1_vectors(void **state)
{
    (void)state;
    uint8_t d[20];
    ws_sha1("abc", 3, d);
    static const uint8_t abc[20] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
                                    0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
    assert_memory_equal(d, abc, 20);
    /* 56 bytes: the padding spills into a second block. */
    const char *s56 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    static const uint8_t h56[20] = {0x84, 0x98, 0x3e, 0x44, 0x1c, 0x3b, 0xd2, 0x6e, 0xba, 0xae,
                                    0x4a, 0xa1, 0xf9, 0x51, 0x29, 0xe5, 0xe5, 0x46, 0x70, 0xf1};
    ws_sha1(s56, strlen(s56), d);
    assert_memory_equal(d, h56, 20);
}

static void test_accept_rfc_example(void **state)
{
    (void)state;
    char out[WS_ACCEPT_LEN + 1];
    ws_handshake_accept("dGhlIHNhbXBsZSBub25jZQ==", 24, out);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

#define GOOD_HEAD(extra)                                                                       \
    "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" extra "\r\n"

static void test_good_request(void **state)
{
    (void)state;
    struct ws_handshake hs;
    assert_int_equal(check(GOOD_HEAD("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: foo, "
                                     "graphql-transport-ws\r\nOrigin: http://localhost:3000\r\n"),
                           &hs),
                     WS_HS_OK);
    assert_string_equal(hs.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(hs.subprotocol_ok, 1);
    /* No Origin (not a browser) is allowed; no subprotocol is reported. */
    assert_int_equal(check(GOOD_HEAD("Sec-WebSocket-Version: 13\r\n"), &hs), WS_HS_OK);
    assert_int_equal(hs.subprotocol_ok, 0);
}

static void test_bad_requests(void **state)
{
    (void)state;
    struct ws_handshake hs;
    assert_int_equal(check("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", &hs), WS_HS_NOT_UPGRADE);
    assert_int_equal(check(GOOD_HEAD("Sec-WebSocket-Version: 8\r\n"), &hs), WS_HS_EVERSION);
    assert_int_equal(check(GOOD_HEAD(""), &hs), WS_HS_EVERSION);
    assert_int_equal(check(GOOD_HEAD("Sec-WebSocket-Version: 13\r\nOrigin: http://evil.test\r\n"), &hs),
                     WS_HS_EORIGIN);
    assert_int_equal(check("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n",
                           &hs),
                     WS_HS_EBAD);
    assert_int_equal(check("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n",
                           &hs),
                     WS_HS_EBAD);
    assert_int_equal(check("POST / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                           &hs),
                     WS_HS_EBAD);
    assert_int_equal(check("GET / HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                           &hs),
                     WS_HS_EBAD);
    assert_int_equal(check("GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                           &hs),
                     WS_HS_EBAD);
    assert_int_equal(check("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                           &hs),
                     WS_HS_EBAD);
    assert_int_equal(check("GET / HTTP/1.1\r\nHost: x\r\nbroken header\r\n\r\n", &hs), WS_HS_EBAD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha1_vectors),
        cmocka_unit_test(test_accept_rfc_example),
        cmocka_unit_test(test_good_request),
        cmocka_unit_test(test_bad_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
