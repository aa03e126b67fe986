/* The message stream entry: encode to XADD argv, parse and validate from a
 * hiredis reply, the limits at and just past each bound. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stream_entry.h"

/* A field/value array reply built on the heap from n strings with lengths. */
struct fake {
    redisReply top;
    redisReply el[24];
    redisReply *ptrs[24];
};

static void fake_set(struct fake *f, size_t n, const char *const *s, const size_t *lens)
{
    memset(f, 0, sizeof *f);
    f->top.type = REDIS_REPLY_ARRAY;
    f->top.elements = n;
    f->top.element = f->ptrs;
    for (size_t i = 0; i < n; i++) {
        f->el[i].type = REDIS_REPLY_STRING;
        f->el[i].str = (char *)s[i];
        f->el[i].len = lens ? lens[i] : strlen(s[i]);
        f->ptrs[i] = &f->el[i];
    }
}

static int parse_strs(size_t n, const char *const *s, struct crm_stream_entry *e)
{
    struct fake f;
    fake_set(&f, n, s, NULL);
    return crm_stream_entry_parse(&f.top, e);
}

static void encode_then_parse_round_trips(void **state)
{
    (void)state;
    struct crm_stream_entry in = {42, 7, "k-1", 3, "hello \"world\"\n", 14, {0}, 0}, out;
    struct crm_entry_argv a;
    assert_int_equal(crm_stream_entry_encode(&a, &in), 0);
    assert_int_equal(a.argc, 10);
    const char *want[] = {"v", "1", "room", "42", "sender", "7", "key", "k-1", "body"};
    for (int i = 0; i < 9; i++) {
        assert_int_equal(a.argvlen[i], strlen(want[i]));
        assert_memory_equal(a.argv[i], want[i], strlen(want[i]));
    }
    assert_int_equal(a.argvlen[9], 14);

    struct fake f;
    fake_set(&f, 10, a.argv, a.argvlen);
    assert_int_equal(crm_stream_entry_parse(&f.top, &out), 0);
    assert_int_equal(out.room_id, 42);
    assert_int_equal(out.sender_id, 7);
    assert_int_equal(out.key_len, 3);
    assert_memory_equal(out.key, "k-1", 3);
    assert_int_equal(out.body_len, 14);
    assert_memory_equal(out.body, in.body, 14);
}

static void field_order_does_not_matter_but_extras_do(void **state)
{
    (void)state;
    struct crm_stream_entry e;
    const char *ok[] = {"body", "b", "key", "k", "sender", "2", "room", "1", "v", "1"};
    assert_int_equal(parse_strs(10, ok, &e), 0);
    const char *extra[] = {"v", "1", "room", "1", "sender", "2", "key", "k", "body", "b", "x", "y"};
    assert_int_equal(parse_strs(12, extra, &e), CRM_ENTRY_EFORMAT);
    const char *twice[] = {"v", "1", "room", "1", "room", "1", "sender", "2", "key", "k"};
    assert_int_equal(parse_strs(10, twice, &e), CRM_ENTRY_EFORMAT);
    const char *odd[] = {"v", "1", "room"};
    assert_int_equal(parse_strs(3, odd, &e), CRM_ENTRY_EFORMAT);
    assert_int_equal(crm_stream_entry_parse(NULL, &e), CRM_ENTRY_EFORMAT);
}

static void missing_fields_name_the_field(void **state)
{
    (void)state;
    struct crm_stream_entry e;
    const char *nov[] = {"room", "1", "sender", "2", "key", "k", "body", "b"};
    assert_int_equal(parse_strs(8, nov, &e), CRM_ENTRY_EVERSION);
    const char *v2[] = {"v", "2", "room", "1", "sender", "2", "key", "k", "body", "b"};
    assert_int_equal(parse_strs(10, v2, &e), CRM_ENTRY_EVERSION);
    const char *noroom[] = {"v", "1", "sender", "2", "key", "k", "body", "b"};
    assert_int_equal(parse_strs(8, noroom, &e), CRM_ENTRY_EROOM);
    const char *nosender[] = {"v", "1", "room", "1", "key", "k", "body", "b"};
    assert_int_equal(parse_strs(8, nosender, &e), CRM_ENTRY_ESENDER);
    const char *nokey[] = {"v", "1", "room", "1", "sender", "2", "body", "b"};
    assert_int_equal(parse_strs(8, nokey, &e), CRM_ENTRY_EKEY);
    const char *nobody[] = {"v", "1", "room", "1", "sender", "2", "key", "k"};
    assert_int_equal(parse_strs(8, nobody, &e), CRM_ENTRY_EBODY);
}

