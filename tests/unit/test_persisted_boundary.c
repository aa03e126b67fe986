/* The boundary between the persisted and the unpersisted part of a room's
 * history (lib/persisted_boundary.c), which crm-api's history and crm-pushd's
 * replay both use: each case sits at an edge of the rule. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "persisted_boundary.h"

#include <hiredis/hiredis.h>

static void expect(const struct crm_stream_facts *f, uint64_t ms, uint64_t seq)
{
    uint64_t bms = 1, bseq = 1;
    crm_persisted_boundary(f, &bms, &bseq);
    assert_int_equal(bms, ms);
    assert_int_equal(bseq, seq);
}

static void empty_stream_is_all_persisted(void **state)
{
    (void)state;
    struct crm_stream_facts f = {0};
    expect(&f, CRM_BOUNDARY_ALL_MS, 0);
    /* Even with a group that delivered up to somewhere. */
    f.has_group = 1, f.last_ms = 50, f.last_seq = 2;
    expect(&f, CRM_BOUNDARY_ALL_MS, 0);
}

static void no_group_nothing_acknowledged(void **state)
{
    (void)state;
    /* Nothing was acknowledged: the whole stream is the truth, from its first
     * entry (anything older was trimmed, so in PostgreSQL). */
    struct crm_stream_facts f = {.has_first = 1, .first_ms = 100, .first_seq = 3};
    expect(&f, 100, 3);
}

static void after_last_delivered_when_nothing_pending(void **state)
{
    (void)state;
    struct crm_stream_facts f = {
        .has_first = 1, .first_ms = 100, .has_group = 1, .last_ms = 200, .last_seq = 7};
    expect(&f, 200, 8); /* 200-7 is acknowledged: in PostgreSQL; 200-8 may not be */
    f.last_seq = UINT64_MAX;
    expect(&f, 201, 0);
    /* A group that delivered nothing yet: 0-0, raised to the first entry. */
    f.last_ms = 0, f.last_seq = 0;
    expect(&f, 100, 0);
}

static void oldest_pending_wins(void **state)
{
    (void)state;
    struct crm_stream_facts f = {.has_first = 1,
                                 .first_ms = 100,
                                 .has_group = 1,
                                 .last_ms = 300,
                                 .last_seq = 0,
                                 .pending = 2,
                                 .pend_ms = 250,
                                 .pend_seq = 1};
    expect(&f, 250, 1); /* 250-1 is delivered, not acknowledged: not in PostgreSQL */
}

static void never_below_the_first_entry(void **state)
{
    (void)state;
    /* The stream was trimmed past what the facts say (a pending entry trimmed
     * by hand): what is older than the stream can only be read from PostgreSQL. */
    struct crm_stream_facts f = {
        .has_first = 1, .first_ms = 400, .first_seq = 5, .pending = 1, .pend_ms = 399};
    expect(&f, 400, 5);
    f.pend_ms = 400, f.pend_seq = 5; /* equal: the first entry itself */
    expect(&f, 400, 5);
    f.pend_seq = 6;
    expect(&f, 400, 6);
}

/* ---- the replies ---- */

static redisReply str(char *s)
{
    redisReply r = {.type = REDIS_REPLY_STRING, .str = s, .len = strlen(s)};
    return r;
}

static void parses_replies(void **state)
{
    (void)state;
    /* XRANGE s - + COUNT 1 -> [[id, [fields]]] */
    redisReply id = str("100-3"), fields = {.type = REDIS_REPLY_ARRAY};
    redisReply *ent_el[] = {&id, &fields};
    redisReply ent = {.type = REDIS_REPLY_ARRAY, .elements = 2, .element = ent_el};
    redisReply *first_el[] = {&ent};
    redisReply first = {.type = REDIS_REPLY_ARRAY, .elements = 1, .element = first_el};
    /* XPENDING s g -> [2, lowest, highest, consumers] */
    redisReply cnt = {.type = REDIS_REPLY_INTEGER, .integer = 2}, lo = str("150-0"), hi = str("160-0"),
               cons = {.type = REDIS_REPLY_ARRAY};
    redisReply *pend_el[] = {&cnt, &lo, &hi, &cons};
    redisReply pend = {.type = REDIS_REPLY_ARRAY, .elements = 4, .element = pend_el};
    /* XINFO GROUPS s -> [[name, other, last-delivered-id, ...], [name, crm-worker, ...]] */
    redisReply k_name = str("name"), other = str("other"), k_last = str("last-delivered-id"),
               l1 = str("900-0");
    redisReply mine = str("crm-worker"), l2 = str("170-4");
    redisReply *g1_el[] = {&k_name, &other, &k_last, &l1};
    redisReply *g2_el[] = {&k_name, &mine, &k_last, &l2};
    redisReply g1 = {.type = REDIS_REPLY_ARRAY, .elements = 4, .element = g1_el};
    redisReply g2 = {.type = REDIS_REPLY_ARRAY, .elements = 4, .element = g2_el};
    redisReply *groups_el[] = {&g1, &g2};
    redisReply groups = {.type = REDIS_REPLY_ARRAY, .elements = 2, .element = groups_el};

    struct crm_stream_facts f;
    assert_int_equal(crm_stream_facts_parse(&first, &pend, &groups, &f), 0);
    assert_true(f.has_first && f.first_ms == 100 && f.first_seq == 3);
    assert_true(f.pending == 2 && f.pend_ms == 150 && f.pend_seq == 0);
    assert_true(f.has_group && f.last_ms == 170 && f.last_seq == 4); /* crm-worker's, not the other group's */
    expect(&f, 150, 0);

    /* Nothing pending: after the last delivered. */
    cnt.integer = 0;
    redisReply nil = {.type = REDIS_REPLY_NIL};
    pend_el[1] = pend_el[2] = &nil;
    assert_int_equal(crm_stream_facts_parse(&first, &pend, &groups, &f), 0);
    expect(&f, 170, 5);

    /* No stream: XPENDING and XINFO answer errors, XRANGE nothing. */
    redisReply err = {.type = REDIS_REPLY_ERROR, .str = "ERR no such key", .len = 15};
    first.elements = 0;
    assert_int_equal(crm_stream_facts_parse(&first, &err, &err, &f), 0);
    expect(&f, CRM_BOUNDARY_ALL_MS, 0);

    /* A reply of another shape is refused, not guessed at. */
    assert_int_equal(crm_stream_facts_parse(&first, &cnt, &groups, &f), -1);
    assert_int_equal(crm_stream_facts_parse(&cnt, &pend, &groups, &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_stream_is_all_persisted),
        cmocka_unit_test(no_group_nothing_acknowledged),
        cmocka_unit_test(after_last_delivered_when_nothing_pending),
        cmocka_unit_test(oldest_pending_wins),
        cmocka_unit_test(never_below_the_first_entry),
        cmocka_unit_test(parses_replies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
