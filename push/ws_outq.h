/* A socket's output queue and the header of the frames in it, apart from the
 * socket so that they are tested on their own (push/ws_conn.c owns the socket).
 * A chunk is a copied head, a shared payload written by reference (a frame
 * serialised once for every subscriber) and a copied tail; writing takes as much
 * of the front as the writer accepts, and a chunk written in part continues
 * where it stopped. */
#ifndef CRM_PUSH_WS_OUTQ_H
#define CRM_PUSH_WS_OUTQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct push_buf;
struct out_chunk;

#define WS_FRAME_HEADER_MAX 10 /* bytes of a server frame header at most */
#define WS_OUTQ_IOV_MAX 48     /* iovecs handed to one write */

struct ws_outq {
    struct out_chunk *head, *tail; /* in order; NULL when empty */
};

/* Writes a server frame header (FIN, no mask) for opcode and a payload of len
 * bytes into h; returns its length (2, 4 or 10). */
size_t ws_frame_header(uint8_t h[WS_FRAME_HEADER_MAX], int opcode, size_t len);

/* Appends head, shared (a reference is taken; may be NULL) and tail as one
 * chunk. Aborts when out of memory (crm_oom). */
void ws_outq_push(struct ws_outq *q, const char *head, size_t head_len, struct push_buf *shared,
                  const char *tail, size_t tail_len);

/* The writer: writev's contract (bytes taken, or -1 with errno set). */
typedef ssize_t (*ws_writev_fn)(void *arg, const struct iovec *iov, int iovcnt);

/* Fills iov with the front of the queue (up to WS_OUTQ_IOV_MAX pieces, the
 * first one from where a part-written chunk stopped); returns how many. The
 * pieces stay valid until the queue is consumed or cleared. */
int ws_outq_iov(const struct ws_outq *q, struct iovec iov[WS_OUTQ_IOV_MAX]);

/* Drops the first taken bytes (what a write of ws_outq_iov's pieces took). */
void ws_outq_consume(struct ws_outq *q, size_t taken);

/* Calls write once with the front of the queue (up to WS_OUTQ_IOV_MAX pieces)
 * and drops what it took. Returns write's result; 0 without a call when empty. */
ssize_t ws_outq_write(struct ws_outq *q, ws_writev_fn write, void *arg);

/* Frees every chunk; the queue is empty after. */
void ws_outq_clear(struct ws_outq *q);

#endif
