/* crm_config_load: defaults, ranges, the env file and production refusals. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "crm_config.h"

static const char *const vars[] = {"CRM_ENV",     "CRM_ENV_FILE",  "CRM_JWT_SECRET", "CRM_REDIS_PORT",
                                   "CRM_STREAMS", "CRM_LOG_LEVEL", "CRM_WS_PORT",    "CRM_API_INTROSPECTION"};

/* Every test but the one about an unset CRM_ENV runs as a development machine. */
static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    setenv("CRM_ENV", "development", 1);
    return 0;
}

static void unset_environment_is_production(void **state)
{
    struct crm_config cfg;
    char err[200] = "";
    (void)state;
    unsetenv("CRM_ENV");
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EPROD);
    assert_non_null(strstr(err, "CRM_JWT_SECRET is the dev-only default"));
    setenv("CRM_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_OK);
    assert_true(cfg.production);
    assert_int_equal(cfg.api_introspection, 0); /* off unless asked for */
    setenv("CRM_API_INTROSPECTION", "1", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_OK);
    assert_int_equal(cfg.api_introspection, 1);
}

static void defaults_load_in_development(void **state)
{
    struct crm_config cfg;
    char err[128] = "";
    (void)state;
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_OK);
    assert_false(cfg.production);
    assert_int_equal(cfg.redis_port, 6379);
    assert_int_equal(cfg.ws_port, 3002);
    assert_int_equal(cfg.streams, 1);
    assert_string_equal(cfg.jwt_secret, CRM_DEV_JWT_SECRET);
    assert_int_equal(cfg.api_introspection, 1);
}

static void integers_are_checked_at_and_past_bounds(void **state)
{
    struct crm_config cfg;
    char err[128] = "";
    (void)state;
    setenv("CRM_REDIS_PORT", "65535", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_OK);
    assert_int_equal(cfg.redis_port, 65535);
    setenv("CRM_REDIS_PORT", "65536", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EINVAL);
    assert_non_null(strstr(err, "CRM_REDIS_PORT"));
    setenv("CRM_REDIS_PORT", "12abc", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EINVAL);
    setenv("CRM_REDIS_PORT", "0", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EINVAL);
}

static void production_refuses_the_dev_secret(void **state)
{
    struct crm_config cfg;
    char err[160] = "";
    (void)state;
    setenv("CRM_ENV", "production", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EPROD);
    assert_non_null(strstr(err, "CRM_JWT_SECRET"));
    setenv("CRM_JWT_SECRET", "0123456789abcdef0123456789abcde", 1); /* 31 bytes */
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EPROD);
    setenv("CRM_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1); /* 32 bytes */
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_OK);
    assert_true(cfg.production);
}

static void unknown_environment_name_is_refused(void **state)
{
    struct crm_config cfg;
    char err[128] = "";
    (void)state;
    setenv("CRM_ENV", "prod", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EINVAL);
}

static void env_file_fills_unset_variables_only(void **state)
{
    struct crm_config cfg;
    char err[128] = "";
    char path[] = "/tmp/crm-test-envXXXXXX";
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "# comment\n\nCRM_STREAMS=4\nCRM_WS_PORT=4000\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (int)(sizeof text - 1));
    close(fd);
    setenv("CRM_ENV_FILE", path, 1);
    setenv("CRM_WS_PORT", "5000", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_OK);
    assert_int_equal(cfg.streams, 4);
    assert_int_equal(cfg.ws_port, 5000);
    unlink(path);
}

static void env_file_rejects_foreign_lines(void **state)
{
    struct crm_config cfg;
    char err[128] = "";
    char path[] = "/tmp/crm-test-envXXXXXX";
    (void)state;
    int fd = mkstemp(path);
    const char text[] = "CRM_STREAMS=2\nPATH=/evil\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (int)(sizeof text - 1));
    close(fd);
    setenv("CRM_ENV_FILE", path, 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EINVAL);
    assert_non_null(strstr(err, "line 2"));
    unlink(path);
    setenv("CRM_ENV_FILE", path, 1); /* now missing */
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EINVAL);
}

static void table_lists_every_setting(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    (void)state;
    FILE *f = open_memstream(&buf, &len);
    crm_config_print_table(f);
    fclose(f);
    assert_non_null(strstr(buf, "`CRM_JWT_SECRET`"));
    assert_non_null(strstr(buf, "`CRM_DATABASE_URL`"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(defaults_load_in_development, clear_env),
        cmocka_unit_test_setup(integers_are_checked_at_and_past_bounds, clear_env),
        cmocka_unit_test_setup(production_refuses_the_dev_secret, clear_env),
        cmocka_unit_test_setup(unknown_environment_name_is_refused, clear_env),
        cmocka_unit_test_setup(unset_environment_is_production, clear_env),
        cmocka_unit_test_setup(env_file_fills_unset_variables_only, clear_env),
        cmocka_unit_test_setup(env_file_rejects_foreign_lines, clear_env),
        cmocka_unit_test_setup(table_lists_every_setting, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
