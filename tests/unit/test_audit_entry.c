/* The audit stream entry: encode, parse, and the limits of each field. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "audit_entry.h"

struct fake {
    redisReply top;
    redisReply el[16];
    redisReply *ptrs[16];
};

static void fake_set(struct fake *f, size_t n, const char *const *s, const size_t *lens)
{
    memset(f, 0, sizeof *f);
    f->top.type = REDIS_REPLY_ARRAY;
    f->top.elements = n;
    f->top.element = f->ptrs;
    for (size_t i = 0; i < n; i++) {
        f->el[i].type = REDIS_REPLY_STRING;
        f->el[i].str = (char *)s[i];
        f->el[i].len = lens ? lens[i] : strlen(s[i]);
        f->ptrs[i] = &f->el[i];
    }
}

static void encode_then_parse(void **state)
{
    (void)state;
    struct crm_audit_entry e, out;
    struct crm_audit_argv a;
    crm_audit_entry_set(&e, 12, "messages.read", "room:3", "::1", "{\"count\":50}");
    assert_int_equal(crm_audit_entry_encode(&a, &e), 0);
    assert_int_equal(a.argc, 13);
    assert_string_equal(a.argv[1], "crm:audit");
    assert_string_equal(a.argv[4], "12");
    struct fake f;
    fake_set(&f, 10, a.argv + 3, a.argvlen + 3);
    assert_int_equal(crm_audit_entry_parse_from(&f.top, 0, &out), 0);
    assert_int_equal(out.actor_id, 12);
    assert_int_equal(out.action_len, 13);
    assert_memory_equal(out.addr, "::1", 3);
    assert_int_equal(out.detail_len, strlen("{\"count\":50}"));
}

/* The patient an action touched rides along when there is one; entries without
 * it (all of them before) still parse, and a bad id is refused. */
static void patient_is_optional_and_strict(void **state)
{
    (void)state;
    struct crm_audit_entry e, out;
    struct crm_audit_argv a;
    crm_audit_entry_set(&e, 12, "patient.read", "user:9", NULL, NULL);
    e.patient_id = 9;
    assert_int_equal(crm_audit_entry_encode(&a, &e), 0);
    assert_int_equal(a.argc, 15);
    assert_string_equal(a.argv[13], "patient");
    struct fake f;
    fake_set(&f, 12, a.argv + 3, a.argvlen + 3);
    assert_int_equal(crm_audit_entry_parse_from(&f.top, 0, &out), 0);
    assert_int_equal(out.patient_id, 9);
    const char *bad[] = {"actor", "1", "action", "x",  "target",  "",
                         "addr",  "",  "detail", "{}", "patient", "0"};
    fake_set(&f, 12, bad, NULL);
    assert_int_equal(crm_audit_entry_parse_from(&f.top, 0, &out), CRM_AUDIT_EPATIENT);
    fake_set(&f, 10, bad, NULL);
    assert_int_equal(crm_audit_entry_parse_from(&f.top, 0, &out), 0);
    assert_int_equal(out.patient_id, 0);
}

static void empty_actor_addr_and_detail_default(void **state)
{
    (void)state;
    struct crm_audit_entry e, out;
    struct crm_audit_argv a;
    crm_audit_entry_set(&e, 0, "login.failed", NULL, NULL, NULL);
    assert_int_equal(crm_audit_entry_encode(&a, &e), 0);
    assert_int_equal(a.argvlen[4], 0);
    assert_string_equal(a.argv[12], "{}");
    struct fake f;
    fake_set(&f, 10, a.argv + 3, a.argvlen + 3);
    assert_int_equal(crm_audit_entry_parse_from(&f.top, 0, &out), 0);
    assert_int_equal(out.actor_id, 0);
    assert_int_equal(out.addr_len, 0);
}

static void bad_values_are_refused(void **state)
{
    (void)state;
    struct crm_audit_entry e;
    struct crm_audit_argv a;
    char action[CRM_AUDIT_ACTION_MAX + 2];
    memset(action, 'a', sizeof action);
    action[CRM_AUDIT_ACTION_MAX] = '\0';
    crm_audit_entry_set(&e, 1, action, NULL, NULL, NULL);
    assert_int_equal(crm_audit_entry_encode(&a, &e), 0);
    action[CRM_AUDIT_ACTION_MAX] = 'a';
    action[CRM_AUDIT_ACTION_MAX + 1] = '\0';
    crm_audit_entry_set(&e, 1, action, NULL, NULL, NULL);
    assert_int_equal(crm_audit_entry_encode(&a, &e), CRM_AUDIT_EACTION);
    crm_audit_entry_set(&e, 1, "", NULL, NULL, NULL);
    assert_int_equal(crm_audit_entry_encode(&a, &e), CRM_AUDIT_EACTION);
    crm_audit_entry_set(&e, 1, "x", NULL, "999.1.1.1", NULL);
    assert_int_equal(crm_audit_entry_encode(&a, &e), CRM_AUDIT_EADDR);
    crm_audit_entry_set(&e, 1, "x", NULL, "10.0.0.1", "[1]");
    assert_int_equal(crm_audit_entry_encode(&a, &e), CRM_AUDIT_EDETAIL);
    crm_audit_entry_set(&e, 1, "x", NULL, NULL, "{\"a\":1} x");
    assert_int_equal(crm_audit_entry_encode(&a, &e), CRM_AUDIT_EDETAIL);
    crm_audit_entry_set(&e, 1, "x", NULL, NULL, "{\"a\":\"\\u0000\"}");
    assert_int_equal(crm_audit_entry_encode(&a, &e), CRM_AUDIT_EDETAIL);
    crm_audit_entry_set(&e, 1, "x", NULL, NULL, "{'a':1}");
    assert_int_equal(crm_audit_entry_encode(&a, &e), CRM_AUDIT_EDETAIL);
    crm_audit_entry_set(&e, 1, "x", NULL, NULL, "{\"a\":\"\xff\"}");
    assert_int_equal(crm_audit_entry_encode(&a, &e), CRM_AUDIT_EDETAIL);
    crm_audit_entry_set(&e, -1, "x", NULL, NULL, NULL);
    assert_int_equal(crm_audit_entry_encode(&a, &e), CRM_AUDIT_EACTOR);
}

static void parse_is_strict(void **state)
{
    (void)state;
    struct crm_audit_entry out;
    struct fake f;
    const char *missing[] = {"actor", "", "action", "x", "target", "", "addr", ""};
    fake_set(&f, 8, missing, NULL);
    assert_int_equal(crm_audit_entry_parse_from(&f.top, 0, &out), CRM_AUDIT_EFORMAT);
    const char *badactor[] = {"actor", "01", "action", "x", "target", "", "addr", "", "detail", "{}"};
    fake_set(&f, 10, badactor, NULL);
    assert_int_equal(crm_audit_entry_parse_from(&f.top, 0, &out), CRM_AUDIT_EACTOR);
    const char *unknown[] = {"actor", "", "action", "x",  "target", "",
                             "addr",  "", "detail", "{}", "extra",  "1"};
    fake_set(&f, 12, unknown, NULL);
    assert_int_equal(crm_audit_entry_parse_from(&f.top, 0, &out), CRM_AUDIT_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_then_parse),
        cmocka_unit_test(empty_actor_addr_and_detail_default),
        cmocka_unit_test(bad_values_are_refused),
        cmocka_unit_test(parse_is_strict),
        cmocka_unit_test(patient_is_optional_and_strict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
