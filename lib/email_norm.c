#include "config.h"

#include "email_norm.h"

#include <idn2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#define LOCAL_MAX 64 /* bytes, RFC 5321 */

/* Scripts written together with Han: a mix of these (and Latin) is ordinary. */
static int cjk_script(const char *name)
{
    static const char *const cjk[] = {"Han", "Hiragana", "Katakana", "Hangul", "Bopomofo"};
    for (size_t i = 0; i < sizeof cjk / sizeof cjk[0]; i++)
        if (strcmp(name, cjk[i]) == 0)
            return 1;
    return 0;
}

int crm_text_single_script(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + n;
    const char *first = NULL;
    int latin = 0, cjk = 0, other = 0;
    while (p < end) {
        ucs4_t uc;
        int len = u8_mbtouc(&uc, p, (size_t)(end - p));
        p += len;
        if (!uc_is_general_category(uc, UC_CATEGORY_L))
            continue;
        const uc_script_t *sc = uc_script(uc);
        if (!sc || strcmp(sc->name, "Common") == 0 || strcmp(sc->name, "Inherited") == 0)
            continue;
        if (strcmp(sc->name, "Latin") == 0)
            latin = 1;
        else if (cjk_script(sc->name))
            cjk = 1;
        else if (!first)
            first = sc->name, other = 1;
        else if (strcmp(first, sc->name) != 0)
            return 0; /* two scripts, neither Latin nor CJK: Greek and Cyrillic... */
    }
    return !(other && (latin || cjk));
}

/* Characters no address may hold: invisible, control, space, unassigned. */
static int bad_char(ucs4_t uc)
{
    return uc_is_general_category(uc, UC_CATEGORY_C) /* Cc Cf Cs Co Cn */ ||
           uc_is_general_category(uc, UC_CATEGORY_Z) || uc_is_property_default_ignorable_code_point(uc) ||
           uc == 0x7f;
}

/* The local part: printable, no character RFC 5322 would need quoting for. */
static int local_ok(const uint8_t *s, size_t n)
{
    if (n < 1 || n > LOCAL_MAX || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n;) {
        ucs4_t uc;
        i += (size_t)u8_mbtouc(&uc, s + i, n - i);
        if (bad_char(uc) || (uc < 0x80 && strchr("\"(),:;<>@[\\] ", (int)uc)))
            return 0;
        if (uc == '.' && i < n && s[i] == '.')
            return 0;
    }
    return crm_text_single_script((const char *)s, n);
}

/* The domain: valid IDNA2008 (libidn2, TR46 non-transitional, STD3 rules), at
 * least two labels, each label of one script. Writes its Unicode form. */
static enum crm_email_result domain_canonical(const char *domain, char **out)
{
    char *ascii = NULL, *uni = NULL;
    *out = NULL;
    if (!strchr(domain, '.'))
        return CRM_EMAIL_INVALID;
    for (const char *p = domain; *p; p++)
        if ((unsigned char)*p < 0x80 && strchr("\"(),:;<>@[\\] ", *p))
            return CRM_EMAIL_INVALID;
    int rc = idn2_to_ascii_8z(domain, &ascii, IDN2_NONTRANSITIONAL | IDN2_USE_STD3_ASCII_RULES);
    if (rc == IDN2_MALLOC)
        return CRM_EMAIL_NOMEM;
    if (rc != IDN2_OK)
        return CRM_EMAIL_INVALID;
    size_t alen = strlen(ascii);
    enum crm_email_result res = CRM_EMAIL_INVALID;
    if (alen < 3 || alen > 253 || ascii[0] == '.' || ascii[alen - 1] == '.' || strstr(ascii, ".."))
        goto done;
    rc = idn2_to_unicode_8z8z(ascii, &uni, 0);
    if (rc == IDN2_MALLOC) {
        res = CRM_EMAIL_NOMEM;
        goto done;
    }
    if (rc != IDN2_OK)
        goto done;
    for (const char *label = uni; *label;) {
        size_t n = strcspn(label, ".");
        if (!crm_text_single_script(label, n))
            goto done;
        label += n + (label[n] == '.');
    }
    *out = uni;
    uni = NULL;
    res = CRM_EMAIL_OK;
done:
    idn2_free(ascii);
    idn2_free(uni);
    return res;
}

enum crm_email_result crm_email_normalize(const char *in, char **out)
{
    *out = NULL;
    size_t n = strlen(in);
    if (n == 0 || n > 4 * CRM_EMAIL_MAX || u8_check((const uint8_t *)in, n))
        return CRM_EMAIL_INVALID;
    /* Lower case, then NFKC (u8_tolower normalises its result): fullwidth and
     * other compatibility forms become their plain letters. */
    size_t len = 0;
    uint8_t *canon = u8_tolower((const uint8_t *)in, n, NULL, UNINORM_NFKC, NULL, &len);
    if (!canon)
        return CRM_EMAIL_NOMEM;
    enum crm_email_result res = CRM_EMAIL_INVALID;
    char *domain = NULL, *result = NULL;
    uint8_t *at = memchr(canon, '@', len);
    if (!at || memchr(at + 1, '@', len - (size_t)(at + 1 - canon)))
        goto done;
    size_t local_len = (size_t)(at - canon), dlen = len - local_len - 1;
    if (!local_ok(canon, local_len) || dlen == 0)
        goto done;
    for (size_t i = 0; i < dlen;) {
        ucs4_t uc;
        i += (size_t)u8_mbtouc(&uc, at + 1 + i, dlen - i);
        if (bad_char(uc))
            goto done;
    }
    domain = malloc(dlen + 1);
    if (!domain) {
        res = CRM_EMAIL_NOMEM;
        goto done;
    }
    memcpy(domain, at + 1, dlen);
    domain[dlen] = '\0';
    char *udomain = NULL;
    res = domain_canonical(domain, &udomain);
    if (res != CRM_EMAIL_OK)
        goto done;
    size_t ulen = strlen(udomain);
    if (local_len + 1 + ulen > CRM_EMAIL_MAX) {
        idn2_free(udomain);
        res = CRM_EMAIL_INVALID;
        goto done;
    }
    result = malloc(local_len + 1 + ulen + 1);
    if (!result) {
        idn2_free(udomain);
        res = CRM_EMAIL_NOMEM;
        goto done;
    }
    memcpy(result, canon, local_len);
    result[local_len] = '@';
    memcpy(result + local_len + 1, udomain, ulen + 1);
    idn2_free(udomain);
    *out = result;
    res = CRM_EMAIL_OK;
done:
    free(domain);
    free(canon);
    return res;
}