static void ids_are_strict_decimals(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(crm_decimal_id_parse("1", 1, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(crm_decimal_id_parse("9223372036854775807", 19, &v), 0);
    assert_int_equal(v, INT64_MAX);
    assert_int_equal(crm_decimal_id_parse("9223372036854775808", 19, &v), -1);
    assert_int_equal(crm_decimal_id_parse("0", 1, &v), -1);
    assert_int_equal(crm_decimal_id_parse("01", 2, &v), -1);
    assert_int_equal(crm_decimal_id_parse("-1", 2, &v), -1);
    assert_int_equal(crm_decimal_id_parse("+1", 2, &v), -1);
    assert_int_equal(crm_decimal_id_parse("1a", 2, &v), -1);
    assert_int_equal(crm_decimal_id_parse("", 0, &v), -1);
    assert_int_equal(crm_decimal_id_parse("12345678901234567890", 20, &v), -1);
}

static void stream_ids_parse(void **state)
{
    (void)state;
    uint64_t ms, seq;
    assert_int_equal(crm_stream_id_parse("1700000000000-3", 15, &ms, &seq), 0);
    assert_true(ms == 1700000000000ULL && seq == 3);
    assert_int_equal(crm_stream_id_parse("0-0", 3, &ms, &seq), 0);
    assert_int_equal(crm_stream_id_parse("17", 2, &ms, &seq), CRM_ENTRY_EID);
    assert_int_equal(crm_stream_id_parse("-1", 2, &ms, &seq), CRM_ENTRY_EID);
    assert_int_equal(crm_stream_id_parse("1-", 2, &ms, &seq), CRM_ENTRY_EID);
    assert_int_equal(crm_stream_id_parse("1-2-3", 5, &ms, &seq), CRM_ENTRY_EID);
    assert_int_equal(crm_stream_id_parse("01-2", 4, &ms, &seq), CRM_ENTRY_EID);
    /* ms must fit a bigint */
    assert_int_equal(crm_stream_id_parse("9223372036854775808-0", 21, &ms, &seq), CRM_ENTRY_EID);
    assert_int_equal(crm_stream_id_parse("9223372036854775807-0", 21, &ms, &seq), 0);
}

static void key_limits(void **state)
{
    (void)state;
    char key[CRM_ENTRY_KEY_MAX + 1];
    memset(key, 'k', sizeof key);
    struct crm_stream_entry e = {1, 2, key, CRM_ENTRY_KEY_MAX, "b", 1, {0}, 0};
    assert_int_equal(crm_stream_entry_validate(&e), 0);
    e.key_len = CRM_ENTRY_KEY_MAX + 1;
    assert_int_equal(crm_stream_entry_validate(&e), CRM_ENTRY_EKEY);
    e.key_len = 0;
    assert_int_equal(crm_stream_entry_validate(&e), CRM_ENTRY_EKEY);
    e.key = "a\0b", e.key_len = 3;
    assert_int_equal(crm_stream_entry_validate(&e), CRM_ENTRY_EKEY);
    e.key = "\xff", e.key_len = 1;
    assert_int_equal(crm_stream_entry_validate(&e), CRM_ENTRY_EKEY);
}

static void body_limits_count_characters(void **state)
{
    (void)state;
    /* 4000 three-byte characters (U+20AC) are fine, 4001 are not. */
    size_t n = CRM_ENTRY_BODY_MAX_CHARS + 1;
    char *body = malloc(3 * n);
    assert_non_null(body);
    for (size_t i = 0; i < n; i++)
        memcpy(body + 3 * i, "\xe2\x82\xac", 3);
    struct crm_stream_entry e = {1, 2, "k", 1, body, 3 * CRM_ENTRY_BODY_MAX_CHARS, {0}, 0};
    assert_int_equal(crm_stream_entry_validate(&e), 0);
    e.body_len = 3 * n;
    assert_int_equal(crm_stream_entry_validate(&e), CRM_ENTRY_EBODY);
    body[5] = '\xff'; /* invalid UTF-8 inside */
    e.body_len = 3 * CRM_ENTRY_BODY_MAX_CHARS;
    assert_int_equal(crm_stream_entry_validate(&e), CRM_ENTRY_EBODY);
    memset(body, 'a', 3 * n);
    e.body_len = CRM_ENTRY_BODY_MAX_CHARS;
    assert_int_equal(crm_stream_entry_validate(&e), 0);
    e.body_len = CRM_ENTRY_BODY_MAX_CHARS + 1;
    assert_int_equal(crm_stream_entry_validate(&e), CRM_ENTRY_EBODY);
    e.body_len = 0;
    assert_int_equal(crm_stream_entry_validate(&e), CRM_ENTRY_EBODY);
    free(body);

    struct crm_entry_argv a;
    struct crm_stream_entry nul = {1, 2, "k", 1, "a\0b", 3, {0}, 0};
    assert_int_equal(crm_stream_entry_encode(&a, &nul), CRM_ENTRY_EBODY);
    struct crm_stream_entry room0 = {0, 2, "k", 1, "b", 1, {0}, 0};
    assert_int_equal(crm_stream_entry_encode(&a, &room0), CRM_ENTRY_EROOM);
    struct crm_stream_entry sender0 = {1, -5, "k", 1, "b", 1, {0}, 0};
    assert_int_equal(crm_stream_entry_encode(&a, &sender0), CRM_ENTRY_ESENDER);
}

/* The sender's fields ride along when given, all four or none; old entries
 * (without them) still parse. */
static void sender_fields_round_trip_all_or_none(void **state)
{
    (void)state;
    struct crm_stream_entry in = {
        5, 9, "k", 1, "b", 1, {"n@x.test", "Nora \"N\"", "STAFF", "2026-01-02T03:04:05.006Z", 8, 8, 5, 24},
        0};
    struct crm_entry_argv a;
    assert_int_equal(crm_stream_entry_encode(&a, &in), 0);
    assert_int_equal(a.argc, 18);
    struct fake f;
    fake_set(&f, (size_t)a.argc, (const char *const *)a.argv, a.argvlen);
    struct crm_stream_entry out;
    assert_int_equal(crm_stream_entry_parse(&f.top, &out), 0);
    assert_int_equal(out.who.name_len, 8);
    assert_memory_equal(out.who.name, "Nora \"N\"", 8);
    assert_memory_equal(out.who.role, "STAFF", 5);
    assert_memory_equal(out.who.email, "n@x.test", 8);
    assert_memory_equal(out.who.created, "2026-01-02T03:04:05.006Z", 24);

    const char *partial[] = {"v", "1", "room", "3", "sender", "4", "key", "k", "body", "b", "sname", "Nora"};
    assert_int_equal(parse_strs(12, partial, &out), CRM_ENTRY_ESENDERINFO);
    const char *old[] = {"v", "1", "room", "3", "sender", "4", "key", "k", "body", "b"};
    assert_int_equal(parse_strs(10, old, &out), 0);
    assert_null(out.who.name);
    in.who.role_len = 0;
    assert_int_equal(crm_stream_entry_encode(&a, &in), CRM_ENTRY_ESENDERINFO);
}

/* A staff-only note carries internal "1"; a message carries nothing, and any
 * other value is refused rather than read as either. */
static void internal_flag_round_trips_and_is_strict(void **state)
{
    (void)state;
    struct crm_stream_entry in = {5, 9, "k", 1, "b", 1, {0}, 1}, out;
    struct crm_entry_argv a;
    assert_int_equal(crm_stream_entry_encode(&a, &in), 0);
    assert_int_equal(a.argc, 12);
    struct fake f;
    fake_set(&f, (size_t)a.argc, (const char *const *)a.argv, a.argvlen);
    assert_int_equal(crm_stream_entry_parse(&f.top, &out), 0);
    assert_int_equal(out.internal, 1);
    in.internal = 0;
    assert_int_equal(crm_stream_entry_encode(&a, &in), 0);
    assert_int_equal(a.argc, 10);
    const char *zero[] = {"v", "1", "room", "3", "sender", "4", "key", "k", "body", "b", "internal", "0"};
    assert_int_equal(parse_strs(12, zero, &out), CRM_ENTRY_EINTERNAL);
    const char *twice[] = {"v", "1",    "room", "3",        "sender", "4",        "key",
                           "k", "body", "b",    "internal", "1",      "internal", "1"};
    assert_int_equal(parse_strs(14, twice, &out), CRM_ENTRY_EFORMAT);
    const char *plain[] = {"v", "1", "room", "3", "sender", "4", "key", "k", "body", "b"};
    assert_int_equal(parse_strs(10, plain, &out), 0);
    assert_int_equal(out.internal, 0);
}

static void parse_from_skips_wrapper_fields(void **state)
{
    (void)state;
    const char *s[] = {"src", "crm:msg:0", "pos", "5-1", "v", "1",    "room",
                       "3",   "sender",    "4",   "key", "k", "body", "b"};
    struct fake f;
    struct crm_stream_entry e;
    fake_set(&f, 14, s, NULL);
    assert_int_equal(crm_stream_entry_parse_from(&f.top, 4, &e), 0);
    assert_int_equal(e.room_id, 3);
    assert_int_equal(crm_stream_entry_parse(&f.top, &e), CRM_ENTRY_EFORMAT);
    assert_int_equal(crm_stream_entry_parse_from(&f.top, 15, &e), CRM_ENTRY_EFORMAT);
    /* a non-string value */
    f.el[5].type = REDIS_REPLY_INTEGER;
    assert_int_equal(crm_stream_entry_parse_from(&f.top, 4, &e), CRM_ENTRY_EFORMAT);
    assert_string_equal(crm_stream_entry_strerror(CRM_ENTRY_EBODY),
                        "malformed entry: body is empty, longer than 4000 characters or not UTF-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_then_parse_round_trips),
        cmocka_unit_test(sender_fields_round_trip_all_or_none),
        cmocka_unit_test(field_order_does_not_matter_but_extras_do),
        cmocka_unit_test(missing_fields_name_the_field),
        cmocka_unit_test(ids_are_strict_decimals),
        cmocka_unit_test(stream_ids_parse),
        cmocka_unit_test(key_limits),
        cmocka_unit_test(body_limits_count_characters),
        cmocka_unit_test(parse_from_skips_wrapper_fields),
        cmocka_unit_test(internal_flag_round_trips_and_is_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
