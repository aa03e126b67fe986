/* The work of fanning out one stream entry, done once: the payload rendered
 * once per distinct (selection, viewer may see the sender's email), and the
 * whole `next` frame built once per (selection, email shown, id) since clients
 * mostly number their subscriptions alike. What a subscriber sees depends on
 * nothing else: a patient sees other users' emails empty (sub_hides_email).
 * Lives for one entry's fan-out (on the stack). */
#ifndef CRM_PUSH_PAYLOAD_CACHE_H
#define CRM_PUSH_PAYLOAD_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct sub;
struct sub_query;
struct push_buf;
struct push_message;

#define PAYLOAD_CACHE_RENDERS 8 /* distinct selections rendered per entry */
#define PAYLOAD_CACHE_FRAMES 16 /* distinct (selection, id) frames built per entry */
#define PAYLOAD_CACHE_ID_MAX 64 /* longer (JSON-encoded) ids get a frame of their own */

struct payload_cache {
    struct {
        const struct sub_query *q;
        int hide_email;
        struct push_buf *payload;
    } payloads[PAYLOAD_CACHE_RENDERS];
    struct {
        const struct sub_query *q;
        int hide_email;
        struct push_buf *frame;
        uint16_t id_len;
        char id[PAYLOAD_CACHE_ID_MAX];
    } frames[PAYLOAD_CACHE_FRAMES];
    size_t npayloads, nframes;
};

void payload_cache_init(struct payload_cache *pc);

/* The payload of m for s's selection (a reference: push_buf_unref it). */
struct push_buf *payload_cache_payload(struct payload_cache *pc, const struct sub *s, struct push_message *m);

/* The whole `next` frame of m for s (a reference), or NULL when the cache is
 * full or s's id too long: then send the payload. */
struct push_buf *payload_cache_frame(struct payload_cache *pc, const struct sub *s, struct push_message *m);

/* Drops the cache's references. */
void payload_cache_release(struct payload_cache *pc);

#endif
