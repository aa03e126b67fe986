/* crm_shards_parse: CRM_REDIS_SHARDS beside the main Redis (shard 0), in plain
 * mode (host:port, socket paths) and with Sentinels (master names), the check
 * against CRM_STREAMS, and the stream-to-shard mapping. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "crm_config.h"
#include "redis_shards.h"

static struct crm_config plain(const char *shards, int streams)
{
    struct crm_config c;
    memset(&c, 0, sizeof c);
    c.redis_host = "10.0.0.1";
    c.redis_port = 6379;
    c.redis_master_name = "crm";
    c.redis_shards = shards;
    c.streams = streams;
    return c;
}

static void unset_is_one_shard_the_main_redis(void **state)
{
    struct crm_shards s;
    char err[256] = "";
    (void)state;
    struct crm_config c = plain(NULL, 1);
    assert_int_equal(crm_shards_parse(&s, &c, err, sizeof err), 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.host[0], "10.0.0.1");
    assert_int_equal(s.port[0], 6379);
    assert_string_equal(s.master[0], "");
    for (int stream = 0; stream < 8; stream++)
        assert_int_equal(crm_shard_of_stream(stream, s.n), 0);
}

static void plain_entries_are_host_port_or_a_socket(void **state)
{
    struct crm_shards s;
    char err[256] = "";
    (void)state;
    struct crm_config c = plain(" 10.0.0.2:6380 , /run/redis/b.sock", 6);
    assert_int_equal(crm_shards_parse(&s, &c, err, sizeof err), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.host[1], "10.0.0.2");
    assert_int_equal(s.port[1], 6380);
    assert_string_equal(s.host[2], "/run/redis/b.sock");
    /* Stream N on shard N mod S. */
    int want[] = {0, 1, 2, 0, 1, 2};
    for (int stream = 0; stream < 6; stream++)
        assert_int_equal(crm_shard_of_stream(stream, s.n), want[stream]);
}

static void with_sentinels_entries_are_master_names(void **state)
{
    struct crm_shards s;
    char err[256] = "";
    (void)state;
    struct crm_config c = plain("crm2,crm3", 3);
    c.redis_sentinels = "127.0.0.1:26379";
    assert_int_equal(crm_shards_parse(&s, &c, err, sizeof err), 0);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.master[0], "crm");
    assert_string_equal(s.master[1], "crm2");
    assert_string_equal(s.master[2], "crm3");
    /* A host:port is not a master name. */
    c.redis_shards = "10.0.0.2:6379";
    assert_int_equal(crm_shards_parse(&s, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "CRM_REDIS_SHARDS"));
}

static void bad_entries_and_too_few_streams_are_refused(void **state)
{
    struct crm_shards s;
    char err[256] = "";
    (void)state;
    const char *bad[] = {"10.0.0.2", "10.0.0.2:", ":6379", "10.0.0.2:0", "10.0.0.2:70000", "10.0.0.2:63x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct crm_config c = plain(bad[i], 4);
        err[0] = '\0';
        assert_int_equal(crm_shards_parse(&s, &c, err, sizeof err), -1);
        assert_non_null(strstr(err, "CRM_REDIS_SHARDS"));
    }
    /* Two shards need at least two streams. */
    struct crm_config c = plain("10.0.0.2:6379", 1);
    assert_int_equal(crm_shards_parse(&s, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "CRM_STREAMS"));
    /* At most CRM_SHARDS_MAX in all. */
    char many[1024] = "";
    for (int i = 0; i < CRM_SHARDS_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%sh%d:6379", i ? "," : "", i);
    c = plain(many, 1024);
    assert_int_equal(crm_shards_parse(&s, &c, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unset_is_one_shard_the_main_redis),
        cmocka_unit_test(plain_entries_are_host_port_or_a_socket),
        cmocka_unit_test(with_sentinels_entries_are_master_names),
        cmocka_unit_test(bad_entries_and_too_few_streams_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
