/* crm-worker's batch: entries from XREADGROUP/XAUTOCLAIM replies, parsed once,
 * with their state and error. Replies are built by hiredis's own reader from
 * RESP text, so they are shaped exactly as the worker receives them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "dead_letters.h"

/* One reply from RESP text; the caller (or a batch, via batch_hold) frees it. */
static redisReply *resp(const char *text)
{
    redisReader *r = redisReaderCreate();
    void *reply = NULL;
    assert_non_null(r);
    assert_int_equal(redisReaderFeed(r, text, strlen(text)), REDIS_OK);
    assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
    assert_non_null(reply);
    redisReaderFree(r);
    return reply;
}

/* "$<len>\r\n<s>\r\n" appended to buf. */
static void bulk(char *buf, size_t size, const char *s)
{
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "$%zu\r\n%s\r\n", strlen(s), s);
}

/* An entry [id, [f1, v1, ...]] of n strings, appended to buf. */
static void entry(char *buf, size_t size, const char *id, size_t n, const char *const *fv)
{
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "*2\r\n");
    bulk(buf, size, id);
    used = strlen(buf);
    snprintf(buf + used, size - used, "*%zu\r\n", n);
    for (size_t i = 0; i < n; i++)
        bulk(buf, size, fv[i]);
}

static const char *const MSG[] = {"v", "1", "room", "12", "sender", "7", "key", "k-1", "body", "hello"};
#define MSG_N (sizeof MSG / sizeof MSG[0])

static void messages_parse_and_keep_their_position(void **state)
{
    (void)state;
    char text[4096] = "*2\r\n";
    entry(text, sizeof text, "1700000000000-3", MSG_N, MSG);
    entry(text, sizeof text, "1700000000001-0", MSG_N, MSG);
    struct batch b;
    batch_init(&b);
    redisReply *r = resp(text);
    batch_hold(&b, r);
    assert_int_equal(batch_add_entries(&b, "crm:msg:0", r), 2);
    assert_int_equal(b.n, 2);
    const struct batch_item *it = &b.items[0];
    assert_int_equal(it->state, ITEM_NEW);
    assert_int_equal(it->kind, ITEM_MESSAGE);
    assert_string_equal(it->id, "1700000000000-3");
    assert_string_equal(it->orig_stream, "crm:msg:0");
    assert_string_equal(it->orig_id, "1700000000000-3");
    assert_int_equal(it->ms, 1700000000000ULL);
    assert_int_equal(it->seq, 3);
    assert_int_equal(it->msg.room_id, 12);
    assert_int_equal(it->msg.sender_id, 7);
    assert_int_equal(it->msg.body_len, 5);
    assert_memory_equal(it->msg.body, "hello", 5);
    assert_null(it->error);
    assert_int_equal(b.items[1].seq, 0);
    batch_deinit(&b);
}

/* XAUTOCLAIM and a pending XREADGROUP give [id, nil] for an entry deleted from
 * the stream: nothing to store, only to acknowledge. */
static void a_deleted_entry_is_gone(void **state)
{
    (void)state;
    struct batch b;
    batch_init(&b);
    redisReply *r = resp("*1\r\n*2\r\n$3\r\n5-1\r\n*-1\r\n");
    batch_hold(&b, r);
    assert_int_equal(batch_add_entries(&b, "crm:msg:0", r), 1);
    assert_int_equal(b.items[0].state, ITEM_GONE);
    assert_null(b.items[0].fields);
    batch_deinit(&b);
}

static void a_malformed_entry_says_why(void **state)
{
    (void)state;
    char text[4096] = "*2\r\n";
    entry(text, sizeof text, "9-0", MSG_N - 2, MSG); /* no body */
    const char *bad_room[MSG_N];
    memcpy(bad_room, MSG, sizeof MSG);
    bad_room[3] = "-4";
    entry(text, sizeof text, "9-1", MSG_N, bad_room);
    struct batch b;
    batch_init(&b);
    redisReply *r = resp(text);
    batch_hold(&b, r);
    assert_int_equal(batch_add_entries(&b, "crm:msg:0", r), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(b.items[i].state, ITEM_MALFORMED);
        assert_non_null(b.items[i].error);
    }
    assert_string_equal(b.items[0].error, crm_stream_entry_strerror(CRM_ENTRY_EBODY));
    assert_string_equal(b.items[1].error, crm_stream_entry_strerror(CRM_ENTRY_EROOM));
    batch_deinit(&b);
}

