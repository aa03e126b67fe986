/* XREAD BLOCK over every message stream of one Redis shard: one reader, on a
 * link of its own, per shard (lib/redis_shards.h). The position of each stream
 * is the last entry ID seen; at the first connection it is the stream's last
 * entry (XREVRANGE ... COUNT 1), so a new process starts with what comes next.
 * A room's stream is on one shard: its entries come in order from one reader. */
#include "config.h"

#include "stream_reader.h"

#include "log.h"
#include "message.h"
#include "metrics.h"
#include "pushd.h"
#include "redis_link.h"
#include "inbox.h"
#include "redis_shards.h"
#include "rooms.h"
#include "stream_entry.h"
#include "streams.h"
#include "user_cache.h"
#include "xread_reply.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Above CRM_STREAMS's maximum: on_last_id's tag is shard * this + index. */
#define STREAMS_CAP 1024

struct reader {
    int shard;
    int nstreams;
    int known;          /* positions were read at least once */
    int pending;        /* XREVRANGE replies still to come */
    uint32_t issued_at; /* pushd_now() when the XREAD in flight was sent; 0 if none */
    struct redis_link *link;
    char (*names)[CRM_STREAM_NAME_MAX];
    char (*ids)[PUSH_ID_MAX];
    struct push_message **batch; /* entries of the last XREAD not yet delivered */
    size_t nbatch, capbatch;
    int waiting;              /* the batch waits for senders (try_deliver) */
    struct event *wait_timer; /* bounds that wait */
};

static struct reader readers[CRM_SHARDS_MAX];

static void issue_xread(struct reader *rd, redisAsyncContext *ac);
static void on_sender_loaded(void *arg);
static void on_wait_timeout(evutil_socket_t fd, short what, void *arg);

static int ensure_state(struct reader *rd)
{
    if (rd->names)
        return 0;
    int streams = pushd->cfg.streams, nshards = pushd->shards.n > 1 ? pushd->shards.n : 1;
    rd->nstreams = 0;
    rd->names = calloc((size_t)streams, sizeof *rd->names);
    rd->ids = calloc((size_t)streams, sizeof *rd->ids);
    rd->wait_timer = evtimer_new(pushd->base, on_wait_timeout, rd);
    if (!rd->names || !rd->ids || !rd->wait_timer)
        return -1;
    for (int i = 0; i < streams; i++)
        if (crm_shard_of_stream(i, nshards) == rd->shard) {
            crm_stream_name(rd->names[rd->nstreams], i);
            strcpy(rd->ids[rd->nstreams++], "0-0");
        }
    return 0;
}

void *stream_reader_of_shard(int shard)
{
    readers[shard].shard = shard;
    return &readers[shard];
}

/* Delivers the batch unless an entry of it waits for its sender: only an entry
 * that does not carry its sender (written before entries did) whose room has
 * subscribers here that may read it, whose sender is not cached, while the
 * database is connected: its load is waited for, at most READER_SENDER_WAIT_MS,
 * so that order is kept. Entries written by crm-api now carry their sender:
 * they never wait. */
static void try_deliver(struct reader *rd, int give_up)
{
    int64_t missing = 0;
    if (!give_up)
        for (size_t i = 0; i < rd->nbatch; i++) {
            struct push_message *m = rd->batch[i];
            if (m->sender || !rooms_read_sender(m->room_id))
                continue;
            m->sender = user_cache_lookup(m->sender_id); /* starts the load */
            if (!m->sender && !missing && user_cache_loading(m->sender_id))
                missing = m->sender_id;
        }
    if (missing && user_cache_when_loaded(missing, on_sender_loaded, rd) == 0) {
        if (!rd->waiting) {
            struct timeval tv = {READER_SENDER_WAIT_MS / 1000, (READER_SENDER_WAIT_MS % 1000) * 1000};
            rd->waiting = 1;
            evtimer_add(rd->wait_timer, &tv);
        }
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now); /* the entry ids' clock is Redis's wall clock */
    int64_t now_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    for (size_t i = 0; i < rd->nbatch; i++) {
        push_metrics_lag(now_us - (int64_t)rd->batch[i]->ms * 1000);
        rooms_deliver(rd->batch[i]);
        inbox_entry(rd->batch[i]);
        push_message_unref(rd->batch[i]);
    }
    rd->nbatch = 0;
    if (rd->waiting) {
        rd->waiting = 0;
        evtimer_del(rd->wait_timer);
    }
    /* Frames are flushed by the flush event after this turn. */
    redisAsyncContext *ac = rd->link ? redis_link_ctx(rd->link) : NULL;
    if (ac)
        issue_xread(rd, ac);
}

static void on_sender_loaded(void *arg)
{
    struct reader *rd = arg;
    if (rd->waiting)
        try_deliver(rd, 0);
}

static void on_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct reader *rd = arg;
    log_warn("senders of %zu entries not loaded in time: delivered without them", rd->nbatch);
    try_deliver(rd, 1);
}

static void batch_add(struct reader *rd, struct push_message *m)
{
    if (rd->nbatch == rd->capbatch) {
        size_t cap = rd->capbatch ? rd->capbatch * 2 : 64;
        struct push_message **b = realloc(rd->batch, cap * sizeof *b);
        if (!b) {
            crm_oom();
        }
        rd->batch = b;
        rd->capbatch = cap;
    }
    rd->batch[rd->nbatch++] = m;
}

