/* A room's tags from array_to_json(tags) (fcgi/tags_json.c): the direct
 * reading of plain lists and the parser's answer for everything else. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tags_json.h"

/* tags_json(in) printed back as JSON. */
static void check(const char *in, const char *want)
{
    json_object *a = tags_json(in);
    assert_non_null(a);
    assert_true(json_object_is_type(a, json_type_array));
    assert_string_equal(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN), want);
    json_object_put(a);
}

static void plain_lists(void **state)
{
    (void)state;
    check("[]", "[]");
    check("[\"vip\"]", "[\"vip\"]");
    check("[\"follow-up\",\"billing\"]", "[\"follow-up\",\"billing\"]");
    check("[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]",
          "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]");
    check("[\"\"]", "[\"\"]");
    check("[\"été\"]", "[\"été\"]"); /* bytes as they come */
}

/* Escapes, spaces, other shapes: json-c's parser, as before. */
static void others_parsed(void **state)
{
    (void)state;
    check("[\"a\\\"b\"]", "[\"a\\\"b\"]");
    check("[\"a\\\\b\",\"c\"]", "[\"a\\\\b\",\"c\"]");
    check("[\"a\", \"b\"]", "[\"a\",\"b\"]");
    check("[\"a,b\",\"c\"]", "[\"a,b\",\"c\"]");
    check("[\"a\"", "[]"); /* not JSON */
    check("", "[]");
    check("{}", "[]"); /* JSON, not an array */
    check("null", "[]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_lists),
        cmocka_unit_test(others_parsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
