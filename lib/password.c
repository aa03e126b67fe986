#include "config.h"

#include "password.h"

#include <string.h>

/* Computed once so that unknown users cost one full Argon2id verification. */
static char dummy_hash[CRM_PASSWORD_HASH_LEN];

int crm_password_init(void)
{
    if (sodium_init() < 0)
        return -1;
    if (dummy_hash[0])
        return 0;
    static const char dummy[] = "dummy password for timing equality";
    return crypto_pwhash_str(dummy_hash, dummy, sizeof dummy - 1, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : -1;
}

int crm_password_hash(const char *password, size_t len, char out[CRM_PASSWORD_HASH_LEN])
{
    if (len < CRM_PASSWORD_MIN || len > CRM_PASSWORD_MAX)
        return -1;
    return crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : -1;
}

int crm_password_verify(const char *hash, const char *password, size_t len)
{
    /* Over-long input is verified against the dummy too, then refused. */
    int too_long = len > CRM_PASSWORD_MAX;
    const char *h = (hash && !too_long) ? hash : dummy_hash;
    int ok = crypto_pwhash_str_verify(h, password, too_long ? 1 : len) == 0;
    return ok && hash && !too_long;
}
