/* gql_suggest: graphql-js's "Did you mean ...?" hints, shared by validation
 * (gql_validate_*.c) and by execution-time coercion (gql_coerce.c): the
 * suggestionList ranking and the didYouMean wording. Plain malloc, no
 * other engine module, so the parse+validate fuzz target links it alone.
 * Not part of the engine's public API. */
#ifndef GQL_SUGGEST_H
#define GQL_SUGGEST_H

#include <stddef.h>

/* Most names a hint shows (graphql-js MAX_SUGGESTIONS). */
#define GQL_MAX_SUGGESTIONS 5

/* graphql-js suggestionList(input, options[0..n)): the options within an
 * edit distance of 40% of input (Damerau-Levenshtein on lower-cased text),
 * closest first, ties in natural order, each name once. Writes them to
 * out (room for n) and returns how many; -1 when memory runs out. */
long gql_suggestion_list(const char *input, const char *const *options, size_t n, const char **out);

/* graphql-js didYouMean(sub, names[0..k)): "" when k is 0, else
 * " Did you mean [sub ]"a", "b", or "c"?" (at most GQL_MAX_SUGGESTIONS
 * names). A malloc'd string (free it); NULL when memory runs out. */
char *gql_did_you_mean_text(const char *sub, const char *const *names, size_t k);

/* graphql-js naturalCompare: <0, 0, >0; digit runs compare as numbers. */
int gql_natural_compare(const char *a, const char *b);

#endif
