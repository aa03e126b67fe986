#include "config.h"

#include "json_strict.h"

#include "utf8.h"

#include <math.h>
#include <string.h>

/* json-c accepts 'single-quoted' strings even in strict mode. Outside a
 * double-quoted string valid JSON never holds a quote, so one scan finds them. */
static int has_single_quote(const char *s, size_t len)
{
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '\'') {
            return 1;
        }
    }
    return 0;
}

/* A string whose length differs from its C length held a \u0000; json-c also
 * takes NaN and Infinity, which JSON has not. */
static int has_bad_value(json_object *o)
{
    switch (json_object_get_type(o)) {
    case json_type_double:
        return !isfinite(json_object_get_double(o));
    case json_type_string:
        /* json-c's own UTF-8 check lets overlong forms and surrogates through. */
        return crm_utf8_count(json_object_get_string(o), (size_t)json_object_get_string_len(o)) < 0;
    case json_type_array:
        for (size_t i = 0, n = json_object_array_length(o); i < n; i++)
            if (has_bad_value(json_object_array_get_idx(o, i)))
                return 1;
        return 0;
    case json_type_object: {
        json_object_object_foreach(o, key, val) {
            (void)key; /* json-c cuts keys at NUL; the value check is what matters */
            if (has_bad_value(val))
                return 1;
        }
        return 0;
    }
    default:
        return 0;
    }
}

json_object *crm_json_parse_strict(const char *text, size_t len, int max_depth, const char **err)
{
    *err = NULL;
    if (max_depth <= 0)
        max_depth = CRM_JSON_MAX_DEPTH;
    if (len == 0 || has_single_quote(text, len)) {
        *err = "the body is not valid JSON";
        return NULL;
    }
    struct json_tokener *tok = json_tokener_new_ex(max_depth);
    if (!tok) {
        *err = "out of memory";
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = tok->char_offset;
    if (jerr == json_tokener_continue) {
        /* A bare number completes only at a terminator: feed one. */
        o = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
        used = len;
    }
    json_tokener_free(tok);
    if (jerr != json_tokener_success) {
        json_object_put(o);
        *err = jerr == json_tokener_error_depth ? "the JSON is nested too deeply"
                                                : "the body is not valid JSON";
        return NULL;
    }
    /* Trailing white space is allowed, anything else is not. */
    while (used < len && strchr(" \t\r\n", text[used]) && text[used])
        used++;
    if (used < len) {
        json_object_put(o);
        *err = "the body is not valid JSON";
        return NULL;
    }
    if (o && has_bad_value(o)) {
        json_object_put(o);
        *err = "strings must be valid UTF-8 without NUL, numbers finite";
        return NULL;
    }
    return o;
}
