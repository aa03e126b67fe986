/* Display names shown to staff beside each other: no character that hides,
 * reorders or fakes text around it. */
#ifndef CRM_DISPLAY_NAME_H
#define CRM_DISPLAY_NAME_H

#include <stddef.h>

#define CRM_DISPLAY_NAME_MAX 100 /* characters */

/* 1 when s (n bytes, valid UTF-8) is 1 to CRM_DISPLAY_NAME_MAX characters with at
 * least one visible character, and holds no control character (C0, DEL, C1), no
 * bidi control (LRE..RLO, LRI..PDI, LRM, RLM, ALM), no line or paragraph
 * separator, no private-use, unassigned or default-ignorable character (zero-width
 * space, word joiner, BOM, Hangul fillers...). Exceptions, because scripts and
 * emoji need them: ZWNJ and ZWJ, and variation selectors, right after a
 * non-ASCII character. */
int crm_display_name_valid(const char *s, size_t n);

#endif
