/* gql_jsonw: JSON text written straight into a gql_sbuf, byte for byte as
 * json-c 0.16 prints the same values with JSON_C_TO_STRING_PLAIN |
 * JSON_C_TO_STRING_NOSLASHESCAPE. The executor renders responses with it
 * instead of building a json-c tree. Private to the engine. */
#ifndef GQL_JSONW_H
#define GQL_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "gql/gql_jsfmt.h"

/* memcpy for the short keys and values of responses: fixed-size moves the
 * compiler inlines, instead of a library call for a dozen bytes. */
static inline void gql_jsonw_copy(char *d, const char *s, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n < 4) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        memcpy(d, s, n);
    }
}

/* Appends one byte. */
static inline void gql_jsonw_byte(gql_sbuf *b, char c)
{
    if (b->len + 2 <= b->cap) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
    } else {
        gql_sbuf_putn(b, &c, 1);
    }
}

/* Appends s[0..n) as is. */
static inline void gql_jsonw_raw(gql_sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 <= b->cap) {
        gql_jsonw_copy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
    } else {
        gql_sbuf_putn(b, s, n);
    }
}

/* 1 if one of the eight bytes of w needs escaping: below 0x20, '"' or
 * '\\'. Exact (no false positives) since each test is the classic "has a
 * byte below n" for n <= 0x80 applied to w or to w xor a repeated byte. */
static inline int gql_jsonw_word_escapes(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t ctl = (w - ones * 0x20) & ~w;
    uint64_t q = w ^ (ones * '"');
    uint64_t bs = w ^ (ones * '\\');
    q = (q - ones) & ~q;
    bs = (bs - ones) & ~bs;
    return ((ctl | q | bs) & high) != 0;
}

/* Appends s[0..len) as a JSON string, quotes included (any length). */
void gql_jsonw_string_any(gql_sbuf *b, const char *s, size_t len);

/* 1 if s[0..len), len <= 32, needs no escape: eight bytes per check, the
 * last word overlapping the one before, a short string widened to a word
 * of harmless bytes. */
static inline int gql_jsonw_short_clean(const char *s, size_t len)
{
    uint64_t w;
    if (len >= 8) {
        for (size_t i = 0; i + 8 < len; i += 8) {
            memcpy(&w, s + i, 8);
            if (gql_jsonw_word_escapes(w))
                return 0;
        }
        memcpy(&w, s + len - 8, 8);
    } else if (len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + len - 4, 4);
        w = lo | (uint64_t)hi << 32;
    } else {
        w = 0x6161616161616161ULL; /* "aaaaaaaa" */
        for (size_t i = 0; i < len; i++)
            w = (w << 8) | (unsigned char)s[i];
    }
    return !gql_jsonw_word_escapes(w);
}

/* Appends "s" for a string s[0..len) that needs no escape, when the
 * buffer has room (len + 3 bytes free); returns 0 otherwise. */
static inline int gql_jsonw_put_quoted(gql_sbuf *b, const char *s, size_t len)
{
    if (b->len + len + 3 > b->cap)
        return 0;
    char *d = b->p + b->len;
    d[0] = '"';
    gql_jsonw_copy(d + 1, s, len);
    d[len + 1] = '"';
    d[len + 2] = '\0';
    b->len += len + 2;
    return 1;
}

/* Appends s[0..len) as a JSON string, quotes included. Most response
 * values are short and need no escape: those are written here, inline;
 * the rest go to _any. */
static inline void gql_jsonw_string(gql_sbuf *b, const char *s, size_t len)
{
    if (len <= 32 && gql_jsonw_short_clean(s, len) && gql_jsonw_put_quoted(b, s, len))
        return;
    gql_jsonw_string_any(b, s, len);
}

/* Appends a 64-bit integer in decimal. */
void gql_jsonw_int(gql_sbuf *b, int64_t v);

/* Appends the JSON of v (NULL is null): strings, integers and booleans
 * directly, anything else (doubles keep the text they were parsed from,
 * objects, arrays, custom serializers) through json-c itself. */
void gql_jsonw_value(gql_sbuf *b, json_object *v);

/* obj[name] for a JSON object obj: 1 with *v (borrowed), or 0. Callers
 * mostly ask for keys in the object's own order, so the scan starts after
 * the previous match (*cursor, NULL at first; valid while obj is not
 * changed); large objects use json-c's hash instead. */
int gql_json_member(json_object *obj, const char *name, struct lh_entry **cursor, json_object **v);

/* Removes every member of the JSON object obj, keeping its table for
 * reuse (cheaper than a new object). */
void gql_json_clear(json_object *obj);

/* The entry of name in table t (scanned from *cursor as gql_json_member
 * does), or NULL. */
struct lh_entry *gql_json_table_scan(struct lh_table *t, const char *name, struct lh_entry **cursor);

/* The same, first trying the entry at the cursor inline: callers read
 * members in the object's own order, so that one usually matches. */
static inline struct lh_entry *gql_json_table_entry(struct lh_table *t, const char *name,
                                                    struct lh_entry **cursor)
{
    struct lh_entry *e = *cursor != NULL ? *cursor : lh_table_head(t);
    if (e != NULL && t->count <= 16) {
        const char *k = (const char *)lh_entry_k(e);
        if (k[0] == name[0] && strcmp(k, name) == 0) {
            *cursor = lh_entry_next(e);
            return e;
        }
    }
    return gql_json_table_scan(t, name, cursor);
}

/* The same over the object's table (json_object_get_object), for callers
 * that look up several members of one object. */
int gql_json_table_member(struct lh_table *t, const char *name, struct lh_entry **cursor, json_object **v);

/* Cuts the text back to len bytes (len <= b->len). */
static inline void gql_jsonw_truncate(gql_sbuf *b, size_t len)
{
    b->len = len;
    if (b->p != NULL)
        b->p[len] = '\0';
}

#endif
