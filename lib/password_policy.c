#include "config.h"

#include "password_policy.h"

#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static int cmp(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

/* The list is lower case; so is the candidate, in ASCII (the list is ASCII). */
static int is_common(const char *pw, size_t len)
{
    char low[65];
    if (len >= sizeof low)
        return 0; /* no entry is that long */
    for (size_t i = 0; i < len; i++)
        low[i] = (pw[i] >= 'A' && pw[i] <= 'Z') ? (char)(pw[i] - 'A' + 'a') : pw[i];
    low[len] = '\0';
    return bsearch(low, crm_common_passwords, crm_common_passwords_count, sizeof crm_common_passwords[0],
                   cmp) != NULL;
}

enum crm_password_policy crm_password_policy_check(const char *pw, size_t len)
{
    if (len > 4 * CRM_PASSWORD_MAX_CHARS)
        return CRM_PASSWORD_TOO_LONG;
    if (memchr(pw, '\0', len))
        return CRM_PASSWORD_NOT_TEXT;
    long chars = crm_utf8_count(pw, len);
    if (chars < 0)
        return CRM_PASSWORD_NOT_TEXT;
    if (chars < CRM_PASSWORD_MIN_CHARS)
        return CRM_PASSWORD_TOO_SHORT;
    if (chars > CRM_PASSWORD_MAX_CHARS)
        return CRM_PASSWORD_TOO_LONG;
    return is_common(pw, len) ? CRM_PASSWORD_COMMON : CRM_PASSWORD_ACCEPTED;
}

const char *crm_password_policy_message(enum crm_password_policy p)
{
    switch (p) {
    case CRM_PASSWORD_ACCEPTED:
        return "The password is accepted.";
    case CRM_PASSWORD_TOO_SHORT:
    case CRM_PASSWORD_TOO_LONG:
        return "The password must be 8 to 256 characters long.";
    case CRM_PASSWORD_COMMON:
        return "This password is among the most common ones; choose another (a few words "
               "make a good one).";
    case CRM_PASSWORD_NOT_TEXT:
    default:
        return "The password must be text.";
    }
}
