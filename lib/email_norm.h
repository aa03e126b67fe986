/* Email addresses in one canonical form, so that a look-alike of an address
 * (fullwidth letters, a trailing no-break space, a zero-width space, a Cyrillic
 * letter among Latin ones) is either the same address or refused, never a second
 * account beside the real one. Through libunistring (NFKC, case, scripts) and
 * libidn2 (IDNA2008 with the TR46 mapping for the domain). */
#ifndef CRM_EMAIL_NORM_H
#define CRM_EMAIL_NORM_H

#include <stddef.h>

#define CRM_EMAIL_MAX 254 /* bytes of the canonical form */

enum crm_email_result {
    CRM_EMAIL_OK = 0,
    CRM_EMAIL_INVALID = -1, /* not an address we accept */
    CRM_EMAIL_NOMEM = -2,
};

/* Canonicalises in (NUL-terminated UTF-8): Unicode NFKC, lower case; refused when
 * it holds a control, format (zero-width, bidi), space, private-use, unassigned
 * or default-ignorable character, when the local part or a domain label mixes
 * scripts (Latin with Cyrillic, Greek with Latin...; Latin with Han, Kana or
 * Hangul is allowed, as in Japanese and Korean), or when the domain is not a
 * valid IDNA2008 name with at least two labels. The domain is kept in its
 * Unicode form (an xn-- label becomes its Unicode label), so both spellings of
 * one domain are one address. On CRM_EMAIL_OK *out is a new string to free(). */
enum crm_email_result crm_email_normalize(const char *in, char **out);

/* 1 when the letters of s (n bytes of UTF-8) come from one script, or from Latin
 * and the scripts written with Han (Han, Hiragana, Katakana, Hangul, Bopomofo);
 * characters of no script (digits, punctuation, marks) are ignored. */
int crm_text_single_script(const char *s, size_t n);

#endif
