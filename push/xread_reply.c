#include "config.h"

#include "xread_reply.h"

#include <string.h>

static int stream_index(const redisReply *name, char (*names)[CRM_STREAM_NAME_MAX], int nstreams)
{
    if (name->type != REDIS_REPLY_STRING)
        return -1;
    for (int i = 0; i < nstreams; i++)
        if (strlen(names[i]) == name->len && memcmp(names[i], name->str, name->len) == 0)
            return i;
    return -1;
}

size_t xread_reply_walk(const redisReply *reply, char (*names)[CRM_STREAM_NAME_MAX], int nstreams,
                        xread_entry_fn fn, void *arg)
{
    size_t n = 0;
    if (!reply || reply->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t s = 0; s < reply->elements; s++) {
        const redisReply *st = reply->element[s];
        if (st->type != REDIS_REPLY_ARRAY || st->elements != 2)
            continue;
        int idx = stream_index(st->element[0], names, nstreams);
        const redisReply *list = st->element[1];
        if (idx < 0 || list->type != REDIS_REPLY_ARRAY)
            continue;
        for (size_t i = 0; i < list->elements; i++) {
            const redisReply *ent = list->element[i];
            struct xread_entry x = {.stream = idx};
            if (ent->type != REDIS_REPLY_ARRAY || ent->elements != 2 ||
                ent->element[0]->type != REDIS_REPLY_STRING ||
                crm_stream_id_parse(ent->element[0]->str, ent->element[0]->len, &x.ms, &x.seq) != 0)
                continue;
            x.err = crm_stream_entry_parse(ent->element[1], &x.e);
            fn(arg, &x);
            n++;
        }
    }
    return n;
}