static void on_entry(void *arg, const struct xread_entry *x)
{
    struct reader *rd = arg;
    snprintf(rd->ids[x->stream], PUSH_ID_MAX, "%" PRIu64 "-%" PRIu64, x->ms, x->seq);
    push_metrics.entries_read++;
    if (x->err != 0) {
        log_warn("stream %s entry %s skipped: %s", rd->names[x->stream], rd->ids[x->stream],
                 crm_stream_entry_strerror(x->err));
        return;
    }
    const struct crm_stream_entry *se = &x->e;
    struct push_message *m = push_message_new(x->ms, x->seq, se->room_id, se->sender_id, se->key, se->key_len,
                                              se->body, se->body_len, 0);
    if (!m)
        crm_oom();
    m->sender = user_cache_from_entry(se->sender_id, &se->who);
    m->internal = se->internal ? 1 : 0;
    batch_add(rd, m);
}

static void on_entries(redisAsyncContext *ac, void *reply, void *priv)
{
    redisReply *r = reply;
    struct reader *rd = priv;
    (void)ac;
    rd->issued_at = 0;
    if (!r)
        return; /* disconnected: on_connect resumes from the positions kept */
    if (r->type == REDIS_REPLY_ERROR) {
        log_error("XREAD failed: %s", r->str);
        redis_link_reset(rd->link);
        return;
    }
    xread_reply_walk(r, rd->names, rd->nstreams, on_entry, rd);
    try_deliver(rd, 0);
}

static void issue_xread(struct reader *rd, redisAsyncContext *ac)
{
    int argc = 6 + 2 * rd->nstreams;
    const char **argv = calloc((size_t)argc, sizeof *argv);
    if (!argv) {
        crm_oom();
    }
    char block[16], count[16];
    snprintf(block, sizeof block, "%d", READER_BLOCK_MS);
    snprintf(count, sizeof count, "%d", READER_COUNT);
    argv[0] = "XREAD";
    argv[1] = "COUNT";
    argv[2] = count;
    argv[3] = "BLOCK";
    argv[4] = block;
    argv[5] = "STREAMS";
    for (int i = 0; i < rd->nstreams; i++) {
        argv[6 + i] = rd->names[i];
        argv[6 + rd->nstreams + i] = rd->ids[i];
    }
    if (redisAsyncCommandArgv(ac, on_entries, rd, argc, argv, NULL) == REDIS_OK) {
        rd->issued_at = pushd_now() ? pushd_now() : 1;
        if (pushd->flush)
            event_active(pushd->flush, EV_TIMEOUT, 0); /* sent at the end of this turn (redis_link_flush) */
    }
    free(argv);
}

static void on_last_id(redisAsyncContext *ac, void *reply, void *priv)
{
    redisReply *r = reply;
    struct reader *rd = &readers[(intptr_t)priv / STREAMS_CAP];
    int idx = (int)((intptr_t)priv % STREAMS_CAP);
    if (!r)
        return;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 && r->element[0]->type == REDIS_REPLY_ARRAY &&
        r->element[0]->elements == 2 && r->element[0]->element[0]->type == REDIS_REPLY_STRING)
        snprintf(rd->ids[idx], PUSH_ID_MAX, "%.*s", (int)r->element[0]->element[0]->len,
                 r->element[0]->element[0]->str);
    if (--rd->pending == 0) {
        rd->known = 1;
        log_info("reading %d stream(s) of Redis shard %d from their ends", rd->nstreams, rd->shard);
        issue_xread(rd, ac);
    }
}

void stream_reader_on_connect(struct redis_link *link, struct redisAsyncContext *ac, void *arg)
{
    struct reader *rd = arg;
    rd->link = link;
    if (ensure_state(rd) < 0) {
        crm_oom();
    }
    push_metrics.redis_up = 1;
    if (rd->waiting)
        return; /* the batch in hand goes first; its delivery reads on */
    if (rd->known) {
        log_info("resuming the streams of Redis shard %d after %s", rd->shard, rd->ids[0]);
        issue_xread(rd, ac);
        return;
    }
    rd->pending = rd->nstreams;
    for (int i = 0; i < rd->nstreams; i++)
        redisAsyncCommand(ac, on_last_id, (void *)(intptr_t)(rd->shard * STREAMS_CAP + i),
                          "XREVRANGE %s + - COUNT 1", rd->names[i]);
}

void stream_reader_watchdog(void)
{
    for (int k = 0; k < CRM_SHARDS_MAX; k++) {
        struct reader *rd = &readers[k];
        if (rd->issued_at && pushd_now() - rd->issued_at > READER_STALL_SEC && rd->link) {
            rd->issued_at = 0;
            redis_link_reset(rd->link);
        }
    }
}

void stream_reader_free(void)
{
    for (int k = 0; k < CRM_SHARDS_MAX; k++) {
        struct reader *rd = &readers[k];
        for (size_t i = 0; i < rd->nbatch; i++)
            push_message_unref(rd->batch[i]);
        free(rd->batch);
        rd->batch = NULL;
        rd->nbatch = rd->capbatch = 0;
        rd->waiting = 0; /* a load ending later finds nothing to deliver */
        if (rd->wait_timer)
            event_free(rd->wait_timer);
        rd->wait_timer = NULL;
        free(rd->names);
        free(rd->ids);
        memset(rd, 0, sizeof *rd);
    }
}
