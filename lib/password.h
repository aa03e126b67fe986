/* Argon2id password hashing through libsodium (INTERACTIVE limits: ~95 ms and
 * 64 MiB each here, so callers bound how many run at once). */
#ifndef CRM_PASSWORD_H
#define CRM_PASSWORD_H

#include <sodium.h>
#include <stddef.h>

#define CRM_PASSWORD_MIN 8    /* bytes */
#define CRM_PASSWORD_MAX 1024 /* bytes; longer input is refused before hashing */
#define CRM_PASSWORD_HASH_LEN crypto_pwhash_STRBYTES

/* Initialises libsodium; call once before any other function. Returns 0 or -1. */
int crm_password_init(void);

/* Hashes password (len bytes) into out (CRM_PASSWORD_HASH_LEN bytes, NUL-terminated).
 * Returns 0, or -1 for a length outside [CRM_PASSWORD_MIN, CRM_PASSWORD_MAX] or
 * when libsodium runs out of memory. */
int crm_password_hash(const char *password, size_t len, char out[CRM_PASSWORD_HASH_LEN]);

/* Returns 1 when password matches hash, else 0. A NULL hash (unknown user) is
 * checked against a dummy hash so the time taken tells nothing. */
int crm_password_verify(const char *hash, const char *password, size_t len);

#endif
