/* gql_validate_suggest: the "Did you mean ...?" hints of graphql-js:
 * suggestionList (Damerau-Levenshtein distance on lower-cased names, a
 * threshold of 40% of the input, ties in natural order) and didYouMean (at
 * most five, quoted, "a, b, or c"). GraphQL names are ASCII, so bytes are
 * UTF-16 units here; values printed into a hint (enum misspellings) may not
 * be, and are then compared byte by byte, which only changes how far apart
 * non-ASCII text is from an enum name (never closer than the threshold). */
#include <ctype.h>
#include <string.h>

#include "gql/gql_validate_private.h"

#define GQL_V_MAX_SUGGESTIONS 5

static int gql_v_is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

int gql_v_natural_compare(const char *a, const char *b)
{
	size_t ai = 0, bi = 0, al = strlen(a), bl = strlen(b);
	while (ai < al && bi < bl) {
		int ac = (unsigned char)a[ai], bc = (unsigned char)b[bi];
		if (gql_v_is_digit(ac) && gql_v_is_digit(bc)) {
			/* Like graphql-js: a number ends at a non-digit, or after a
			 * leading 0 (so "01" reads as 0 then 1). Saturate huge ones. */
			double an = 0, bn = 0;
			do {
				++ai;
				an = an * 10 + (ac - '0');
				ac = ai < al ? (unsigned char)a[ai] : 0;
			} while (gql_v_is_digit(ac) && an > 0);
			do {
				++bi;
				bn = bn * 10 + (bc - '0');
				bc = bi < bl ? (unsigned char)b[bi] : 0;
			} while (gql_v_is_digit(bc) && bn > 0);
			if (an < bn)
				return -1;
			if (an > bn)
				return 1;
		} else {
			if (ac < bc)
				return -1;
			if (ac > bc)
				return 1;
			++ai;
			++bi;
		}
	}
	return al < bl ? -1 : al > bl ? 1 : 0;
}

/* Distance between lower-cased a and b (Damerau-Levenshtein, optimal string
 * alignment), or -1 when above threshold. */
static long gql_v_distance(gql_vctx *c, const char *input, const char *option, size_t threshold)
{
	if (strcmp(input, option) == 0)
		return 0;
	size_t il = strlen(input), ol = strlen(option);
	char *in = gql_valloc(c, il + 1), *op = gql_valloc(c, ol + 1);
	for (size_t i = 0; i < il; i++)
		in[i] = (char)tolower((unsigned char)input[i]);
	for (size_t i = 0; i < ol; i++)
		op[i] = (char)tolower((unsigned char)option[i]);
	if (il == ol && memcmp(in, op, il) == 0)
		return 1;
	const char *a = op, *b = in;
	size_t al = ol, bl = il;
	if (al < bl) {
		a = in;
		b = op;
		al = il;
		bl = ol;
	}
	if (al - bl > threshold)
		return -1;
	size_t *rows = gql_valloc(c, 3 * (bl + 1) * sizeof(*rows));
	size_t *r[3] = {rows, rows + bl + 1, rows + 2 * (bl + 1)};
	for (size_t j = 0; j <= bl; j++)
		r[0][j] = j;
	for (size_t i = 1; i <= al; i++) {
		size_t *up = r[(i - 1) % 3], *cur = r[i % 3];
		size_t smallest = cur[0] = i;
		for (size_t j = 1; j <= bl; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t cell = up[j] + 1;
			if (cur[j - 1] + 1 < cell)
				cell = cur[j - 1] + 1;
			if (up[j - 1] + cost < cell)
				cell = up[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
				size_t dd = r[(i - 2) % 3][j - 2] + 1;
				if (dd < cell)
					cell = dd;
			}
			if (cell < smallest)
				smallest = cell;
			cur[j] = cell;
		}
		if (smallest > threshold)
			return -1;
	}
	size_t d = r[al % 3][bl];
	return d <= threshold ? (long)d : -1;
}

void gql_v_suggest(gql_vctx *c, const char *input, const char *const *options, size_t n,
		   gql_vvec *out)
{
	size_t threshold = strlen(input) * 4 / 10 + 1;
	gql_vmap seen = {0};
	long *dist = gql_valloc(c, (n + 1) * sizeof(*dist));
	const char **names = gql_valloc(c, (n + 1) * sizeof(*names));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int created;
		gql_vmap_put(c, &seen, options[i], NULL, NULL, 0, &created);
		if (!created)
			continue;
		long d = gql_v_distance(c, input, options[i], threshold);
		if (d < 0)
			continue;
		/* Insertion sort by (distance, natural order): lists are short. */
		size_t j = k++;
		while (j > 0 && (dist[j - 1] > d ||
				 (dist[j - 1] == d && gql_v_natural_compare(names[j - 1], options[i]) > 0))) {
			dist[j] = dist[j - 1];
			names[j] = names[j - 1];
			j--;
		}
		dist[j] = d;
		names[j] = options[i];
	}
	for (size_t i = 0; i < k; i++)
		gql_vvec_push(c, out, names[i]);
}

const char *gql_v_did_you_mean(gql_vctx *c, const char *sub, const gql_vvec *names)
{
	if (names->n == 0)
		return "";
	gql_vbuf b = {0};
	gql_vbuf_puts(c, &b, " Did you mean ");
	if (sub != NULL) {
		gql_vbuf_puts(c, &b, sub);
		gql_vbuf_puts(c, &b, " ");
	}
	size_t n = names->n;
	if (n == 1) {
		gql_vbuf_printf(c, &b, "\"%s\"?", (const char *)names->items[0]);
	} else if (n == 2) {
		gql_vbuf_printf(c, &b, "\"%s\" or \"%s\"?", (const char *)names->items[0],
				(const char *)names->items[1]);
	} else {
		if (n > GQL_V_MAX_SUGGESTIONS)
			n = GQL_V_MAX_SUGGESTIONS;
		for (size_t i = 0; i + 1 < n; i++)
			gql_vbuf_printf(c, &b, "\"%s\", ", (const char *)names->items[i]);
		gql_vbuf_printf(c, &b, "or \"%s\"?", (const char *)names->items[n - 1]);
	}
	return gql_vbuf_str(c, &b);
}
