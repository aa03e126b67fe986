/* crm_redis_auth_load: the user (setting or program name), the password from the
 * setting, a file or a folder of files, and production without one. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crm_config.h"
#include "redis_auth.h"

static const char *const vars[] = {"CRM_ENV",        "CRM_ENV_FILE",       "CRM_JWT_SECRET",
                                   "CRM_REDIS_USER", "CRM_REDIS_PASSWORD", "CRM_REDIS_PASSWORD_FILE"};

static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    /* Without CRM_ENV a program is in production: these tests say which. */
    setenv("CRM_ENV", "test", 1);
    return 0;
}

/* Loads the config, then the auth of program; returns crm_redis_auth_load's answer. */
static int load(struct crm_redis_auth *a, const char *program, char *err, size_t errlen)
{
    struct crm_config cfg;
    assert_int_equal(crm_config_load(&cfg, err, errlen), CRM_CONFIG_OK);
    return crm_redis_auth_load(a, &cfg, program, err, errlen);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void no_password_means_no_auth_outside_production(void **state)
{
    struct crm_redis_auth a;
    char err[256] = "";
    (void)state;
    assert_int_equal(load(&a, "crm-api", err, sizeof err), 0);
    assert_string_equal(a.user, "crm-api");
    assert_string_equal(a.password, "");
    crm_redis_auth_use(&a);
    assert_null(crm_redis_auth_current()); /* nothing to send */
}

static void the_user_defaults_to_the_program_and_the_setting_wins(void **state)
{
    struct crm_redis_auth a;
    char err[256] = "";
    (void)state;
    setenv("CRM_REDIS_PASSWORD", "s3cret-Pass", 1);
    assert_int_equal(load(&a, "crm-worker", err, sizeof err), 0);
    assert_string_equal(a.user, "crm-worker");
    assert_string_equal(a.password, "s3cret-Pass");
    crm_redis_auth_use(&a);
    assert_ptr_equal(crm_redis_auth_current(), &a);
    crm_redis_auth_use(NULL);
    setenv("CRM_REDIS_USER", "ops", 1);
    assert_int_equal(load(&a, "crm-worker", err, sizeof err), 0);
    assert_string_equal(a.user, "ops");
    setenv("CRM_REDIS_USER", "two words", 1);
    assert_int_equal(load(&a, "crm-worker", err, sizeof err), -1);
    assert_non_null(strstr(err, "CRM_REDIS_USER"));
}

static void a_password_file_or_a_folder_of_them(void **state)
{
    struct crm_redis_auth a;
    char err[256] = "";
    char dir[] = "/tmp/crm-test-redisauthXXXXXX";
    char path[128];
    (void)state;
    assert_non_null(mkdtemp(dir));
    /* A file: its first line, without the line end. */
    snprintf(path, sizeof path, "%s/one", dir);
    write_file(path, "from-a-file\r\nsecond line ignored\n");
    setenv("CRM_REDIS_PASSWORD_FILE", path, 1);
    assert_int_equal(load(&a, "crm-api", err, sizeof err), 0);
    assert_string_equal(a.password, "from-a-file");
    /* The inline setting wins over the file. */
    setenv("CRM_REDIS_PASSWORD", "inline", 1);
    assert_int_equal(load(&a, "crm-api", err, sizeof err), 0);
    assert_string_equal(a.password, "inline");
    unsetenv("CRM_REDIS_PASSWORD");
    /* A folder: the file named after the user. */
    snprintf(path, sizeof path, "%s/crm-pushd", dir);
    write_file(path, "pushd-password\n");
    setenv("CRM_REDIS_PASSWORD_FILE", dir, 1);
    assert_int_equal(load(&a, "crm-pushd", err, sizeof err), 0);
    assert_string_equal(a.password, "pushd-password");
    /* No file for this user, or an empty one: refused, naming the setting. */
    assert_int_equal(load(&a, "crm-api", err, sizeof err), -1);
    assert_non_null(strstr(err, "CRM_REDIS_PASSWORD_FILE"));
    write_file(path, "\n");
    assert_int_equal(load(&a, "crm-pushd", err, sizeof err), -1);
    write_file(path, "has a space\n");
    assert_int_equal(load(&a, "crm-pushd", err, sizeof err), -1);
    crm_redis_auth_clear(&a);
    assert_string_equal(a.password, "");
    unlink(path);
    snprintf(path, sizeof path, "%s/one", dir);
    unlink(path);
    rmdir(dir);
}

static void production_needs_a_password(void **state)
{
    struct crm_redis_auth a;
    char err[256] = "";
    (void)state;
    setenv("CRM_ENV", "production", 1);
    setenv("CRM_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
    assert_int_equal(load(&a, "crm-pushd", err, sizeof err), -1);
    assert_non_null(strstr(err, "CRM_REDIS_PASSWORD_FILE"));
    assert_non_null(strstr(err, "crm-pushd"));
    setenv("CRM_REDIS_PASSWORD", "a-real-one", 1);
    assert_int_equal(load(&a, "crm-pushd", err, sizeof err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(no_password_means_no_auth_outside_production, clear_env),
        cmocka_unit_test_setup(the_user_defaults_to_the_program_and_the_setting_wins, clear_env),
        cmocka_unit_test_setup(a_password_file_or_a_folder_of_them, clear_env),
        cmocka_unit_test_setup(production_needs_a_password, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
