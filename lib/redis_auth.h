/* The Redis ACL identity of a program: a user and its password, sent with AUTH
 * as the first command of every connection (lib/redis_sync.c, push/redis_link.c).
 * Each program has a user of its own with only the commands and keys it needs
 * (etc/redis-users.acl.in), so one program's credentials cannot forge another's
 * writes, bring back a revoked token or delete audit entries. */
#ifndef CRM_REDIS_AUTH_H
#define CRM_REDIS_AUTH_H

#include "crm_config.h"

#include <stddef.h>

#define CRM_REDIS_USER_MAX 64
#define CRM_REDIS_PASSWORD_MAX 256

struct crm_redis_auth {
    char user[CRM_REDIS_USER_MAX + 1];
    char password[CRM_REDIS_PASSWORD_MAX + 1]; /* "" : no AUTH is sent */
};

/* Fills a from cfg for program (its default user name): CRM_REDIS_USER or
 * program; the password from CRM_REDIS_PASSWORD, else CRM_REDIS_PASSWORD_FILE (a
 * file, or a folder holding a file named after the user; the first line counts).
 * No password means no AUTH, which production refuses. Returns 0, or -1 with
 * one line naming the setting in err. */
int crm_redis_auth_load(struct crm_redis_auth *a, const struct crm_config *cfg, const char *program,
                        char *err, size_t errlen);

/* The identity every Redis connection of this process uses from now on (NULL:
 * none). One per program, set once in main before any connection; borrowed. */
void crm_redis_auth_use(const struct crm_redis_auth *a);
const struct crm_redis_auth *crm_redis_auth_current(void);

/* Zeroes the password. */
void crm_redis_auth_clear(struct crm_redis_auth *a);

#endif
