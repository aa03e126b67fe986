/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF. */
#ifndef CRM_UTF8_H
#define CRM_UTF8_H

#include <stddef.h>

/* Returns the number of code points in s[0..len), or -1 when the bytes are not
 * valid UTF-8 or contain a NUL. */
long crm_utf8_count(const char *s, size_t len);

#endif
