/* Many sockets' writes in one system call: at the flush that ends a loop turn,
 * crm-pushd hands every socket with output to io_uring as one batch of
 * sendmsg requests instead of one writev call per socket (a fan-out of one
 * message to N sockets was N system calls). On a loopback or LAN socket each
 * send completes inside the submitting call (MSG_DONTWAIT), so the results are
 * there when it returns; nothing is left in flight between loop turns.
 *
 * Built only with liburing (configure finds it; --without-liburing leaves it
 * out) and used only when the kernel lets the process set up a ring; otherwise
 * ws_uring_init says so and the writev path is used. */
#ifndef CRM_PUSH_WS_URING_H
#define CRM_PUSH_WS_URING_H

#include <limits.h>
#include <sys/socket.h>

#define WS_URING_BATCH 256        /* sends submitted per call at most */
#define WS_URING_NOT_SENT INT_MIN /* a result: the send was not submitted */

/* Sets up this process's ring (after the fork: rings are not shared). Returns
 * 0 when batched sends are on, -1 when they are not (logged once). */
int ws_uring_init(void);

/* 1 while batched sends are on. */
int ws_uring_on(void);

/* Sends msgs[i] on fds[i] for i < n (n <= WS_URING_BATCH) with MSG_DONTWAIT |
 * MSG_NOSIGNAL and waits for every result: res[i] is the bytes taken, -errno,
 * or WS_URING_NOT_SENT (the ring failed: write that one another way, and the
 * ring is off from then on). msgs and their iovecs stay the caller's. */
void ws_uring_send(const int *fds, struct msghdr *msgs, int n, int *res);

/* Frees the ring (at exit). */
void ws_uring_free(void);

#endif
