/* gql_lexer: the lexical grammar of GraphQL (spec October 2021, with the
 * \u{...} escapes of graphql-js 16). Works on UTF-8 bytes; the whole source
 * is checked for valid UTF-8 first. Positions are byte offsets; locations are
 * line and column as graphql-js reports them (columns in UTF-16 code units).
 * Deliberate difference from graphql-js: U+0000 is refused inside strings
 * (raw or escaped), since values are C strings. */
#ifndef GQL_LEXER_H
#define GQL_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "gql/gql_arena.h"
#include "gql/gql_error.h"

typedef enum gql_token_kind {
    GQL_TOKEN_SOF,         /* start of file, before the first token */
    GQL_TOKEN_EOF,         /* end of file */
    GQL_TOKEN_BANG,        /* ! */
    GQL_TOKEN_DOLLAR,      /* $ */
    GQL_TOKEN_AMP,         /* & */
    GQL_TOKEN_PAREN_L,     /* ( */
    GQL_TOKEN_PAREN_R,     /* ) */
    GQL_TOKEN_SPREAD,      /* ... */
    GQL_TOKEN_COLON,       /* : */
    GQL_TOKEN_EQUALS,      /* = */
    GQL_TOKEN_AT,          /* @ */
    GQL_TOKEN_BRACKET_L,   /* [ */
    GQL_TOKEN_BRACKET_R,   /* ] */
    GQL_TOKEN_BRACE_L,     /* { */
    GQL_TOKEN_PIPE,        /* | */
    GQL_TOKEN_BRACE_R,     /* } */
    GQL_TOKEN_NAME,        /* /[_A-Za-z][_0-9A-Za-z]* / */
    GQL_TOKEN_INT,         /* IntValue */
    GQL_TOKEN_FLOAT,       /* FloatValue */
    GQL_TOKEN_STRING,      /* "..." */
    GQL_TOKEN_BLOCK_STRING /* """...""" */
} gql_token_kind;

typedef struct gql_token {
    gql_token_kind kind; /* what was read */
    size_t start;        /* byte offset of the first byte */
    size_t end;          /* byte offset just past the last byte */
    gql_loc loc;         /* line:column of start */
    /* NAME, INT, FLOAT: the source text (points into the source, not
	 * NUL-terminated). STRING, BLOCK_STRING: the decoded value (escapes
	 * resolved, block string dedented), NUL-terminated, in the arena.
	 * NULL for punctuators, SOF and EOF. */
    const char *value;
    size_t len; /* bytes in value */
} gql_token;

/* Lexer state. A plain value: copying it saves a position (lookahead). */
typedef struct gql_lexer {
    const char *src;        /* the source, borrowed, must outlive the lexer */
    size_t len;             /* source length in bytes */
    size_t pos;             /* where the next scan starts */
    uint32_t line;          /* 1-based line of pos */
    size_t line_start;      /* byte offset where that line starts */
    size_t col_pos;         /* column cache: byte offset ... */
    uint32_t col;           /* ... and its column, to keep columns linear */
    gql_arena *arena;       /* receives decoded string values */
    gql_error_list *errors; /* receives the syntax error, if any */
} gql_lexer;

/* Prepares lx over src[0..len) (borrowed). Checks the whole source is valid
 * UTF-8: returns 0, or GQL_ESYNTAX with one error added to errors (or
 * GQL_ENOMEM if even that failed). */
int gql_lexer_init(gql_lexer *lx, const char *src, size_t len, gql_arena *arena, gql_error_list *errors);

/* Reads the next token into tok, skipping ignored tokens (whitespace, line
 * terminators, commas, BOM, comments). At the end it returns EOF tokens
 * forever. Returns 0, or GQL_ESYNTAX / GQL_ENOMEM with an error added. */
int gql_lexer_next(gql_lexer *lx, gql_token *tok);

/* Adds "Syntax Error: <formatted>" located at byte offset pos to lx->errors.
 * Returns GQL_ESYNTAX (GQL_ENOMEM if the error could not be stored). */
int gql_lexer_error(gql_lexer *lx, size_t pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Line and column (graphql-js style) of byte offset pos in src. O(pos). */
gql_loc gql_source_locate(const char *src, size_t len, size_t pos);

/* How graphql-js names a token kind in messages: "Name", "<EOF>", "\"{\""... */
const char *gql_token_kind_desc(gql_token_kind kind);

#endif
