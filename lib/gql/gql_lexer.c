/* GraphQL lexer over UTF-8. Error texts and positions follow graphql-js 16
 * so that a client sees the same message whichever server it talks to. */
#include "config.h"

#include "gql/gql_lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Byte at p, or -1 past the end (like charCodeAt giving NaN). */
static int gql_at(const gql_lexer *lx, size_t p)
{
    return p < lx->len ? (unsigned char)lx->src[p] : -1;
}

static int gql_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int gql_is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int gql_is_name_continue(int c)
{
    return gql_is_name_start(c) || gql_is_digit(c);
}

static int gql_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes the (already validated) UTF-8 sequence at p; *n gets its length. */
static uint32_t gql_decode(const char *s, size_t len, size_t p, size_t *n)
{
    const unsigned char *u = (const unsigned char *)s + p;
    if (u[0] < 0x80 || p + 1 >= len) {
        *n = 1;
        return u[0];
    }
    if (u[0] < 0xE0) {
        *n = 2;
        return ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
    }
    if (u[0] < 0xF0) {
        *n = 3;
        return ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    }
    *n = 4;
    return ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3F) << 12) |
           ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
}

static size_t gql_encode(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* UTF-16 code units in src[a..b): one per lead byte, two for 4-byte forms. */
static uint32_t gql_utf16_units(const char *src, size_t a, size_t b)
{
    uint32_t n = 0;
    for (size_t i = a; i < b; i++) {
        unsigned char c = (unsigned char)src[i];
        if ((c & 0xC0) != 0x80)
            n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

gql_loc gql_source_locate(const char *src, size_t len, size_t pos)
{
    uint32_t line = 1;
    size_t line_start = 0;
    if (pos > len)
        pos = len;
    for (size_t i = 0; i < pos; i++) {
        if (src[i] == '\n') {
            line++;
            line_start = i + 1;
        } else if (src[i] == '\r') {
            if (i + 1 < len && src[i + 1] == '\n') {
                if (i + 1 == pos)
                    break; /* pos inside \r\n: still on this line */
                i++;
            }
            line++;
            line_start = i + 1;
        }
    }
    gql_loc loc = {line, 1 + gql_utf16_units(src, line_start, pos)};
    return loc;
}

int gql_lexer_error(gql_lexer *lx, size_t pos, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    gql_loc loc = gql_source_locate(lx->src, lx->len, pos);
    if (gql_error_list_add(lx->errors, NULL, 0, &loc, 1, "Syntax Error: %s", msg) != 0)
        return GQL_ENOMEM;
    return GQL_ESYNTAX;
}

/* How graphql-js prints the character at p: "<EOF>", "x", '"' or U+XXXX. */
static const char *gql_print_char(const gql_lexer *lx, size_t p, char buf[16])
{
    if (p >= lx->len)
        return "<EOF>";
    size_t n;
    uint32_t cp = gql_decode(lx->src, lx->len, p, &n);
    if (cp == '"')
        return "'\"'";
    if (cp >= 0x20 && cp <= 0x7E)
        snprintf(buf, 16, "\"%c\"", (char)cp);
    else
        snprintf(buf, 16, "U+%04X", (unsigned)cp);
    return buf;
}

/* Bytes making up the first `units` UTF-16 units from p (for messages that
 * quote a slice of the source as graphql-js does). */
static int gql_slice_len(const gql_lexer *lx, size_t p, size_t units)
{
    size_t q = p;
    while (q < lx->len && units > 0) {
        size_t n;
        uint32_t cp = gql_decode(lx->src, lx->len, q, &n);
        units -= (cp >= 0x10000 && units >= 2) ? 2 : 1;
        q += n;
    }
    return (int)(q - p);
}

/* Checks that src is UTF-8 without overlong forms or surrogates. */
static int gql_check_utf8(gql_lexer *lx)
{
    const unsigned char *s = (const unsigned char *)lx->src;
    size_t i = 0, len = lx->len;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t min, cp;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1, min = 0x80, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2, min = 0x800, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3, min = 0x10000, cp = c & 0x07;
        } else {
            goto bad;
        }
        if (len - i <= need)
            goto bad;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            goto bad;
        i += need + 1;
    }
    return GQL_OK;
bad:
    return gql_lexer_error(lx, i, "Invalid character: invalid UTF-8 byte 0x%02X.", s[i]);
}

int gql_lexer_init(gql_lexer *lx, const char *src, size_t len, gql_arena *arena, gql_error_list *errors)
{
    memset(lx, 0, sizeof(*lx));
    lx->src = src;
    lx->len = len;
    lx->line = 1;
    lx->col = 1;
    lx->arena = arena;
    lx->errors = errors;
    return gql_check_utf8(lx);
}

const char *gql_token_kind_desc(gql_token_kind kind)
{
    static const char *const desc[] = {
        [GQL_TOKEN_SOF] = "<SOF>",
        [GQL_TOKEN_EOF] = "<EOF>",
        [GQL_TOKEN_BANG] = "\"!\"",
        [GQL_TOKEN_DOLLAR] = "\"$\"",
        [GQL_TOKEN_AMP] = "\"&\"",
        [GQL_TOKEN_PAREN_L] = "\"(\"",
        [GQL_TOKEN_PAREN_R] = "\")\"",
        [GQL_TOKEN_SPREAD] = "\"...\"",
        [GQL_TOKEN_COLON] = "\":\"",
        [GQL_TOKEN_EQUALS] = "\"=\"",
        [GQL_TOKEN_AT] = "\"@\"",
        [GQL_TOKEN_BRACKET_L] = "\"[\"",
        [GQL_TOKEN_BRACKET_R] = "\"]\"",
        [GQL_TOKEN_BRACE_L] = "\"{\"",
        [GQL_TOKEN_PIPE] = "\"|\"",
        [GQL_TOKEN_BRACE_R] = "\"}\"",
        [GQL_TOKEN_NAME] = "Name",
        [GQL_TOKEN_INT] = "Int",
        [GQL_TOKEN_FLOAT] = "Float",
        [GQL_TOKEN_STRING] = "String",
        [GQL_TOKEN_BLOCK_STRING] = "BlockString",
    };
    if ((unsigned)kind >= sizeof(desc) / sizeof(desc[0]))
        return "<unknown>";
    return desc[kind];
}

static void gql_newline(gql_lexer *lx, size_t next_line_start)
{
    lx->line++;
    lx->line_start = next_line_start;
}

/* Fills tok's kind, span and location; the column cache keeps this linear on
 * long lines. */
static void gql_make(gql_lexer *lx, gql_token *tok, gql_token_kind kind, size_t start, size_t end)
{
    if (lx->col_pos < lx->line_start || lx->col_pos > start) {
        lx->col_pos = lx->line_start;
        lx->col = 1;
    }
    lx->col += gql_utf16_units(lx->src, lx->col_pos, start);
    lx->col_pos = start;
    tok->kind = kind;
    tok->start = start;
    tok->end = end;
    tok->loc.line = lx->line;
    tok->loc.column = lx->col;
    tok->value = NULL;
    tok->len = 0;
    lx->pos = end;
}

static int gql_read_digits(gql_lexer *lx, size_t *p)
{
    char buf[16];
    if (!gql_is_digit(gql_at(lx, *p)))
        return gql_lexer_error(lx, *p, "Invalid number, expected digit but got: %s.",
                               gql_print_char(lx, *p, buf));
    while (gql_is_digit(gql_at(lx, *p)))
        (*p)++;
    return GQL_OK;
}

static int gql_read_number(gql_lexer *lx, size_t start, gql_token *tok)
{
    char buf[16];
    size_t p = start;
    int is_float = 0, rc;
    int c = gql_at(lx, p);
    if (c == '-')
        c = gql_at(lx, ++p);
    if (c == '0') {
        c = gql_at(lx, ++p);
        if (gql_is_digit(c))
            return gql_lexer_error(lx, p, "Invalid number, unexpected digit after 0: %s.",
                                   gql_print_char(lx, p, buf));
    } else {
        if ((rc = gql_read_digits(lx, &p)) != 0)
            return rc;
        c = gql_at(lx, p);
    }
    if (c == '.') {
        is_float = 1;
        p++;
        if ((rc = gql_read_digits(lx, &p)) != 0)
            return rc;
        c = gql_at(lx, p);
    }
    if (c == 'e' || c == 'E') {
        is_float = 1;
        c = gql_at(lx, ++p);
        if (c == '+' || c == '-')
            ++p;
        if ((rc = gql_read_digits(lx, &p)) != 0)
            return rc;
        c = gql_at(lx, p);
    }
    if (c == '.' || gql_is_name_start(c))
        return gql_lexer_error(lx, p, "Invalid number, expected digit but got: %s.",
                               gql_print_char(lx, p, buf));
    gql_make(lx, tok, is_float ? GQL_TOKEN_FLOAT : GQL_TOKEN_INT, start, p);
    tok->value = lx->src + start;
    tok->len = p - start;
    return GQL_OK;
}

/* Four hex digits at p as graphql-js reads them: negative if any is bad. */
static long gql_read_hex4(const gql_lexer *lx, size_t p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = gql_hex(gql_at(lx, p + (size_t)i));
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

static int gql_is_scalar_value(long cp)
{
    return (cp >= 0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0x10FFFF);
}

static int gql_bad_unicode_escape(gql_lexer *lx, size_t p, size_t units)
{
    return gql_lexer_error(lx, p, "Invalid Unicode escape sequence: \"%.*s\".", gql_slice_len(lx, p, units),
                           lx->src + p);
}

static int gql_nul_in_string(gql_lexer *lx, size_t p)
{
    return gql_lexer_error(lx, p, "Invalid character within String: U+0000.");
}

/* Decodes the escape at p (a backslash): *cp and *size (bytes) on success. */
static int gql_read_escape(gql_lexer *lx, size_t p, uint32_t *cp, size_t *size)
{
    int c = gql_at(lx, p + 1);
    if (c == 'u' && gql_at(lx, p + 2) == '{') {
        /* \u{...}: at most 12 characters in all, like graphql-js. */
        int32_t point = 0;
        size_t n = 3;
        while (n < 12) {
            int d = gql_at(lx, p + n++);
            if (d == '}') {
                if (n < 5 || !gql_is_scalar_value(point))
                    break;
                if (point == 0)
                    return gql_nul_in_string(lx, p);
                *cp = (uint32_t)point;
                *size = n;
                return GQL_OK;
            }
            int h = gql_hex(d);
            if (h < 0)
                break;
            point = (int32_t)(((uint32_t)point << 4) | (uint32_t)h);
            if (point < 0)
                break;
        }
        return gql_bad_unicode_escape(lx, p, n);
    }
    if (c == 'u') {
        long v = gql_read_hex4(lx, p + 2);
        if (gql_is_scalar_value(v)) {
            if (v == 0)
                return gql_nul_in_string(lx, p);
            *cp = (uint32_t)v;
            *size = 6;
            return GQL_OK;
        }
        /* A JSON-style surrogate pair is allowed, a lone half is not. */
        if (v >= 0xD800 && v <= 0xDBFF && gql_at(lx, p + 6) == '\\' && gql_at(lx, p + 7) == 'u') {
            long t = gql_read_hex4(lx, p + 8);
            if (t >= 0xDC00 && t <= 0xDFFF) {
                *cp = 0x10000 + (uint32_t)((v - 0xD800) << 10) + (uint32_t)(t - 0xDC00);
                *size = 12;
                return GQL_OK;
            }
        }
        return gql_bad_unicode_escape(lx, p, 6);
    }
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c > 0 ? strchr(from, c) : NULL;
    if (hit == NULL || c == 0)
        return gql_lexer_error(lx, p, "Invalid character escape sequence: \"%.*s\".", gql_slice_len(lx, p, 2),
                               lx->src + p);
    *cp = (unsigned char)to[hit - from];
    *size = 2;
    return GQL_OK;
}

static int gql_read_string(gql_lexer *lx, size_t start, gql_token *tok)
{
    /* First find the extent (only \" and \\ matter), so the value buffer is
	 * sized by the string, not by the rest of the document. */
    size_t stop = start + 1;
    while (stop < lx->len) {
        char c = lx->src[stop];
        if (c == '"' || c == '\n' || c == '\r')
            break;
        if (c == '\\' && stop + 1 < lx->len && (lx->src[stop + 1] == '"' || lx->src[stop + 1] == '\\'))
            stop += 2;
        else
            stop++;
    }
    char *out = gql_arena_alloc(lx->arena, stop - start);
    if (out == NULL)
        return GQL_ENOMEM;
    size_t o = 0, p = start + 1;
    while (p < lx->len) {
        char c = lx->src[p];
        if (c == '"') {
            out[o] = '\0';
            gql_make(lx, tok, GQL_TOKEN_STRING, start, p + 1);
            tok->value = out;
            tok->len = o;
            return GQL_OK;
        }
        if (c == '\n' || c == '\r')
            break;
        if (c == '\0')
            return gql_nul_in_string(lx, p);
        if (c == '\\') {
            uint32_t cp = 0;
            size_t size = 0;
            int rc = gql_read_escape(lx, p, &cp, &size);
            if (rc != 0)
                return rc;
            o += gql_encode(out + o, cp);
            p += size;
            continue;
        }
        out[o++] = c;
        p++;
    }
    return gql_lexer_error(lx, p, "Unterminated string.");
}

/* Next line of a block string body within [*p, end): its raw span, and *p
 * moved past its terminator. Returns 0 when no line is left. */
static int gql_block_line(const char *s, size_t *p, size_t end, int *done, size_t *ls, size_t *le)
{
    if (*done)
        return 0;
    *ls = *p;
    size_t i = *p;
    while (i < end && s[i] != '\n' && s[i] != '\r')
        i++;
    *le = i;
    if (i >= end) {
        *done = 1;
    } else {
        i += (s[i] == '\r' && i + 1 < end && s[i + 1] == '\n') ? 2 : 1;
    }
    *p = i;
    return 1;
}

/* BlockStringValue: common indent removed from all lines but the first,
 * leading and trailing blank lines dropped, lines joined with \n, and \"""
 * turned into """. */
static int gql_block_value(gql_lexer *lx, size_t a, size_t b, gql_token *tok)
{
    const char *s = lx->src;
    size_t common = SIZE_MAX, first = SIZE_MAX, last = 0, i = 0, p = a, ls, le;
    int done = 0, any = 0;
    for (i = 0; gql_block_line(s, &p, b, &done, &ls, &le); i++) {
        size_t ind = 0;
        while (ls + ind < le && (s[ls + ind] == ' ' || s[ls + ind] == '\t'))
            ind++;
        if (ind == le - ls)
            continue;
        if (!any)
            first = i;
        any = 1;
        last = i;
        if (i != 0 && ind < common)
            common = ind;
    }
    char *out = gql_arena_alloc(lx->arena, b - a + 1);
    if (out == NULL)
        return GQL_ENOMEM;
    size_t o = 0;
    p = a;
    done = 0;
    for (i = 0; any && gql_block_line(s, &p, b, &done, &ls, &le) && i <= last; i++) {
        if (i < first)
            continue;
        if (i > first)
            out[o++] = '\n';
        size_t skip = 0;
        if (i != 0)
            skip = common < le - ls ? common : le - ls;
        for (size_t k = ls + skip; k < le; k++) {
            if (s[k] == '\\' && k + 3 < le && s[k + 1] == '"' && s[k + 2] == '"' && s[k + 3] == '"') {
                continue; /* drop the backslash of \""" */
            }
            out[o++] = s[k];
        }
    }
    out[o] = '\0';
    tok->value = out;
    tok->len = o;
    return GQL_OK;
}

static int gql_read_block_string(gql_lexer *lx, size_t start, gql_token *tok)
{
    uint32_t lines = 0;
    size_t last_line_start = lx->line_start;
    size_t p = start + 3;
    while (p < lx->len) {
        char c = lx->src[p];
        if (c == '"' && gql_at(lx, p + 1) == '"' && gql_at(lx, p + 2) == '"') {
            gql_make(lx, tok, GQL_TOKEN_BLOCK_STRING, start, p + 3);
            int rc = gql_block_value(lx, start + 3, p, tok);
            if (rc != 0)
                return rc;
            lx->line += lines;
            lx->line_start = last_line_start;
            return GQL_OK;
        }
        if (c == '\\' && gql_at(lx, p + 1) == '"' && gql_at(lx, p + 2) == '"' && gql_at(lx, p + 3) == '"') {
            p += 4;
            continue;
        }
        if (c == '\n' || c == '\r') {
            p += (c == '\r' && gql_at(lx, p + 1) == '\n') ? 2 : 1;
            lines++;
            last_line_start = p;
            continue;
        }
        if (c == '\0')
            return gql_nul_in_string(lx, p);
        p++;
    }
    return gql_lexer_error(lx, p, "Unterminated string.");
}

int gql_lexer_next(gql_lexer *lx, gql_token *tok)
{
    static const gql_token_kind punct[256] = {
        ['!'] = GQL_TOKEN_BANG,      ['$'] = GQL_TOKEN_DOLLAR,  ['&'] = GQL_TOKEN_AMP,
        ['('] = GQL_TOKEN_PAREN_L,   [')'] = GQL_TOKEN_PAREN_R, [':'] = GQL_TOKEN_COLON,
        ['='] = GQL_TOKEN_EQUALS,    ['@'] = GQL_TOKEN_AT,      ['['] = GQL_TOKEN_BRACKET_L,
        [']'] = GQL_TOKEN_BRACKET_R, ['{'] = GQL_TOKEN_BRACE_L, ['|'] = GQL_TOKEN_PIPE,
        ['}'] = GQL_TOKEN_BRACE_R,
    };
    size_t p = lx->pos;
    while (p < lx->len) {
        int c = (unsigned char)lx->src[p];
        switch (c) {
        case ' ':
        case '\t':
        case ',':
            p++;
            continue;
        case '\n':
            gql_newline(lx, ++p);
            continue;
        case '\r':
            p += gql_at(lx, p + 1) == '\n' ? 2 : 1;
            gql_newline(lx, p);
            continue;
        case '#':
            while (p < lx->len && lx->src[p] != '\n' && lx->src[p] != '\r')
                p++;
            continue;
        case 0xEF: /* U+FEFF byte order mark, ignored anywhere */
            if (gql_at(lx, p + 1) == 0xBB && gql_at(lx, p + 2) == 0xBF) {
                p += 3;
                continue;
            }
            break;
        case '.':
            if (gql_at(lx, p + 1) == '.' && gql_at(lx, p + 2) == '.') {
                gql_make(lx, tok, GQL_TOKEN_SPREAD, p, p + 3);
                return GQL_OK;
            }
            break;
        case '"':
            if (gql_at(lx, p + 1) == '"' && gql_at(lx, p + 2) == '"')
                return gql_read_block_string(lx, p, tok);
            return gql_read_string(lx, p, tok);
        default:
            if (punct[c] != 0) {
                gql_make(lx, tok, punct[c], p, p + 1);
                return GQL_OK;
            }
            break;
        }
        if (gql_is_digit(c) || c == '-')
            return gql_read_number(lx, p, tok);
        if (gql_is_name_start(c)) {
            size_t q = p + 1;
            while (q < lx->len && gql_is_name_continue((unsigned char)lx->src[q]))
                q++;
            gql_make(lx, tok, GQL_TOKEN_NAME, p, q);
            tok->value = lx->src + p;
            tok->len = q - p;
            return GQL_OK;
        }
        if (c == '\'')
            return gql_lexer_error(lx, p,
                                   "Unexpected single quote character ('), did you "
                                   "mean to use a double quote (\")?");
        char buf[16];
        return gql_lexer_error(lx, p, "Unexpected character: %s.", gql_print_char(lx, p, buf));
    }
    gql_make(lx, tok, GQL_TOKEN_EOF, lx->len, lx->len);
    return GQL_OK;
}
