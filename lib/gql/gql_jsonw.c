/* JSON output that matches json-c's own printer (json_escape_str and the
 * int/boolean serializers of json-c 0.16); tests/unit/test_gql_exec.c
 * compares the two over every byte value. */
#include "gql/gql_jsonw.h"

#include <string.h>


/* 1 for bytes json-c escapes: controls, '"' and '\\' ('/' is not escaped
 * under JSON_C_TO_STRING_NOSLASHESCAPE). */
static const unsigned char gql_jsonw_esc[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

void gql_jsonw_string(gql_sbuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	gql_jsonw_byte(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!gql_jsonw_esc[c])
			continue;
		gql_jsonw_raw(b, s + run, i - run);
		run = i + 1;
		char e[6] = {'\\', 0, 0, 0, 0, 0};
		size_t n = 2;
		switch (c) {
		case '\b': e[1] = 'b'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		case '\f': e[1] = 'f'; break;
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
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
	const char *s = json_object_to_json_string_length(
		v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (s == NULL)
		b->oom = 1;
	else
		gql_jsonw_raw(b, s, n);
}

int gql_json_member(json_object *obj, const char *name, struct lh_entry **cursor,
		    json_object **v)
{
	if (json_object_object_length(obj) > 16)
		return json_object_object_get_ex(obj, name, v);
	struct lh_entry *head = lh_table_head(json_object_get_object(obj));
	struct lh_entry *start = *cursor != NULL ? *cursor : head;
	for (int pass = 0; pass < 2; pass++) {
		struct lh_entry *from = pass == 0 ? start : head, *to = pass == 0 ? NULL : start;
		for (struct lh_entry *e = from; e != to; e = lh_entry_next(e))
			if (strcmp((const char *)lh_entry_k(e), name) == 0) {
				*v = (json_object *)lh_entry_v(e);
				*cursor = lh_entry_next(e);
				return 1;
			}
	}
	return 0;
}
