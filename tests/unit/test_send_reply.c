/* The send script's reply parser (fcgi/send_reply.c). Replies are built by
 * hiredis's own reader from RESP text, shaped as crm-api receives them from
 * EVALSHA (Lua tables become arrays, numbers integers, strings bulk strings). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "send_reply.h"

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

static enum send_reply_kind parse(const char *text, struct send_reply *out)
{
    redisReply *r = resp(text);
    enum send_reply_kind k = send_reply_parse(r, out);
    freeReplyObject(r);
    return k;
}

static void accepted_gives_the_id(void **state)
{
    (void)state;
    redisReply *r = resp("*2\r\n:1\r\n$15\r\n1700000000000-7\r\n");
    struct send_reply sr;
    assert_int_equal(send_reply_parse(r, &sr), SEND_REPLY_ACCEPTED);
    assert_int_equal(sr.id_len, 15);
    assert_memory_equal(sr.id, "1700000000000-7", 15);
    freeReplyObject(r);
    assert_int_equal(parse("*2\r\n:1\r\n$5\r\nnoid!\r\n", &sr), SEND_REPLY_MALFORMED);
    assert_int_equal(parse("*2\r\n:1\r\n$0\r\n\r\n", &sr), SEND_REPLY_MALFORMED);
}

static void replay_gives_stream_and_id(void **state)
{
    (void)state;
    struct send_reply sr;
    assert_int_equal(parse("*2\r\n:0\r\n$13\r\ncrm:msg:3 5-1\r\n", &sr), SEND_REPLY_REPLAY);
    assert_string_equal(sr.prev_stream, "crm:msg:3");
    assert_string_equal(sr.prev_id, "5-1");
    /* No space, no stream, a bad ID, a stream name that does not fit. */
    assert_int_equal(parse("*2\r\n:0\r\n$9\r\ncrm:msg:3\r\n", &sr), SEND_REPLY_MALFORMED);
    assert_int_equal(parse("*2\r\n:0\r\n$4\r\n 5-1\r\n", &sr), SEND_REPLY_MALFORMED);
    assert_int_equal(parse("*2\r\n:0\r\n$11\r\ncrm:msg:3 x\r\n", &sr), SEND_REPLY_MALFORMED);
    assert_int_equal(parse("*2\r\n:0\r\n$36\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 5-1\r\n", &sr),
                     SEND_REPLY_MALFORMED);
}

static void rate_limited_gives_the_wait(void **state)
{
    (void)state;
    struct send_reply sr;
    assert_int_equal(parse("*2\r\n:2\r\n$4\r\n9500\r\n", &sr), SEND_REPLY_RATE);
    assert_int_equal(sr.retry_ms, 9500);
    /* PTTL -1 or -2 (no lifetime, gone): try again now. */
    assert_int_equal(parse("*2\r\n:2\r\n$2\r\n-2\r\n", &sr), SEND_REPLY_RATE);
    assert_int_equal(sr.retry_ms, 0);
    assert_int_equal(parse("*2\r\n:2\r\n$3\r\n12a\r\n", &sr), SEND_REPLY_MALFORMED);
    assert_int_equal(parse("*2\r\n:2\r\n$0\r\n\r\n", &sr), SEND_REPLY_MALFORMED);
}

static void revoked_refused_and_malformed(void **state)
{
    (void)state;
    struct send_reply sr;
    assert_int_equal(parse("*2\r\n:3\r\n$0\r\n\r\n", &sr), SEND_REPLY_REVOKED);
    assert_int_equal(parse("-OOM command not allowed when used memory > 'maxmemory'\r\n", &sr),
                     SEND_REPLY_REFUSED);
    assert_int_equal(parse("*2\r\n:4\r\n$0\r\n\r\n", &sr), SEND_REPLY_MALFORMED);
    assert_int_equal(parse("*1\r\n:1\r\n", &sr), SEND_REPLY_MALFORMED);
    assert_int_equal(parse("*2\r\n$1\r\n1\r\n$3\r\n1-1\r\n", &sr), SEND_REPLY_MALFORMED);
    assert_int_equal(parse(":1\r\n", &sr), SEND_REPLY_MALFORMED);
    assert_int_equal(send_reply_parse(NULL, &sr), SEND_REPLY_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted_gives_the_id),
        cmocka_unit_test(replay_gives_stream_and_id),
        cmocka_unit_test(rate_limited_gives_the_wait),
        cmocka_unit_test(revoked_refused_and_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
