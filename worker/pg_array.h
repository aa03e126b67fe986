/* PostgreSQL array literals ({1,2}, {"a\"b",NULL}) built in a growing buffer, so
 * that a batch of rows travels as a few parameters of one fixed statement
 * (INSERT ... SELECT FROM unnest($1::bigint[], ...)). The data never becomes SQL:
 * it is a parameter value, quoted by the array input rules. Running out of memory
 * aborts (the daemon's policy). */
#ifndef WORKER_PG_ARRAY_H
#define WORKER_PG_ARRAY_H

#include <stddef.h>
#include <stdint.h>

struct pg_array {
    char *buf;    /* owned; "{" elements... while building, NUL-terminated after finish */
    size_t len;   /* bytes used */
    size_t cap;   /* bytes allocated */
    size_t count; /* elements added */
};

/* Empties a (keeping its buffer) and starts a new literal. */
void pg_array_reset(struct pg_array *a);

void pg_array_add_int(struct pg_array *a, int64_t v);

/* Adds s[0..n) as a quoted element, escaping '"' and '\'. s holds no NUL. */
void pg_array_add_text(struct pg_array *a, const char *s, size_t n);

void pg_array_add_null(struct pg_array *a);

/* Closes the literal and returns it (owned by a, valid until the next reset). */
const char *pg_array_finish(struct pg_array *a);

/* Frees the buffer; a zeroed struct is fine. */
void pg_array_deinit(struct pg_array *a);

#endif
