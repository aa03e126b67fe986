#include "config.h"

#include "ws_outq.h"

#include "log.h"
#include "message.h"

#include <stdlib.h>
#include <string.h>

struct out_chunk {
    struct out_chunk *next;
    struct push_buf *shared; /* NULL, or the payload written between head and tail */
    uint32_t sent;           /* bytes of this chunk already written */
    uint32_t head_len, tail_len;
    char bytes[]; /* head, then tail */
};

size_t ws_frame_header(uint8_t h[WS_FRAME_HEADER_MAX], int opcode, size_t len)
{
    h[0] = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        h[1] = (uint8_t)len;
        return 2;
    }
    if (len < 65536) {
        h[1] = 126;
        h[2] = (uint8_t)(len >> 8);
        h[3] = (uint8_t)len;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

static uint32_t chunk_len(const struct out_chunk *k)
{
    return k->head_len + (k->shared ? k->shared->len : 0) + k->tail_len;
}

static void chunk_free(struct out_chunk *k)
{
    push_buf_unref(k->shared);
    free(k);
}

void ws_outq_push(struct ws_outq *q, const char *head, size_t head_len, struct push_buf *shared,
                  const char *tail, size_t tail_len)
{
    struct out_chunk *k = malloc(sizeof *k + head_len + tail_len);
    if (!k)
        crm_oom();
    k->next = NULL;
    k->shared = shared ? push_buf_ref(shared) : NULL;
    k->sent = 0;
    k->head_len = (uint32_t)head_len;
    k->tail_len = (uint32_t)tail_len;
    if (head_len)
        memcpy(k->bytes, head, head_len);
    if (tail_len)
        memcpy(k->bytes + head_len, tail, tail_len);
    if (q->tail)
        q->tail->next = k;
    else
        q->head = k;
    q->tail = k;
}

int ws_outq_iov(const struct ws_outq *q, struct iovec iov[WS_OUTQ_IOV_MAX])
{
    int n = 0;
    for (const struct out_chunk *k = q->head; k && n + 3 <= WS_OUTQ_IOV_MAX; k = k->next) {
        uint32_t skip = k->sent;
        const char *parts[3] = {k->bytes, k->shared ? k->shared->data : NULL, k->bytes + k->head_len};
        uint32_t lens[3] = {k->head_len, k->shared ? k->shared->len : 0, k->tail_len};
        for (int i = 0; i < 3; i++) {
            if (skip >= lens[i]) {
                skip -= lens[i];
                continue;
            }
            iov[n].iov_base = (void *)(parts[i] + skip);
            iov[n].iov_len = lens[i] - skip;
            n++;
            skip = 0;
        }
    }
    return n;
}

void ws_outq_consume(struct ws_outq *q, size_t taken)
{
    while (taken && q->head) {
        struct out_chunk *k = q->head;
        uint32_t rest = chunk_len(k) - k->sent;
        if (taken < rest) {
            k->sent += (uint32_t)taken;
            break;
        }
        taken -= rest;
        q->head = k->next;
        if (!q->head)
            q->tail = NULL;
        chunk_free(k);
    }
}

ssize_t ws_outq_write(struct ws_outq *q, ws_writev_fn write, void *arg)
{
    struct iovec iov[WS_OUTQ_IOV_MAX];
    if (!q->head)
        return 0;
    ssize_t w = write(arg, iov, ws_outq_iov(q, iov));
    if (w > 0)
        ws_outq_consume(q, (size_t)w);
    return w;
}

void ws_outq_clear(struct ws_outq *q)
{
    for (struct out_chunk *k = q->head, *next; k; k = next) {
        next = k->next;
        chunk_free(k);
    }
    q->head = q->tail = NULL;
}
