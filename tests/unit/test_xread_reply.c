/* crm-pushd's XREAD reply walk (push/xread_reply.c). Replies are built by
 * hiredis's own reader from RESP text, shaped as the reader receives them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "xread_reply.h"

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

/* What the walk handed out, one line per entry. */
struct seen {
    char lines[16][128];
    int n;
};

static void record(void *arg, const struct xread_entry *x)
{
    struct seen *s = arg;
    assert_true(s->n < 16);
    if (x->err)
        snprintf(s->lines[s->n++], 128, "%d %llu-%llu err %d", x->stream, (unsigned long long)x->ms,
                 (unsigned long long)x->seq, x->err);
    else
        snprintf(s->lines[s->n++], 128, "%d %llu-%llu room %lld sender %lld %.*s", x->stream,
                 (unsigned long long)x->ms, (unsigned long long)x->seq, (long long)x->e.room_id,
                 (long long)x->e.sender_id, (int)x->e.body_len, x->e.body);
}

static char names[2][CRM_STREAM_NAME_MAX] = {"crm:msg:0", "crm:msg:1"};

#define ENTRY(id, room, body)                                                 \
    "*2\r\n$" id "\r\n*10\r\n$1\r\nv\r\n$1\r\n1\r\n$4\r\nroom\r\n$1\r\n" room \
    "\r\n$6\r\nsender\r\n$1\r\n7\r\n"                                         \
    "$3\r\nkey\r\n$1\r\nk\r\n$4\r\nbody\r\n$2\r\n" body "\r\n"

static void entries_of_both_streams_in_reply_order(void **state)
{
    (void)state;
    /* Stream 1 first, then stream 0: the walk keeps the reply's order. */
    redisReply *r =
        resp("*2\r\n"
             "*2\r\n$9\r\ncrm:msg:1\r\n*2\r\n" ENTRY("3\r\n5-1", "3", "hi")
                 ENTRY("3\r\n5-2", "5", "yo") "*2\r\n$9\r\ncrm:msg:0\r\n*1\r\n" ENTRY("3\r\n6-0", "2", "ok"));
    struct seen s = {0};
    assert_int_equal(xread_reply_walk(r, names, 2, record, &s), 3);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.lines[0], "1 5-1 room 3 sender 7 hi");
    assert_string_equal(s.lines[1], "1 5-2 room 5 sender 7 yo");
    assert_string_equal(s.lines[2], "0 6-0 room 2 sender 7 ok");
    freeReplyObject(r);
}

/* A malformed entry is handed out with its error (the position moves past it);
 * an entry without a valid ID, a stream not read and a misshapen stream are
 * skipped. */
static void bad_entries_and_unknown_streams(void **state)
{
    (void)state;
    redisReply *r = resp(
        "*4\r\n"
        "*2\r\n$9\r\ncrm:msg:0\r\n*3\r\n" ENTRY("3\r\n1-1", "0", "zz")
            ENTRY("2\r\nxx", "3", "no") "*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nv\r\n$1\r\n2\r\n"
                                        "*2\r\n$9\r\ncrm:msg:9\r\n*1\r\n" ENTRY(
                                            "3\r\n1-3", "3", "no") "*1\r\n$9\r\ncrm:msg:1\r\n"
                                                                   "*2\r\n$9\r\ncrm:msg:1\r\n$3\r\nnot\r\n");
    struct seen s = {0};
    assert_int_equal(xread_reply_walk(r, names, 2, record, &s), 2);
    char want[2][128];
    snprintf(want[0], sizeof want[0], "0 1-1 err %d", CRM_ENTRY_EROOM);
    snprintf(want[1], sizeof want[1], "0 1-2 err %d", CRM_ENTRY_EVERSION);
    assert_string_equal(s.lines[0], want[0]);
    assert_string_equal(s.lines[1], want[1]);
    freeReplyObject(r);
}

static void nil_and_non_arrays_hand_out_nothing(void **state)
{
    (void)state;
    struct seen s = {0};
    redisReply *r = resp("*-1\r\n"); /* BLOCK timed out */
    assert_int_equal(xread_reply_walk(r, names, 2, record, &s), 0);
    freeReplyObject(r);
    r = resp("$2\r\nno\r\n");
    assert_int_equal(xread_reply_walk(r, names, 2, record, &s), 0);
    freeReplyObject(r);
    assert_int_equal(xread_reply_walk(NULL, names, 2, record, &s), 0);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entries_of_both_streams_in_reply_order),
        cmocka_unit_test(bad_entries_and_unknown_streams),
        cmocka_unit_test(nil_and_non_arrays_hand_out_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