static void audit_entries_are_told_by_their_stream(void **state)
{
    (void)state;
    const char *fv[] = {"actor",  "3",    "action", "messages.read", "target",
                        "room:1", "addr", "::1",    "detail",        "{}"};
    char text[4096] = "*1\r\n";
    entry(text, sizeof text, "20-0", 10, fv);
    struct batch b;
    batch_init(&b);
    redisReply *r = resp(text);
    batch_hold(&b, r);
    assert_int_equal(batch_add_entries(&b, CRM_AUDIT_STREAM, r), 1);
    assert_int_equal(b.items[0].kind, ITEM_AUDIT);
    assert_int_equal(b.items[0].state, ITEM_NEW);
    assert_int_equal(b.items[0].audit.actor_id, 3);
    /* The same fields on a message stream are a malformed message. */
    assert_int_equal(batch_add_entries(&b, "crm:msg:0", r), 1);
    assert_int_equal(b.items[1].kind, ITEM_MESSAGE);
    assert_int_equal(b.items[1].state, ITEM_MALFORMED);
    batch_deinit(&b);
}

/* A retry carries the message's first stream and position before its fields. */
static void a_retry_keeps_its_first_stream_and_position(void **state)
{
    (void)state;
    const char *fv[4 + MSG_N];
    fv[0] = "src";
    fv[1] = "crm:msg:3";
    fv[2] = "pos";
    fv[3] = "1700000000000-9";
    memcpy(fv + 4, MSG, sizeof MSG);
    const char *no_meta[MSG_N];
    memcpy(no_meta, MSG, sizeof MSG);
    char text[8192] = "*2\r\n";
    entry(text, sizeof text, "77-0", 4 + MSG_N, fv);
    entry(text, sizeof text, "77-1", MSG_N, no_meta);
    struct batch b;
    batch_init(&b);
    redisReply *r = resp(text);
    batch_hold(&b, r);
    assert_int_equal(batch_add_entries(&b, CRM_RETRY_STREAM, r), 2);
    const struct batch_item *it = &b.items[0];
    assert_int_equal(it->state, ITEM_NEW);
    assert_string_equal(it->id, "77-0");
    assert_string_equal(it->orig_stream, "crm:msg:3");
    assert_string_equal(it->orig_id, "1700000000000-9");
    assert_int_equal(it->ms, 1700000000000ULL);
    assert_int_equal(it->seq, 9);
    assert_int_equal(it->first, 2 * CRM_RETRY_META_FIELDS);
    assert_int_equal(it->msg.room_id, 12);
    assert_int_equal(b.items[1].state, ITEM_MALFORMED);
    batch_deinit(&b);
}

/* What is not [id, fields] is skipped; what is not an array adds nothing. */
static void non_entries_are_skipped(void **state)
{
    (void)state;
    struct batch b;
    batch_init(&b);
    redisReply *r = resp("*3\r\n:5\r\n*1\r\n$3\r\n1-1\r\n*2\r\n$3\r\n1-2\r\n*-1\r\n");
    batch_hold(&b, r);
    assert_int_equal(batch_add_entries(&b, "crm:msg:0", r), 1);
    assert_string_equal(b.items[0].id, "1-2");
    assert_int_equal(batch_add_entries(&b, "crm:msg:0", NULL), 0);
    assert_int_equal(batch_add_entries(&b, "crm:msg:0", r->element[0]), 0);
    batch_deinit(&b);
}

/* Past the first allocation, then reset and reused: items and replies grow,
 * errors are freed (ASan checks), nothing leaks. */
static void grows_resets_and_is_reused(void **state)
{
    (void)state;
    struct batch b;
    batch_init(&b);
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 70; k++) {
            char text[1024] = "*1\r\n", id[32];
            snprintf(id, sizeof id, "%d-%d", 100 + round, k);
            entry(text, sizeof text, id, MSG_N, MSG);
            redisReply *r = resp(text);
            batch_hold(&b, r);
            assert_int_equal(batch_add_entries(&b, "crm:msg:0", r), 1);
        }
        assert_int_equal(b.n, 70);
        assert_int_equal(b.nreplies, 70);
        batch_item_fail(&b.items[69], ITEM_REJECTED, "first");
        batch_item_fail(&b.items[69], ITEM_REJECTED, "second replaces it");
        assert_string_equal(b.items[69].error, "second replaces it");
        batch_item_fail(&b.items[68], ITEM_STORED, NULL);
        assert_null(b.items[68].error);
        assert_string_equal(b.items[69 - round].id, round ? "101-68" : "100-69");
        batch_reset(&b);
        assert_int_equal(b.n, 0);
        assert_int_equal(b.nreplies, 0);
        assert_true(b.cap >= 70);
    }
    batch_deinit(&b);
    assert_null(b.items);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(messages_parse_and_keep_their_position),
        cmocka_unit_test(a_deleted_entry_is_gone),
        cmocka_unit_test(a_malformed_entry_says_why),
        cmocka_unit_test(audit_entries_are_told_by_their_stream),
        cmocka_unit_test(a_retry_keeps_its_first_stream_and_position),
        cmocka_unit_test(non_entries_are_skipped),
        cmocka_unit_test(grows_resets_and_is_reused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
