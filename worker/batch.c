#include "config.h"

#include "batch.h"

#include "dead_letters.h"
#include "log.h"

#include <stdlib.h>
#include <string.h>

static void *grow(void *p, size_t *cap, size_t size)
{
    size_t n = *cap ? *cap * 2 : 64;
    void *q = realloc(p, n * size);
    if (!q) {
        crm_oom();
    }
    *cap = n;
    return q;
}

void batch_init(struct batch *b)
{
    memset(b, 0, sizeof *b);
}

void batch_hold(struct batch *b, redisReply *r)
{
    if (b->nreplies == b->capreplies)
        b->replies = grow(b->replies, &b->capreplies, sizeof *b->replies);
    b->replies[b->nreplies++] = r;
}

void batch_item_fail(struct batch_item *it, enum item_state state, const char *error)
{
    it->state = state;
    free(it->error);
    it->error = error ? strdup(error) : NULL;
    if (error && !it->error) {
        crm_oom();
    }
}

static void copy_str(char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static int is_str(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING;
}

/* A retry entry starts with src <stream> pos <id>: the message's first stream
 * and position. */
static int read_retry_meta(struct batch_item *it)
{
    const redisReply *f = it->fields;
    if (f->elements < 4 || !is_str(f->element[0]) || !is_str(f->element[1]) || !is_str(f->element[2]) ||
        !is_str(f->element[3]) || f->element[0]->len != 3 || memcmp(f->element[0]->str, "src", 3) != 0 ||
        f->element[2]->len != 3 || memcmp(f->element[2]->str, "pos", 3) != 0 ||
        (size_t)f->element[1]->len >= sizeof it->orig_stream ||
        (size_t)f->element[3]->len >= sizeof it->orig_id)
        return -1;
    copy_str(it->orig_stream, sizeof it->orig_stream, f->element[1]->str, (size_t)f->element[1]->len);
    copy_str(it->orig_id, sizeof it->orig_id, f->element[3]->str, (size_t)f->element[3]->len);
    it->first = 2 * CRM_RETRY_META_FIELDS;
    return 0;
}

static void parse_item(struct batch_item *it)
{
    int rc;
    if (!it->fields || it->fields->type != REDIS_REPLY_ARRAY) {
        it->fields = NULL;
        it->state = ITEM_GONE;
        return;
    }
    strcpy(it->orig_stream, it->src_key);
    strcpy(it->orig_id, it->id);
    if (strcmp(it->src_key, CRM_RETRY_STREAM) == 0 && read_retry_meta(it) < 0) {
        batch_item_fail(it, ITEM_MALFORMED, "malformed retry entry: src and pos must come first");
        return;
    }
    it->kind = strcmp(it->orig_stream, CRM_AUDIT_STREAM) == 0 ? ITEM_AUDIT : ITEM_MESSAGE;
    if (crm_stream_id_parse(it->orig_id, strlen(it->orig_id), &it->ms, &it->seq) < 0) {
        batch_item_fail(it, ITEM_MALFORMED, crm_stream_entry_strerror(CRM_ENTRY_EID));
        return;
    }
    if (it->kind == ITEM_AUDIT) {
        rc = crm_audit_entry_parse_from(it->fields, it->first, &it->audit);
        if (rc < 0)
            batch_item_fail(it, ITEM_MALFORMED, crm_audit_entry_strerror(rc));
    } else {
        rc = crm_stream_entry_parse_from(it->fields, it->first, &it->msg);
        if (rc < 0)
            batch_item_fail(it, ITEM_MALFORMED, crm_stream_entry_strerror(rc));
    }
}

size_t batch_add_entries(struct batch *b, const char *src_key, const redisReply *entries)
{
    size_t added = 0;
    if (!entries || entries->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || !is_str(e->element[0]) ||
            (size_t)e->element[0]->len >= CRM_ENTRY_ID_MAX)
            continue; /* not an entry: Redis never sends this */
        if (b->n == b->cap)
            b->items = grow(b->items, &b->cap, sizeof *b->items);
        struct batch_item *it = &b->items[b->n++];
        memset(it, 0, sizeof *it);
        it->src_key = src_key;
        copy_str(it->id, sizeof it->id, e->element[0]->str, (size_t)e->element[0]->len);
        it->fields = e->element[1];
        it->state = ITEM_NEW;
        parse_item(it);
        added++;
    }
    return added;
}

void batch_reset(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->items[i].error);
        b->items[i].error = NULL;
    }
    b->n = 0;
    for (size_t i = 0; i < b->nreplies; i++)
        freeReplyObject(b->replies[i]);
    b->nreplies = 0;
}

void batch_deinit(struct batch *b)
{
    batch_reset(b);
    free(b->items);
    free(b->replies);
    memset(b, 0, sizeof *b);
}
