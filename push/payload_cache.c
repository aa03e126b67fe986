#include "config.h"

#include "payload_cache.h"

#include "gtws.h"
#include "log.h"
#include "message.h"
#include "sub.h"
#include "sub_query.h"
#include "ws_conn.h"

#include <stdlib.h>
#include <string.h>

void payload_cache_init(struct payload_cache *pc)
{
    pc->npayloads = pc->nframes = 0;
}

struct push_buf *payload_cache_payload(struct payload_cache *pc, const struct sub *s, struct push_message *m)
{
    int hide = sub_hides_email(s, m);
    for (size_t i = 0; i < pc->npayloads; i++)
        if (pc->payloads[i].q == s->q && pc->payloads[i].hide_email == hide)
            return push_buf_ref(pc->payloads[i].payload);
    struct push_buf *buf = sub_query_render(s->q, m, hide);
    if (!buf) {
        crm_oom();
    }
    if (pc->npayloads < PAYLOAD_CACHE_RENDERS) {
        pc->payloads[pc->npayloads].q = s->q;
        pc->payloads[pc->npayloads].hide_email = hide;
        pc->payloads[pc->npayloads].payload = push_buf_ref(buf);
        pc->npayloads++;
    }
    return buf;
}

struct push_buf *payload_cache_frame(struct payload_cache *pc, const struct sub *s, struct push_message *m)
{
    int hide = sub_hides_email(s, m);
    for (size_t i = 0; i < pc->nframes; i++)
        if (pc->frames[i].q == s->q && pc->frames[i].hide_email == hide &&
            pc->frames[i].id_len == s->id_len && memcmp(pc->frames[i].id, s->id, s->id_len) == 0)
            return push_buf_ref(pc->frames[i].frame);
    if (pc->nframes == PAYLOAD_CACHE_FRAMES || s->id_len > PAYLOAD_CACHE_ID_MAX)
        return NULL;
    char head[GTWS_NEXT_HEAD_MAX];
    size_t hl = gtws_next_head(head, sizeof head, s->id, s->id_len);
    if (!hl)
        return NULL;
    struct push_buf *payload = payload_cache_payload(pc, s, m);
    struct push_buf *frame = ws_frame_build(head, hl, payload, GTWS_NEXT_TAIL, sizeof GTWS_NEXT_TAIL - 1);
    push_buf_unref(payload);
    if (!frame)
        return NULL;
    pc->frames[pc->nframes].q = s->q;
    pc->frames[pc->nframes].hide_email = hide;
    pc->frames[pc->nframes].frame = push_buf_ref(frame);
    pc->frames[pc->nframes].id_len = s->id_len;
    memcpy(pc->frames[pc->nframes].id, s->id, s->id_len);
    pc->nframes++;
    return frame;
}

void payload_cache_release(struct payload_cache *pc)
{
    for (size_t i = 0; i < pc->npayloads; i++)
        push_buf_unref(pc->payloads[i].payload);
    for (size_t i = 0; i < pc->nframes; i++)
        push_buf_unref(pc->frames[i].frame);
    pc->npayloads = pc->nframes = 0;
}
