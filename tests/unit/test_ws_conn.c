/* crm-pushd's sockets (push/ws_conn.c) on a real libevent loop over socketpairs:
 * closing every socket at SIGTERM when one close ends a socket at once (its
 * close frame does not fit its full queue, so it is aborted and freed). The
 * walk must not read the freed socket (AddressSanitizer reports it: the unit
 * tests run under it) and must still close every other socket. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "metrics.h"
#include "pushd.h"
#include "ws_conn.h"

/* What pushd_main.c provides in the daemon. */
struct pushd *pushd;

uint32_t pushd_now(void)
{
    return 0;
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    ws_conn_flush_all();
}

/* A socket of the process; the peer end is returned in *peer. */
static struct ws_conn *open_conn(int *peer)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    ws_conn_start(sv[0], NULL, 0, 1);
    *peer = sv[1];
    return pushd->conns; /* the newest is at the head */
}

static void close_all_survives_a_socket_freed_by_its_close(void **state)
{
    (void)state;
    static struct pushd p;
    memset(&p, 0, sizeof p);
    pushd = &p;
    p.ping_sec = 30;
    p.init_sec = 3;
    p.base = event_base_new();
    assert_non_null(p.base);
    p.flush = event_new(p.base, -1, 0, on_flush, NULL);

    int peers[3];
    open_conn(&peers[0]);
    open_conn(&peers[1]);
    struct ws_conn *full = open_conn(&peers[2]); /* the walk starts here */
    /* Fill its queue to 3 bytes under the limit: nothing is written before the
     * loop runs, so no close frame fits any more. */
    size_t len = WS_MAX_QUEUED_BYTES - 10 - 3;
    char *text = malloc(len);
    assert_non_null(text);
    memset(text, 'x', len);
    ws_conn_send_text(full, text, len);
    free(text);
    assert_int_equal(full->queued, WS_MAX_QUEUED_BYTES - 3);
    assert_int_equal(p.nconns, 3);

    ws_conn_close_all(1001, "server going away");

    /* The full socket was aborted (freed); the others are closing. */
    assert_int_equal(p.nconns, 2);
    for (struct ws_conn *c = p.conns; c; c = c->next) {
        assert_true(c->closing);
        assert_false(c->dead);
    }
    while (p.conns)
        ws_conn_abort(p.conns, NULL);
    ws_conn_flush_all(); /* the dirty list's references: the full socket is freed here */
    for (int i = 0; i < 3; i++)
        close(peers[i]);
    event_free(p.flush);
    event_base_free(p.base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(close_all_survives_a_socket_freed_by_its_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
