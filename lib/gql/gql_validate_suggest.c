/* gql_validate_suggest: the "Did you mean ...?" hints of graphql-js
 * (gql_suggest.h), used by validation and by coercion: suggestionList
 * (Damerau-Levenshtein distance on lower-cased names, a threshold of 40% of
 * the input, ties in natural order) and didYouMean (at most five, quoted,
 * "a, b, or c"). GraphQL names are ASCII, so bytes are UTF-16 units here;
 * values printed into a hint (enum misspellings) may not be, and are then
 * compared byte by byte, which only changes how far apart non-ASCII text is
 * from an enum name (never closer than the threshold). */
#include "config.h"

#include "gql/gql_suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gql/gql_validate_private.h"

static int gql_is_digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

int gql_natural_compare(const char *a, const char *b)
{
    size_t ai = 0, bi = 0, al = strlen(a), bl = strlen(b);
    while (ai < al && bi < bl) {
        int ac = (unsigned char)a[ai], bc = (unsigned char)b[bi];
        if (gql_is_digit(ac) && gql_is_digit(bc)) {
            /* Like graphql-js: a number ends at a non-digit, or after a
			 * leading 0 (so "01" reads as 0 then 1). Saturate huge ones. */
            double an = 0, bn = 0;
            do {
                ++ai;
                an = an * 10 + (ac - '0');
                ac = ai < al ? (unsigned char)a[ai] : 0;
            } while (gql_is_digit(ac) && an > 0);
            do {
                ++bi;
                bn = bn * 10 + (bc - '0');
                bc = bi < bl ? (unsigned char)b[bi] : 0;
            } while (gql_is_digit(bc) && bn > 0);
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

/* Distance between lower-cased input and option (optimal string
 * alignment), -1 when above threshold, -2 when memory runs out. */
static long gql_distance(const char *input, const char *option, size_t threshold)
{
    if (strcmp(input, option) == 0)
        return 0;
    size_t il = strlen(input), ol = strlen(option);
    char *in = malloc(il + ol + 2);
    if (in == NULL)
        return -2;
    char *op = in + il + 1;
    for (size_t i = 0; i <= il; i++)
        in[i] = (char)tolower((unsigned char)input[i]);
    for (size_t i = 0; i <= ol; i++)
        op[i] = (char)tolower((unsigned char)option[i]);
    long result = -1;
    size_t *rows = NULL;
    if (il == ol && memcmp(in, op, il) == 0) {
        result = 1;
        goto done;
    }
    const char *a = op, *b = in;
    size_t al = ol, bl = il;
    if (al < bl) {
        a = in;
        b = op;
        al = il;
        bl = ol;
    }
    if (al - bl > threshold)
        goto done;
    rows = malloc(3 * (bl + 1) * sizeof(*rows));
    if (rows == NULL) {
        result = -2;
        goto done;
    }
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
            goto done;
    }
    size_t d = r[al % 3][bl];
    result = d <= threshold ? (long)d : -1;
done:
    free(rows);
    free(in);
    return result;
}

long gql_suggestion_list(const char *input, const char *const *options, size_t n, const char **out)
{
    size_t threshold = strlen(input) * 4 / 10 + 1;
    long *dist = malloc((n + 1) * sizeof(*dist));
    if (dist == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        long d = gql_distance(input, options[i], threshold);
        if (d == -2) {
            free(dist);
            return -1;
        }
        if (d < 0)
            continue;
        int dup = 0; /* a repeated name ranks where its first copy does */
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(out[j], options[i]) == 0;
        if (dup)
            continue;
        /* Insertion sort by (distance, natural order): lists are short. */
        size_t j = k++;
        while (j > 0 &&
               (dist[j - 1] > d || (dist[j - 1] == d && gql_natural_compare(out[j - 1], options[i]) > 0))) {
            dist[j] = dist[j - 1];
            out[j] = out[j - 1];
            j--;
        }
        dist[j] = d;
        out[j] = options[i];
    }
    free(dist);
    return (long)k;
}

char *gql_did_you_mean_text(const char *sub, const char *const *names, size_t k)
{
    if (k > GQL_MAX_SUGGESTIONS)
        k = GQL_MAX_SUGGESTIONS;
    size_t cap = 32 + (sub != NULL ? strlen(sub) : 0);
    for (size_t i = 0; i < k; i++)
        cap += strlen(names[i]) + 8;
    char *s = malloc(cap);
    if (s == NULL)
        return NULL;
    size_t len = 0;
    s[0] = '\0';
    if (k == 0)
        return s;
    len += (size_t)snprintf(s + len, cap - len, " Did you mean %s%s", sub != NULL ? sub : "",
                            sub != NULL ? " " : "");
    for (size_t i = 0; i < k; i++) {
        const char *sep = i == 0 ? "" : k == 2 ? " or " : i == k - 1 ? ", or " : ", ";
        len += (size_t)snprintf(s + len, cap - len, "%s\"%s\"", sep, names[i]);
    }
    snprintf(s + len, cap - len, "?");
    return s;
}

/* ---- validation's arena-backed wrappers ---- */

void gql_v_suggest(gql_vctx *c, const char *input, const char *const *options, size_t n, gql_vvec *out)
{
    const char **names = gql_valloc(c, (n + 1) * sizeof(*names));
    long k = gql_suggestion_list(input, options, n, names);
    if (k < 0)
        gql_v_nomem(c);
    for (long i = 0; i < k; i++)
        gql_vvec_push(c, out, names[i]);
}

const char *gql_v_did_you_mean(gql_vctx *c, const char *sub, const gql_vvec *names)
{
    if (names->n == 0)
        return "";
    char *text = gql_did_you_mean_text(sub, (const char *const *)names->items, names->n);
    char *copy = text != NULL ? gql_arena_strndup(c->arena, text, strlen(text)) : NULL;
    free(text);
    if (copy == NULL)
        gql_v_nomem(c);
    return copy;
}
