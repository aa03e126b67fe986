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

/* Appends s[0..len) as a JSON string, quotes included. */
void gql_jsonw_string(gql_sbuf *b, const char *s, size_t len);

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
int gql_json_member(json_object *obj, const char *name, struct lh_entry **cursor,
		    json_object **v);

/* Removes every member of the JSON object obj, keeping its table for
 * reuse (cheaper than a new object). */
void gql_json_clear(json_object *obj);

/* The same over the object's table (json_object_get_object), for callers
 * that look up several members of one object. */
int gql_json_table_member(struct lh_table *t, const char *name, struct lh_entry **cursor,
			  json_object **v);

/* Cuts the text back to len bytes (len <= b->len). */
static inline void gql_jsonw_truncate(gql_sbuf *b, size_t len)
{
	b->len = len;
	if (b->p != NULL)
		b->p[len] = '\0';
}

#endif
