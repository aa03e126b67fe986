/* Which new passwords are accepted (NIST SP 800-63B, 5.1.1.2): at least 8
 * characters, long passphrases welcome, no composition rules, none of the most
 * common passwords. Checked before any hash is spent. */
#ifndef CRM_PASSWORD_POLICY_H
#define CRM_PASSWORD_POLICY_H

#include <stddef.h>

#define CRM_PASSWORD_MIN_CHARS 8
#define CRM_PASSWORD_MAX_CHARS 256 /* characters; at most 1024 bytes of UTF-8 */

enum crm_password_policy {
    CRM_PASSWORD_ACCEPTED = 0,
    CRM_PASSWORD_TOO_SHORT,
    CRM_PASSWORD_TOO_LONG,
    CRM_PASSWORD_COMMON,
    CRM_PASSWORD_NOT_TEXT, /* invalid UTF-8 or a NUL */
};

/* Judges a new password of len bytes. */
enum crm_password_policy crm_password_policy_check(const char *pw, size_t len);

/* A sentence for the user about a refusal (constant). */
const char *crm_password_policy_message(enum crm_password_policy p);

/* The list of common passwords (common_passwords.c): lower case, strcmp order. */
extern const char *const crm_common_passwords[];
extern const size_t crm_common_passwords_count;

#endif
