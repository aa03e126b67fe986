/* Strict JSON: what json-c lets through by default must be refused here. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "json_strict.h"

static json_object *parse(const char *s, const char **err)
{
    return crm_json_parse_strict(s, strlen(s), 0, err);
}

static void accepts_plain_json(void **state)
{
    const char *err;
    (void)state;
    json_object *o = parse("{\"query\":\"{ me { id } }\",\"variables\":{\"a\":[1,2.5,true,null]}}\n", &err);
    assert_non_null(o);
    assert_null(err);
    json_object_put(o);
    o = parse("12", &err);
    assert_non_null(o);
    assert_int_equal(json_object_get_int(o), 12);
    json_object_put(o);
    o = parse("\"caf\xc3\xa9 \\u00e9\"", &err);
    assert_non_null(o);
    json_object_put(o);
    assert_null(parse("null", &err));
    assert_null(err);
}

static void refuses_what_json_c_lets_through(void **state)
{
    const char *err;
    (void)state;
    const char *bad[] = {
        "{\"a\":1} trailing",
        "{\"a\":1}{}",
        "{'a':1}",
        "['x']",
        "{\"a\":\"\xff\xfe\"}",
        "{\"a\":\"x\\u0000y\"}",
        "[1,]",
        "{\"a\":1,}",
        "",
        "   ",
        "{a:1}",
        "[01]",
        "NaN",
        "{\"a\":\"\xc0\xaf\"}",
        "[\"\\ud800\"] x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object *o = parse(bad[i], &err);
        if (o)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(err);
    }
}

static void depth_at_and_past_the_limit(void **state)
{
    char buf[256];
    const char *err;
    (void)state;
    memset(buf, 0, sizeof buf);
    for (int i = 0; i < 4; i++)
        buf[i] = '[', buf[8 + i] = ']';
    memset(buf + 4, ' ', 4);
    json_object *o = crm_json_parse_strict(buf, strlen(buf), 4, &err);
    assert_non_null(o);
    json_object_put(o);
    assert_null(crm_json_parse_strict("[[[[[]]]]]", 10, 4, &err));
    assert_string_equal(err, "the JSON is nested too deeply");
}

static void duplicate_keys_are_refused(void **state)
{
    const char *err;
    (void)state;
    static const char *const bad[] = {
        "{\"a\":1,\"a\":2}",
        "{\"query\":\"{ me { id } }\",\"query\":\"{ x }\"}",
        "{\"a\":{\"b\":1},\"a\":{\"b\":1}}",
        "[{\"x\":1},{\"y\":[{\"k\":1,\"k\":1}]}]",
        "{\"a\":1,\"\\u0061\":2}", /* the same key, escaped */
        "{\"v\":{\"a\":\"{:}\",\"a\":0}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object *o = crm_json_parse_strict(bad[i], strlen(bad[i]), 0, &err);
        if (o)
            fail_msg("accepted: %s", bad[i]);
        assert_string_equal(err, "an object has the same key twice");
    }
    static const char *const good[] = {
        "{\"a\":1,\"b\":{\"a\":1},\"c\":[{\"a\":1},{\"a\":{}}]}",
        "{\"a:b\":\"x:y\",\"\\\"\":\"{\"}",
        "[{},{},{\"a\":[]}]",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        json_object *o = crm_json_parse_strict(good[i], strlen(good[i]), 0, &err);
        if (!o)
            fail_msg("refused: %s (%s)", good[i], err);
        json_object_put(o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_plain_json),
        cmocka_unit_test(refuses_what_json_c_lets_through),
        cmocka_unit_test(depth_at_and_past_the_limit),
        cmocka_unit_test(duplicate_keys_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
