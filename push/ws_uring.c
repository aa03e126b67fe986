#include "config.h"

#include "ws_uring.h"

#include "log.h"

#ifdef HAVE_LIBURING

#include <errno.h>
#include <liburing.h>
#include <string.h>

static struct io_uring ring;
static int ring_on, ring_made; /* used; set up (to free) */

int ws_uring_init(void)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    /* One thread submits, and completions are only read right after a submit:
     * the kernel need not interrupt the process to run completion work. */
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
    int rc = io_uring_queue_init_params(WS_URING_BATCH, &ring, &p);
    if (rc == -EINVAL) { /* a kernel before 6.0: without the hints */
        memset(&p, 0, sizeof p);
        rc = io_uring_queue_init_params(WS_URING_BATCH, &ring, &p);
    }
    if (rc < 0) {
        log_info("io_uring not available (%s): one writev per socket", strerror(-rc));
        return -1;
    }
    ring_on = ring_made = 1;
    return 0;
}

int ws_uring_on(void)
{
    return ring_on;
}

/* Collects the completions there are; with wait, at least one. Returns how
 * many, or -1 when waiting failed. */
static int reap(int *res, int wait)
{
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    if (wait) {
        int rc;
        while ((rc = io_uring_wait_cqe(&ring, &cqe)) == -EINTR)
            ;
        if (rc < 0)
            return -1;
    }
    io_uring_for_each_cqe(&ring, head, cqe)
    {
        res[io_uring_cqe_get_data64(cqe)] = cqe->res;
        seen++;
    }
    io_uring_cq_advance(&ring, seen);
    return (int)seen;
}

void ws_uring_send(const int *fds, struct msghdr *msgs, int n, int *res)
{
    int prepared = 0, submitted = 0, done = 0;
    for (int i = 0; i < n; i++)
        res[i] = WS_URING_NOT_SENT;
    for (; prepared < n; prepared++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        if (!sqe) /* cannot happen: the ring is empty between batches */
            break;
        io_uring_prep_sendmsg(sqe, fds[prepared], &msgs[prepared], MSG_DONTWAIT | MSG_NOSIGNAL);
        io_uring_sqe_set_data64(sqe, (__u64)prepared);
    }
    while (submitted < prepared) {
        int rc = io_uring_submit(&ring);
        if (rc == -EINTR)
            continue;
        if ((rc == -EAGAIN || rc == -EBUSY) && done < submitted) {
            int got = reap(res, 1); /* completions first make room */
            if (got >= 0) {
                done += got;
                continue;
            }
        }
        if (rc <= 0) {
            /* Entries left in the submission queue would go out with a later
             * batch: the ring is not used again (its results say NOT_SENT). */
            log_warn("io_uring submit failed (%s): back to one writev per socket",
                     strerror(rc < 0 ? -rc : EIO));
            ring_on = 0;
            break;
        }
        submitted += rc;
    }
    /* Sends with MSG_DONTWAIT complete within the submit; wait for any that did not. */
    while (done < submitted) {
        int got = reap(res, 0);
        if (got == 0)
            got = reap(res, 1);
        if (got < 0) {
            ring_on = 0;
            break;
        }
        done += got;
    }
}

void ws_uring_free(void)
{
    if (ring_made)
        io_uring_queue_exit(&ring);
    ring_on = ring_made = 0;
}

#else /* no liburing: the writev path */

int ws_uring_init(void)
{
    log_info("built without liburing: one writev per socket");
    return -1;
}

int ws_uring_on(void)
{
    return 0;
}

void ws_uring_send(const int *fds, struct msghdr *msgs, int n, int *res)
{
    (void)fds;
    (void)msgs;
    for (int i = 0; i < n; i++)
        res[i] = WS_URING_NOT_SENT;
}

void ws_uring_free(void)
{
}

#endif
