/* crm-pushd's frame header and output queue (push/ws_outq.c), written through a
 * writev stub that takes odd-sized pieces (1, 7, 4096 bytes, ...) or nothing
 * (EAGAIN): the bytes that come out are the frames queued, in order, whatever
 * the writer takes, and every shared payload is released. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "message.h"
#include "ws_outq.h"

static void header_is(size_t len, const uint8_t *want, size_t want_len)
{
    uint8_t h[WS_FRAME_HEADER_MAX];
    assert_int_equal(ws_frame_header(h, 0x1, len), want_len);
    assert_memory_equal(h, want, want_len);
}

static void frame_header_uses_the_shortest_length_form(void **state)
{
    (void)state;
    header_is(0, (const uint8_t[]){0x81, 0}, 2);
    header_is(125, (const uint8_t[]){0x81, 125}, 2);
    header_is(126, (const uint8_t[]){0x81, 126, 0, 126}, 4);
    header_is(65535, (const uint8_t[]){0x81, 126, 0xff, 0xff}, 4);
    header_is(65536, (const uint8_t[]){0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}, 10);
    header_is((size_t)0x0102030405ULL, (const uint8_t[]){0x81, 127, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05},
              10);
    uint8_t h[WS_FRAME_HEADER_MAX];
    assert_int_equal(ws_frame_header(h, 0x9, 0), 2); /* ping */
    assert_int_equal(h[0], 0x89);
    assert_int_equal(h[1], 0);
}

/* The writer: takes sizes[i % n] bytes on call i (0: fails with EAGAIN). */
struct stub {
    const size_t *sizes;
    size_t nsizes, calls;
    char *out;
    size_t len, cap;
};

static ssize_t stub_writev(void *arg, const struct iovec *iov, int iovcnt)
{
    struct stub *s = arg;
    size_t take = s->sizes[s->calls++ % s->nsizes];
    assert_true(iovcnt > 0 && iovcnt <= WS_OUTQ_IOV_MAX);
    if (take == 0) {
        errno = EAGAIN;
        return -1;
    }
    size_t done = 0;
    for (int i = 0; i < iovcnt && done < take; i++) {
        assert_true(iov[i].iov_len > 0); /* no empty pieces */
        size_t n = iov[i].iov_len < take - done ? iov[i].iov_len : take - done;
        if (s->len + n > s->cap) {
            s->cap = (s->len + n) * 2;
            s->out = realloc(s->out, s->cap);
            assert_non_null(s->out);
        }
        memcpy(s->out + s->len, iov[i].iov_base, n);
        s->len += n;
        done += n;
    }
    return (ssize_t)done;
}

/* Appends bytes to the expected output. */
static void expect(char **buf, size_t *len, const void *p, size_t n)
{
    *buf = realloc(*buf, *len + n + 1);
    assert_non_null(*buf);
    memcpy(*buf + *len, p, n);
    *len += n;
}

static struct push_buf *payload(size_t len, char fill)
{
    struct push_buf *b = push_buf_new(len);
    assert_non_null(b);
    for (size_t i = 0; i < len; i++)
        b->data[i] = (char)(fill + (char)(i % 23));
    return b;
}

/* Queues a mix of chunks (header only, header+payload, payload only, head +
 * payload + tail, a payload larger than any piece, and enough chunks to need
 * more than one iovec batch), then drains with the given piece sizes. */
static void drain_with(const size_t *sizes, size_t nsizes)
{
    struct ws_outq q = {0};
    char *want = NULL;
    size_t want_len = 0;
    struct push_buf *small = payload(40, 'a'), *big = payload(100000, 'A');
    uint8_t h[WS_FRAME_HEADER_MAX];

    size_t hl = ws_frame_header(h, 0x9, 0);
    ws_outq_push(&q, (const char *)h, hl, NULL, NULL, 0);
    expect(&want, &want_len, h, hl);
    for (int i = 0; i < 40; i++) { /* 40 chunks of 3 pieces: several batches */
        char head[16];
        hl = ws_frame_header((uint8_t *)head, 0x1, 6 + small->len + 2);
        memcpy(head + hl, "{\"id\":", 6);
        char tail[2] = {'}', (char)('0' + i % 10)};
        ws_outq_push(&q, head, hl + 6, small, tail, 2);
        expect(&want, &want_len, head, hl + 6);
        expect(&want, &want_len, small->data, small->len);
        expect(&want, &want_len, tail, 2);
    }
    ws_outq_push(&q, NULL, 0, big, NULL, 0);
    expect(&want, &want_len, big->data, big->len);
    ws_outq_push(&q, "tail only", 9, NULL, NULL, 0);
    expect(&want, &want_len, "tail only", 9);
    assert_int_equal(small->refs, 41);
    assert_int_equal(big->refs, 2);

    struct stub s = {sizes, nsizes, 0, NULL, 0, 0};
    size_t guard = 0;
    while (q.head) {
        ssize_t w = ws_outq_write(&q, stub_writev, &s);
        if (w < 0)
            assert_int_equal(errno, EAGAIN);
        assert_true(++guard < 1000000);
    }
    assert_null(q.tail);
    assert_int_equal(ws_outq_write(&q, stub_writev, &s), 0); /* empty: no call */
    assert_int_equal(s.len, want_len);
    assert_memory_equal(s.out, want, want_len);
    assert_int_equal(small->refs, 1);
    assert_int_equal(big->refs, 1);
    push_buf_unref(small);
    push_buf_unref(big);
    free(s.out);
    free(want);
}

static void odd_pieces_come_out_as_queued(void **state)
{
    (void)state;
    static const size_t one[] = {1};
    static const size_t seven[] = {7};
    static const size_t page[] = {4096};
    static const size_t mixed[] = {1, 7, 0, 4096, 3, 65536, 0, 2, 1000000};
    static const size_t all[] = {SIZE_MAX / 2};
    drain_with(seven, 1);
    drain_with(page, 1);
    drain_with(mixed, sizeof mixed / sizeof mixed[0]);
    drain_with(all, 1);
    drain_with(one, 1);
}

/* A queue cleared with a chunk written in part releases everything (the
 * sanitizer reports a leak otherwise). */
static void clear_releases_a_partly_written_queue(void **state)
{
    (void)state;
    struct ws_outq q = {0};
    struct push_buf *b = payload(100, 'x');
    ws_outq_push(&q, "head", 4, b, "tail", 4);
    ws_outq_push(&q, "next", 4, b, NULL, 0);
    static const size_t sizes[] = {50};
    struct stub s = {sizes, 1, 0, NULL, 0, 0};
    assert_int_equal(ws_outq_write(&q, stub_writev, &s), 50);
    assert_memory_equal(s.out, "head", 4);
    assert_memory_equal(s.out + 4, b->data, 46);
    assert_int_equal(b->refs, 3);
    ws_outq_clear(&q);
    assert_null(q.head);
    assert_null(q.tail);
    assert_int_equal(b->refs, 1);
    push_buf_unref(b);
    free(s.out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_header_uses_the_shortest_length_form),
        cmocka_unit_test(odd_pieces_come_out_as_queued),
        cmocka_unit_test(clear_releases_a_partly_written_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
