/* Message formatting that follows graphql-js 16 character for character:
 * error texts are compared with graphql-js's in the differential tests. */
#include "gql/gql_jsfmt.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* graphql-js inspect(): nesting shown, items shown, suggestions shown. */
#define GQL_INSPECT_MAX_DEPTH 2
#define GQL_INSPECT_MAX_ITEMS 10
#define GQL_MAX_SUGGESTIONS 5

static int gql_sbuf_grow(gql_sbuf *b, size_t more)
{
	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1) {
		if (cap > ((size_t)-1) / 2) {
			b->oom = 1;
			return -1;
		}
		cap *= 2;
	}
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void gql_sbuf_putn(gql_sbuf *b, const char *s, size_t n)
{
	if (gql_sbuf_grow(b, n) != 0)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void gql_sbuf_puts(gql_sbuf *b, const char *s)
{
	gql_sbuf_putn(b, s, strlen(s));
}

void gql_sbuf_printf(gql_sbuf *b, const char *fmt, ...)
{
	char small[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		gql_sbuf_putn(b, small, (size_t)n);
		return;
	}
	if (gql_sbuf_grow(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *gql_sbuf_str(const gql_sbuf *b)
{
	return b->p != NULL ? b->p : "";
}

void gql_sbuf_free(gql_sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void gql_js_number(gql_sbuf *b, double d)
{
	if (isnan(d)) {
		gql_sbuf_puts(b, "NaN");
		return;
	}
	if (isinf(d)) {
		gql_sbuf_puts(b, d < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (d == 0) {
		gql_sbuf_puts(b, "0");
		return;
	}
	/* Shortest precision that reads back the same double. */
	char tmp[40];
	int p;
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp is [-]D[.DDD]e[+-]XX: split into digits and exponent. */
	char digits[24];
	size_t k = 0;
	const char *c = tmp;
	if (*c == '-') {
		gql_sbuf_putn(b, "-", 1);
		c++;
	}
	for (; *c != 'e'; c++)
		if (isdigit((unsigned char)*c))
			digits[k++] = *c;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	int n = atoi(c + 1) + 1; /* value = 0.DIGITS x 10^n */
	if ((int)k <= n && n <= 21) {
		gql_sbuf_putn(b, digits, k);
		for (int i = (int)k; i < n; i++)
			gql_sbuf_putn(b, "0", 1);
	} else if (0 < n && n <= 21) {
		gql_sbuf_putn(b, digits, (size_t)n);
		gql_sbuf_putn(b, ".", 1);
		gql_sbuf_putn(b, digits + n, k - (size_t)n);
	} else if (-6 < n && n <= 0) {
		gql_sbuf_puts(b, "0.");
		for (int i = 0; i < -n; i++)
			gql_sbuf_putn(b, "0", 1);
		gql_sbuf_putn(b, digits, k);
	} else {
		gql_sbuf_putn(b, digits, 1);
		if (k > 1) {
			gql_sbuf_putn(b, ".", 1);
			gql_sbuf_putn(b, digits + 1, k - 1);
		}
		gql_sbuf_printf(b, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
}

void gql_js_quote(gql_sbuf *b, const char *s, size_t len)
{
	gql_sbuf_putn(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];
		switch (ch) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (ch < 0x20) {
				snprintf(u, sizeof(u), "\\u%04x", ch);
				esc = u;
			}
		}
		if (esc != NULL) {
			gql_sbuf_putn(b, s + run, i - run);
			gql_sbuf_puts(b, esc);
			run = i + 1;
		}
	}
	gql_sbuf_putn(b, s + run, len - run);
	gql_sbuf_putn(b, "\"", 1);
}

static void gql_inspect_at(gql_sbuf *b, json_object *v, int depth)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		gql_sbuf_puts(b, "null");
		return;
	case json_type_boolean:
		gql_sbuf_puts(b, json_object_get_boolean(v) ? "true" : "false");
		return;
	case json_type_int:
		gql_sbuf_printf(b, "%lld", (long long)json_object_get_int64(v));
		return;
	case json_type_double:
		gql_js_number(b, json_object_get_double(v));
		return;
	case json_type_string:
		gql_js_quote(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		return;
	case json_type_array: {
		size_t n = json_object_array_length(v);
		if (n == 0) {
			gql_sbuf_puts(b, "[]");
			return;
		}
		if (depth + 1 > GQL_INSPECT_MAX_DEPTH) {
			gql_sbuf_puts(b, "[Array]");
			return;
		}
		size_t shown = n < GQL_INSPECT_MAX_ITEMS ? n : GQL_INSPECT_MAX_ITEMS;
		gql_sbuf_puts(b, "[");
		for (size_t i = 0; i < shown; i++) {
			if (i > 0)
				gql_sbuf_puts(b, ", ");
			gql_inspect_at(b, json_object_array_get_idx(v, i), depth + 1);
		}
		if (n - shown == 1)
			gql_sbuf_puts(b, ", ... 1 more item");
		else if (n > shown)
			gql_sbuf_printf(b, ", ... %zu more items", n - shown);
		gql_sbuf_puts(b, "]");
		return;
	}
	case json_type_object: {
		if (json_object_object_length(v) == 0) {
			gql_sbuf_puts(b, "{}");
			return;
		}
		if (depth + 1 > GQL_INSPECT_MAX_DEPTH) {
			gql_sbuf_puts(b, "[Object]");
			return;
		}
		int first = 1;
		gql_sbuf_puts(b, "{ ");
		json_object_object_foreach(v, key, val)
		{
			if (!first)
				gql_sbuf_puts(b, ", ");
			first = 0;
			gql_sbuf_puts(b, key);
			gql_sbuf_puts(b, ": ");
			gql_inspect_at(b, val, depth + 1);
		}
		gql_sbuf_puts(b, " }");
		return;
	}
	}
}

void gql_js_inspect(gql_sbuf *b, json_object *v)
{
	gql_inspect_at(b, v, 0);
}

void gql_print_typeref(gql_sbuf *b, const gql_typeref *t)
{
	switch (t->kind) {
	case GQL_TYPE_NAMED:
		gql_sbuf_puts(b, t->named->name);
		break;
	case GQL_TYPE_LIST:
		gql_sbuf_puts(b, "[");
		gql_print_typeref(b, t->of_type);
		gql_sbuf_puts(b, "]");
		break;
	case GQL_TYPE_NON_NULL:
		gql_print_typeref(b, t->of_type);
		gql_sbuf_puts(b, "!");
		break;
	}
}

void gql_print_type_ast(gql_sbuf *b, const gql_type_ref *t)
{
	switch (t->kind) {
	case GQL_TYPE_NAMED:
		gql_sbuf_puts(b, t->name);
		break;
	case GQL_TYPE_LIST:
		gql_sbuf_puts(b, "[");
		gql_print_type_ast(b, t->of_type);
		gql_sbuf_puts(b, "]");
		break;
	case GQL_TYPE_NON_NULL:
		gql_print_type_ast(b, t->of_type);
		gql_sbuf_puts(b, "!");
		break;
	}
}

void gql_print_string(gql_sbuf *b, const char *s)
{
	gql_sbuf_putn(b, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0, i = 0;
	for (; p[i] != '\0'; i++) {
		char u[8];
		const char *esc = NULL;
		size_t skip = 1;
		switch (p[i]) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\f': esc = "\\f"; break;
		case '\r': esc = "\\r"; break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f) {
				snprintf(u, sizeof(u), "\\u%04X", p[i]);
				esc = u;
			} else if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
				snprintf(u, sizeof(u), "\\u%04X", p[i + 1]);
				esc = u;
				skip = 2;
			}
		}
		if (esc != NULL) {
			gql_sbuf_putn(b, s + run, i - run);
			gql_sbuf_puts(b, esc);
			i += skip - 1;
			run = i + 1;
		}
	}
	gql_sbuf_putn(b, s + run, i - run);
	gql_sbuf_putn(b, "\"", 1);
}

void gql_print_value(gql_sbuf *b, const gql_value *v)
{
	switch (v->kind) {
	case GQL_VALUE_VARIABLE:
		gql_sbuf_puts(b, "$");
		gql_sbuf_puts(b, v->str);
		break;
	case GQL_VALUE_INT:
	case GQL_VALUE_FLOAT:
	case GQL_VALUE_ENUM:
		gql_sbuf_puts(b, v->str);
		break;
	case GQL_VALUE_STRING:
		gql_print_string(b, v->str);
		break;
	case GQL_VALUE_BOOLEAN:
		gql_sbuf_puts(b, v->boolean ? "true" : "false");
		break;
	case GQL_VALUE_NULL:
		gql_sbuf_puts(b, "null");
		break;
	case GQL_VALUE_LIST:
		gql_sbuf_puts(b, "[");
		for (const gql_value *i = v->items; i != NULL; i = i->next) {
			gql_print_value(b, i);
			if (i->next != NULL)
				gql_sbuf_puts(b, ", ");
		}
		gql_sbuf_puts(b, "]");
		break;
	case GQL_VALUE_OBJECT:
		gql_sbuf_puts(b, "{");
		for (const gql_object_field *f = v->fields; f != NULL; f = f->next) {
			gql_sbuf_puts(b, f->name);
			gql_sbuf_puts(b, ": ");
			gql_print_value(b, f->value);
			if (f->next != NULL)
				gql_sbuf_puts(b, ", ");
		}
		gql_sbuf_puts(b, "}");
		break;
	}
}

/* graphql-js naturalCompare: digit runs compare as numbers. */
static int gql_natural_cmp(const char *a, const char *b)
{
	size_t ai = 0, bi = 0, al = strlen(a), bl = strlen(b);
	while (ai < al && bi < bl) {
		unsigned char ac = (unsigned char)a[ai], bc = (unsigned char)b[bi];
		if (isdigit(ac) && isdigit(bc)) {
			double an = 0, bn = 0;
			do {
				++ai;
				an = an * 10 + (ac - '0');
				ac = (unsigned char)a[ai];
			} while (isdigit(ac) && an > 0);
			do {
				++bi;
				bn = bn * 10 + (bc - '0');
				bc = (unsigned char)b[bi];
			} while (isdigit(bc) && bn > 0);
			if (an != bn)
				return an < bn ? -1 : 1;
		} else {
			if (ac != bc)
				return ac < bc ? -1 : 1;
			++ai;
			++bi;
		}
	}
	return (int)al - (int)bl;
}

/* Optimal-string-alignment distance, or -1 when above threshold. */
static int gql_lexical_distance(const char *input, const char *option, int threshold)
{
	if (strcmp(input, option) == 0)
		return 0;
	size_t il = strlen(input), ol = strlen(option);
	if (il == ol) {
		size_t i = 0;
		while (i < il && tolower((unsigned char)input[i]) == tolower((unsigned char)option[i]))
			i++;
		if (i == il)
			return 1;
	}
	const char *a = option, *bb = input;
	size_t alen = ol, blen = il;
	if (alen < blen) {
		a = input;
		bb = option;
		alen = il;
		blen = ol;
	}
	if ((long)(alen - blen) > threshold)
		return -1;
	int *rows = malloc(3 * (blen + 1) * sizeof(int));
	if (rows == NULL)
		return -1;
#define ROW(r) (rows + ((r) % 3) * (blen + 1))
	for (size_t j = 0; j <= blen; j++)
		ROW(0)[j] = (int)j;
	for (size_t i = 1; i <= alen; i++) {
		int *up = ROW(i - 1), *cur = ROW(i);
		int smallest = cur[0] = (int)i;
		for (size_t j = 1; j <= blen; j++) {
			int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)bb[j - 1]);
			int cost = ca == cb ? 0 : 1;
			int cell = up[j] + 1;
			if (cur[j - 1] + 1 < cell)
				cell = cur[j - 1] + 1;
			if (up[j - 1] + cost < cell)
				cell = up[j - 1] + cost;
			if (i > 1 && j > 1 && ca == tolower((unsigned char)bb[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb && ROW(i - 2)[j - 2] + 1 < cell)
				cell = ROW(i - 2)[j - 2] + 1;
			if (cell < smallest)
				smallest = cell;
			cur[j] = cell;
		}
		if (smallest > threshold) {
			free(rows);
			return -1;
		}
	}
	int d = ROW(alen)[blen];
#undef ROW
	free(rows);
	return d <= threshold ? d : -1;
}

void gql_did_you_mean(gql_sbuf *b, const char *sub, const char *input,
		      const char *const *options, size_t n)
{
	const char **sel = malloc((n + 1) * sizeof(*sel));
	int *dist = malloc((n + 1) * sizeof(*dist));
	if (sel == NULL || dist == NULL) {
		free(sel);
		free(dist);
		b->oom = 1;
		return;
	}
	int threshold = (int)(strlen(input) * 4 / 10) + 1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int d = gql_lexical_distance(input, options[i], threshold);
		if (d < 0)
			continue;
		/* Insertion sort: by distance, then natural order. */
		size_t j = k++;
		while (j > 0 && (dist[j - 1] > d ||
				 (dist[j - 1] == d && gql_natural_cmp(sel[j - 1], options[i]) > 0))) {
			sel[j] = sel[j - 1];
			dist[j] = dist[j - 1];
			j--;
		}
		sel[j] = options[i];
		dist[j] = d;
	}
	if (k > 0) {
		gql_sbuf_puts(b, " Did you mean ");
		if (sub != NULL) {
			gql_sbuf_puts(b, sub);
			gql_sbuf_puts(b, " ");
		}
		if (k > GQL_MAX_SUGGESTIONS)
			k = GQL_MAX_SUGGESTIONS;
		for (size_t i = 0; i < k; i++) {
			if (i > 0)
				gql_sbuf_puts(b, k == 2 ? " or " : (i == k - 1 ? ", or " : ", "));
			gql_sbuf_printf(b, "\"%s\"", sel[i]);
		}
		gql_sbuf_puts(b, "?");
	}
	free(sel);
	free(dist);
}

int gql_is_integral(double d)
{
	if (!isfinite(d))
		return 0;
	if (d >= 9.0e15 || d <= -9.0e15) /* beyond 2^53 every double is whole */
		return 1;
	return d == (double)(long long)d;
}

int gql_json_integer(json_object *v, double *out)
{
	if (json_object_is_type(v, json_type_int)) {
		*out = (double)json_object_get_int64(v);
		return 1;
	}
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		if (gql_is_integral(d)) {
			*out = d;
			return 1;
		}
	}
	return 0;
}
