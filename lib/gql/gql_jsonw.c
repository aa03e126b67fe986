/* JSON output that matches json-c's own printer (json_escape_str and the
 * int/boolean serializers of json-c 0.16); tests/unit/test_gql_exec.c
 * compares the two over every byte value. */
#include "config.h"

#include "gql/gql_jsonw.h"

#include <string.h>

/* 1 for bytes json-c escapes: controls, '"' and '\\' ('/' is not escaped
 * under JSON_C_TO_STRING_NOSLASHESCAPE). */
static const unsigned char gql_jsonw_esc[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

/* Appends the escape sequence of byte c, one that gql_jsonw_esc marks. */
static void gql_jsonw_escape(gql_sbuf *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e[6] = {'\\', 0, 0, 0, 0, 0};
    size_t n = 2;
    switch (c) {
    case '\b':
        e[1] = 'b';
        break;
    case '\n':
        e[1] = 'n';
        break;
    case '\r':
        e[1] = 'r';
        break;
    case '\t':
        e[1] = 't';
        break;
    case '\f':
        e[1] = 'f';
        break;
    case '"':
        e[1] = '"';
        break;
    case '\\':
        e[1] = '\\';
        break;
    default:
        e[1] = 'u';
        e[2] = '0';
        e[3] = '0';
        e[4] = hex[c >> 4];
        e[5] = hex[c & 0xf];
        n = 6;
    }
    gql_jsonw_raw(b, e, n);
}

/* The length of the prefix of s[0..len) that needs no escape, found eight
 * bytes at a time (a short tail is padded with a harmless byte). */
static size_t gql_jsonw_clean_prefix(const char *s, size_t len)
{
    size_t i = 0;
    uint64_t w;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, s + i, 8);
        if (gql_jsonw_word_escapes(w))
            break;
    }
    if (i + 8 > len) { /* the tail: the last eight bytes, or a padded word */
        if (len >= 8) {
            memcpy(&w, s + len - 8, 8);
        } else {
            w = 0x6161616161616161ULL; /* "aaaaaaaa" */
            gql_jsonw_copy((char *)&w, s, len);
        }
        if (!gql_jsonw_word_escapes(w))
            return len;
    }
    while (!gql_jsonw_esc[(unsigned char)s[i]])
        i++;
    return i;
}

void gql_jsonw_string_any(gql_sbuf *b, const char *s, size_t len)
{
    size_t i = gql_jsonw_clean_prefix(s, len);
    if (i == len && gql_jsonw_put_quoted(b, s, len)) /* clean: one copy */
        return;
    gql_jsonw_byte(b, '"');
    size_t run = 0;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (gql_jsonw_esc[c]) {
            gql_jsonw_raw(b, s + run, i - run);
            run = i + 1;
            gql_jsonw_escape(b, c);
        }
    }
    gql_jsonw_raw(b, s + run, len - run);
    gql_jsonw_byte(b, '"');
}

void gql_jsonw_int(gql_sbuf *b, int64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        tmp[--i] = '-';
    gql_jsonw_raw(b, tmp + i, sizeof(tmp) - i);
}

void gql_jsonw_value(gql_sbuf *b, json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_null:
        gql_jsonw_raw(b, "null", 4);
        return;
    case json_type_string:
        gql_jsonw_string(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        return;
    case json_type_boolean:
        if (json_object_get_boolean(v))
            gql_jsonw_raw(b, "true", 4);
        else
            gql_jsonw_raw(b, "false", 5);
        return;
    case json_type_int: {
        int64_t i = json_object_get_int64(v);
        if (i != INT64_MAX) { /* INT64_MAX may stand for a larger uint64 */
            gql_jsonw_int(b, i);
            return;
        }
        break;
    }
    default:
        break;
    }
    size_t n = 0;
    const char *s =
        json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    if (s == NULL)
        b->oom = 1;
    else
        gql_jsonw_raw(b, s, n);
}

int gql_json_member(json_object *obj, const char *name, struct lh_entry **cursor, json_object **v)
{
    return gql_json_table_member(json_object_get_object(obj), name, cursor, v);
}

struct lh_entry *gql_json_table_scan(struct lh_table *t, const char *name, struct lh_entry **cursor)
{
    if (t->count > 16)
        return lh_table_lookup_entry(t, name);
    struct lh_entry *head = lh_table_head(t);
    struct lh_entry *start = *cursor != NULL ? *cursor : head;
    for (int pass = 0; pass < 2; pass++) {
        struct lh_entry *from = pass == 0 ? start : head, *to = pass == 0 ? NULL : start;
        for (struct lh_entry *e = from; e != to; e = lh_entry_next(e))
            if (((const char *)lh_entry_k(e))[0] == name[0] &&
                strcmp((const char *)lh_entry_k(e), name) == 0) {
                *cursor = lh_entry_next(e);
                return e;
            }
    }
    return NULL;
}

int gql_json_table_member(struct lh_table *t, const char *name, struct lh_entry **cursor, json_object **v)
{
    struct lh_entry *e = gql_json_table_entry(t, name, cursor);
    if (e == NULL)
        return 0;
    *v = (json_object *)lh_entry_v(e);
    return 1;
}

void gql_json_clear(json_object *obj)
{
    struct lh_table *t = json_object_get_object(obj);
    while (lh_table_head(t) != NULL)
        lh_table_delete_entry(t, lh_table_head(t));
}
