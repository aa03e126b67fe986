/* Batched sends (push/ws_uring.c) on real socket pairs: every socket of a batch
 * gets its own bytes and its own result, a full socket says EAGAIN and one whose
 * peer is gone EPIPE, each without touching the others. Built without liburing,
 * or where the kernel refuses a ring, every result is NOT_SENT. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "ws_uring.h"

#define N 5

static void batch_results_are_per_socket(void **state)
{
    (void)state;
    int on = ws_uring_init() == 0;
    assert_int_equal(ws_uring_on(), on);
    int sv[N][2], fds[N], res[N];
    struct msghdr msgs[N];
    struct iovec iov[N][2];
    char head[N][8];
    static const char shared[] = "{\"payload\":1}";
    for (int i = 0; i < N; i++) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv[i]), 0);
        fds[i] = sv[i][0];
        memset(&msgs[i], 0, sizeof msgs[i]);
        head[i][0] = (char)('a' + i);
        iov[i][0] = (struct iovec){head[i], 1};
        iov[i][1] = (struct iovec){(void *)shared, sizeof shared - 1};
        msgs[i].msg_iov = iov[i];
        msgs[i].msg_iovlen = 2;
    }
    close(sv[1][1]); /* socket 1: the peer is gone */
    /* socket 3: its buffer full */
    char fill[4096];
    memset(fill, 'f', sizeof fill);
    while (write(sv[3][0], fill, sizeof fill) > 0)
        ;
    assert_int_equal(errno, EAGAIN);

    ws_uring_send(fds, msgs, N, res);
    for (int i = 0; i < N; i++) {
        if (!on) {
            assert_int_equal(res[i], WS_URING_NOT_SENT);
            continue;
        }
        if (i == 1) {
            assert_int_equal(res[i], -EPIPE);
        } else if (i == 3) {
            assert_int_equal(res[i], -EAGAIN);
        } else {
            assert_int_equal(res[i], (int)sizeof shared);
            char got[64];
            assert_int_equal(read(sv[i][1], got, sizeof got), (ssize_t)sizeof shared);
            assert_int_equal(got[0], 'a' + i);
            assert_memory_equal(got + 1, shared, sizeof shared - 1);
        }
    }
    /* The ring is empty again: a second batch works the same. */
    if (on) {
        ws_uring_send(fds, msgs, 1, res);
        assert_int_equal(res[0], (int)sizeof shared);
        assert_true(ws_uring_on());
    }
    ws_uring_free();
    assert_false(ws_uring_on());
    for (int i = 0; i < N; i++) {
        close(sv[i][0]);
        if (i != 1)
            close(sv[i][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_results_are_per_socket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
