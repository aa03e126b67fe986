#include "config.h"

#include "redis_auth.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct crm_redis_auth *current;

void crm_redis_auth_use(const struct crm_redis_auth *a)
{
    current = a && a->password[0] ? a : NULL;
}

const struct crm_redis_auth *crm_redis_auth_current(void)
{
    return current;
}

void crm_redis_auth_clear(struct crm_redis_auth *a)
{
    /* volatile: the compiler may not drop a store to memory about to die. */
    volatile char *p = a->password;
    for (size_t i = 0; i < sizeof a->password; i++)
        p[i] = 0;
}

/* Printable ASCII without spaces: what a generated password is, and nothing a
 * shell, an env file or the ACL file would split or mangle. */
static int token_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

/* The first line of path into out (cap bytes with the NUL). 0, or -1 with err. */
static int read_first_line(const char *path, char *out, size_t cap, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "CRM_REDIS_PASSWORD_FILE: %s cannot be read: %s", path, strerror(errno));
        return -1;
    }
    char line[CRM_REDIS_PASSWORD_MAX + 3];
    int ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    if (ok)
        line[strcspn(line, "\r\n")] = '\0';
    if (!ok || !token_ok(line, cap - 1)) {
        snprintf(err, errlen,
                 "CRM_REDIS_PASSWORD_FILE: %s must hold a password of 1 to %zu printable characters "
                 "without spaces on its first line",
                 path, cap - 1);
        memset(line, 0, sizeof line);
        return -1;
    }
    memcpy(out, line, strlen(line) + 1);
    memset(line, 0, sizeof line);
    return 0;
}

int crm_redis_auth_load(struct crm_redis_auth *a, const struct crm_config *cfg, const char *program,
                        char *err, size_t errlen)
{
    char dummy[1];
    if (!err) {
        err = dummy;
        errlen = sizeof dummy;
    }
    memset(a, 0, sizeof *a);
    const char *user = cfg->redis_user && *cfg->redis_user ? cfg->redis_user : program;
    if (!token_ok(user, CRM_REDIS_USER_MAX)) {
        snprintf(err, errlen, "CRM_REDIS_USER must be 1 to %d printable characters without spaces",
                 CRM_REDIS_USER_MAX);
        return -1;
    }
    memcpy(a->user, user, strlen(user) + 1);
    const char *file = cfg->redis_password_file;
    if (cfg->redis_password && *cfg->redis_password) {
        if (!token_ok(cfg->redis_password, CRM_REDIS_PASSWORD_MAX)) {
            snprintf(err, errlen, "CRM_REDIS_PASSWORD must be 1 to %d printable characters without spaces",
                     CRM_REDIS_PASSWORD_MAX);
            return -1;
        }
        memcpy(a->password, cfg->redis_password, strlen(cfg->redis_password) + 1);
    } else if (file && *file) {
        /* A folder serves a shared env file: one line names it for every
         * program, and each reads the file of its own user (the folder's
         * permissions may keep the others' passwords from it). */
        struct stat st;
        char path[4096];
        if (stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
            if ((size_t)snprintf(path, sizeof path, "%s/%s", file, a->user) >= sizeof path) {
                snprintf(err, errlen, "CRM_REDIS_PASSWORD_FILE: path too long");
                return -1;
            }
            file = path;
        }
        if (read_first_line(file, a->password, sizeof a->password, err, errlen) < 0)
            return -1;
    } else if (cfg->production) {
        snprintf(err, errlen,
                 "Redis needs a password in production: set CRM_REDIS_PASSWORD_FILE (the password "
                 "of Redis ACL user %s; see the README's security section)",
                 a->user);
        return -1;
    }
    return 0;
}
