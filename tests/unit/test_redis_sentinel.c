/* crm_sentinels_parse and crm_sentinels_load: the Sentinel list
 * (CRM_REDIS_SENTINELS), the master name, the Sentinels' password file; and the
 * errors a demoted primary gives. */
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
#include "redis_sentinel.h"

static void a_list_of_hosts_and_ports(void **state)
{
    struct crm_sentinels s;
    char err[256] = "";
    (void)state;
    assert_int_equal(
        crm_sentinels_parse(&s, "127.0.0.2:26379, sentinel-b.example:26380,[::1]:5", "crm", err, sizeof err),
        0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.host[0], "127.0.0.2");
    assert_int_equal(s.port[0], 26379);
    assert_string_equal(s.host[1], "sentinel-b.example");
    assert_int_equal(s.port[1], 26380);
    assert_string_equal(s.host[2], "::1");
    assert_int_equal(s.port[2], 5);
    assert_string_equal(s.master, "crm");
    assert_true(s.timeout_ms > 0);
}

static void unset_means_none(void **state)
{
    struct crm_sentinels s;
    (void)state;
    assert_int_equal(crm_sentinels_parse(&s, NULL, "crm", NULL, 0), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(crm_sentinels_parse(&s, " , ", "crm", NULL, 0), 0);
    assert_int_equal(s.n, 0);
    /* No Sentinels: crm_sentinels_use leaves the connections on CRM_REDIS_HOST. */
    crm_sentinels_use(&s);
    assert_null(crm_sentinels_current());
}

static void bad_entries_are_named(void **state)
{
    struct crm_sentinels s;
    char err[256] = "";
    (void)state;
    const char *bad[] = {"127.0.0.1",       "127.0.0.1:",    ":26379",     "127.0.0.1:0",
                         "127.0.0.1:65536", "127.0.0.1:12x", "[::1]26379", "[::1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        assert_int_equal(crm_sentinels_parse(&s, bad[i], "crm", err, sizeof err), -1);
        assert_non_null(strstr(err, "CRM_REDIS_SENTINELS"));
    }
    assert_int_equal(crm_sentinels_parse(&s, "a:1,b:2,c:3,d:4,e:5,f:6,g:7,h:8,i:9", "crm", err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "at most"));
    assert_int_equal(crm_sentinels_parse(&s, "a:1", "", err, sizeof err), -1);
    assert_non_null(strstr(err, "CRM_REDIS_MASTER_NAME"));
    assert_int_equal(crm_sentinels_parse(&s, "a:1", "two words", err, sizeof err), -1);
}

static void settings_and_password_file(void **state)
{
    struct crm_config cfg;
    struct crm_sentinels s;
    char err[256] = "";
    char path[] = "/tmp/crm-sentinel-pw.XXXXXX";
    (void)state;
    setenv("CRM_ENV", "test", 1);
    setenv("CRM_REDIS_SENTINELS", "127.0.0.1:1,127.0.0.1:2", 1);
    setenv("CRM_REDIS_MASTER_NAME", "clinic", 1);
    setenv("CRM_REDIS_SENTINEL_USER", "watcher", 1);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret\nignored\n", 15), 15);
    close(fd);
    setenv("CRM_REDIS_SENTINEL_PASSWORD_FILE", path, 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_OK);
    assert_int_equal(cfg.redis_min_replicas, 0);
    assert_int_equal(crm_sentinels_load(&s, &cfg, err, sizeof err), 0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.master, "clinic");
    assert_string_equal(s.user, "watcher");
    assert_string_equal(s.password, "s3cret");
    crm_sentinels_clear(&s);
    assert_string_equal(s.password, "");
    unlink(path);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_OK);
    assert_int_equal(crm_sentinels_load(&s, &cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "CRM_REDIS_SENTINEL_PASSWORD_FILE"));
    setenv("CRM_REDIS_MIN_REPLICAS", "17", 1);
    assert_int_equal(crm_config_load(&cfg, err, sizeof err), CRM_CONFIG_EINVAL);
    assert_non_null(strstr(err, "CRM_REDIS_MIN_REPLICAS"));
    const char *vars[] = {"CRM_REDIS_SENTINELS", "CRM_REDIS_MASTER_NAME", "CRM_REDIS_SENTINEL_USER",
                          "CRM_REDIS_SENTINEL_PASSWORD_FILE", "CRM_REDIS_MIN_REPLICAS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
}

static void errors_of_a_demoted_primary(void **state)
{
    (void)state;
    char ro[] = "READONLY You can't write against a read only replica.";
    char down[] = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
    char other[] = "OOM command not allowed";
    redisReply r = {.type = REDIS_REPLY_ERROR, .str = ro, .len = sizeof ro - 1};
    assert_true(crm_redis_reply_not_primary(&r));
    r.str = down;
    assert_true(crm_redis_reply_not_primary(&r));
    r.str = other;
    assert_false(crm_redis_reply_not_primary(&r));
    r.type = REDIS_REPLY_STATUS;
    r.str = ro;
    assert_false(crm_redis_reply_not_primary(&r));
    assert_false(crm_redis_reply_not_primary(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_list_of_hosts_and_ports),   cmocka_unit_test(unset_means_none),
        cmocka_unit_test(bad_entries_are_named),       cmocka_unit_test(settings_and_password_file),
        cmocka_unit_test(errors_of_a_demoted_primary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
