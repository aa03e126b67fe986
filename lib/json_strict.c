#include "config.h"

#include "json_strict.h"

#include "utf8.h"

#include <math.h>
#include <stdlib.h>
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
        json_object_object_foreach(o, key, val)
        {
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

/* json-c keeps the last of duplicate keys. For a valid text, count the keys of
 * each object in the order its '{' appears (one ':' outside strings per key, in
 * the innermost open object), then the keys json-c kept, walking its tree in the
 * same order. Without duplicates the two lists are equal; a duplicate leaves its
 * object one key short (and maybe drops whole objects), so the lists differ. */
static int text_key_counts(const char *s, size_t len, int max_depth, int **counts, size_t *n)
{
    size_t objects = 0, depth = 0;
    int in_string = 0;
    for (size_t i = 0; i < len; i++) {
        if (in_string) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == '"')
                in_string = 0;
        } else if (s[i] == '"') {
            in_string = 1;
        } else if (s[i] == '{') {
            objects++;
        }
    }
    *n = objects;
    *counts = NULL;
    if (objects == 0)
        return 0;
    int *c = calloc(objects, sizeof *c);
    size_t cap = (size_t)max_depth + 1;         /* the tokener allowed no deeper text */
    size_t *stack = calloc(cap, sizeof *stack); /* object index + 1, or 0: array */
    if (!c || !stack) {
        free(c);
        free(stack);
        return -1;
    }
    size_t next = 0;
    in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (in_string) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_string = 0;
        } else if (ch == '"') {
            in_string = 1;
        } else if ((ch == '{' || ch == '[') && depth < cap) {
            stack[depth++] = ch == '{' ? ++next : 0;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        } else if (ch == ':' && depth > 0 && stack[depth - 1] > 0) {
            c[stack[depth - 1] - 1]++;
        }
    }
    free(stack);
    *counts = c;
    return 0;
}

/* Compares the tree's key counts, in pre-order, with counts[*at...]. */
static int tree_matches(json_object *o, const int *counts, size_t n, size_t *at)
{
    switch (json_object_get_type(o)) {
    case json_type_object: {
        if (*at >= n || counts[*at] != json_object_object_length(o))
            return 0;
        (*at)++;
        json_object_object_foreach(o, key, val)
        {
            (void)key;
            if (!tree_matches(val, counts, n, at))
                return 0;
        }
        return 1;
    }
    case json_type_array:
        for (size_t i = 0, len = json_object_array_length(o); i < len; i++)
            if (!tree_matches(json_object_array_get_idx(o, i), counts, n, at))
                return 0;
        return 1;
    default:
        return 1;
    }
}

/* 1: some object of the text has a key twice; 0: none; -1: out of memory. */
static int has_duplicate_key(const char *text, size_t len, int max_depth, json_object *o)
{
    int *counts;
    size_t n, at = 0;
    if (text_key_counts(text, len, max_depth, &counts, &n) < 0)
        return -1;
    int dup = !tree_matches(o, counts, n, &at) || at != n;
    free(counts);
    return dup;
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
        *err =
            jerr == json_tokener_error_depth ? "the JSON is nested too deeply" : "the body is not valid JSON";
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
    int dup = o ? has_duplicate_key(text, len, max_depth, o) : 0;
    if (dup) {
        json_object_put(o);
        *err = dup < 0 ? "out of memory" : "an object has the same key twice";
        return NULL;
    }
    return o;
}
