# lib/: the code the programs share, in one list (lib/libcrm.a), and its tests.
# Included by the top-level Makefile.am; only appends to its variables.
lib_libcrm_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(LIBPQ_CFLAGS) $(HIREDIS_CFLAGS) \
	$(SODIUM_CFLAGS) $(LIBJWT_CFLAGS) $(LIBIDN2_CFLAGS)
lib_libcrm_a_SOURCES = \
	lib/log.c lib/log.h \
	lib/cli.c lib/cli.h \
	lib/crm_config.c lib/crm_config.h \
	lib/db.c lib/db.h \
	lib/redis_sync.c lib/redis_sync.h \
	lib/redis_auth.c lib/redis_auth.h \
	lib/redis_sentinel.c lib/redis_sentinel.h lib/host_port.c lib/host_port.h \
	lib/redis_wait.c lib/redis_wait.h \
	lib/redis_ha.c lib/redis_ha.h \
	lib/redis_shards.c lib/redis_shards.h \
	lib/password.c lib/password.h \
	lib/password_policy.c lib/password_policy.h lib/common_passwords.c \
	lib/email_norm.c lib/email_norm.h \
	lib/display_name.c lib/display_name.h \
	lib/streams.c lib/streams.h \
	lib/stream_entry.c lib/stream_entry.h \
	lib/persisted_boundary.c lib/persisted_boundary.h \
	lib/audit_entry.c lib/audit_entry.h \
	lib/dead_letters.c lib/dead_letters.h \
	lib/queue_stats.c lib/queue_stats.h \
	lib/token.c lib/token.h \
	lib/json_strict.c lib/json_strict.h \
	lib/utf8.c lib/utf8.h \
	lib/iso_time.c lib/iso_time.h \
	lib/stop_signal.c lib/stop_signal.h \
	lib/sock_alive.c lib/sock_alive.h \
	lib/supervisor.c lib/supervisor.h \
	lib/gql/gql_arena.c lib/gql/gql_arena.h \
	lib/gql/gql_error.c lib/gql/gql_error.h \
	lib/gql/gql_lexer.c lib/gql/gql_lexer.h \
	lib/gql/gql_ast.c lib/gql/gql_ast.h \
	lib/gql/gql_parser.c lib/gql/gql_parser.h \
	lib/gql/gql_schema.c lib/gql/gql_schema.h \
	lib/gql/gql_validate.c lib/gql/gql_validate.h lib/gql/gql_validate_private.h \
	lib/gql/gql_validate_util.c lib/gql/gql_validate_suggest.c lib/gql/gql_suggest.h \
	lib/gql/gql_validate_meta.c lib/gql/gql_validate_meta.h \
	lib/gql/gql_validate_operations.c lib/gql/gql_validate_fields.c \
	lib/gql/gql_validate_fragments.c lib/gql/gql_validate_variables.c \
	lib/gql/gql_validate_directives.c lib/gql/gql_validate_values.c \
	lib/gql/gql_validate_overlap.c lib/gql/gql_validate_limits.c \
	lib/gql/gql_jsfmt.c lib/gql/gql_jsfmt.h \
	lib/gql/gql_jsonw.c lib/gql/gql_jsonw.h \
	lib/gql/gql_coerce.c lib/gql/gql_coerce.h \
	lib/gql/gql_exec.c lib/gql/gql_exec_complete.c lib/gql/gql_exec.h \
	lib/gql/gql_exec_private.h \
	lib/gql/gql_introspect.c lib/gql/gql_introspect.h \
	lib/gql/gql_engine.c lib/gql/gql_engine.h

CRM_LIBS = lib/libcrm.a $(JSONC_LIBS) $(LIBPQ_LIBS) $(HIREDIS_LIBS) $(SODIUM_LIBS) $(LIBJWT_LIBS) \
	$(LIBIDN2_LIBS) $(UNISTRING_LIBS)

# Unit tests of lib/ (the GraphQL engine's are in lib/gql/*.mk).
CRM_LIB_TESTS = tests/unit/test_config tests/unit/test_password tests/unit/test_streams \
	tests/unit/test_token tests/unit/test_json_strict tests/unit/test_utf8 \
	tests/unit/test_identity tests/unit/test_redis_auth tests/unit/test_redis_sentinel tests/unit/test_redis_shards tests/unit/test_stream_entry \
	tests/unit/test_audit_entry tests/unit/test_persisted_boundary tests/unit/test_iso_time
check_PROGRAMS += $(CRM_LIB_TESTS)
TESTS += $(CRM_LIB_TESTS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_config_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_password_SOURCES = tests/unit/test_password.c
tests_unit_test_password_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_password_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_streams_SOURCES = tests/unit/test_streams.c
tests_unit_test_streams_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_streams_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_token_SOURCES = tests/unit/test_token.c
tests_unit_test_token_CFLAGS = $(CRM_TEST_CFLAGS) $(LIBJWT_CFLAGS)
tests_unit_test_token_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_json_strict_SOURCES = tests/unit/test_json_strict.c
tests_unit_test_json_strict_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_json_strict_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_iso_time_SOURCES = tests/unit/test_iso_time.c
tests_unit_test_iso_time_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_iso_time_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_utf8_SOURCES = tests/unit/test_utf8.c
tests_unit_test_utf8_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_utf8_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_identity_SOURCES = tests/unit/test_identity.c
tests_unit_test_identity_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_identity_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_redis_auth_SOURCES = tests/unit/test_redis_auth.c
tests_unit_test_redis_auth_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_redis_auth_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_redis_sentinel_SOURCES = tests/unit/test_redis_sentinel.c
tests_unit_test_redis_sentinel_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_redis_sentinel_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_redis_shards_SOURCES = tests/unit/test_redis_shards.c
tests_unit_test_redis_shards_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_redis_shards_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_persisted_boundary_SOURCES = tests/unit/test_persisted_boundary.c
tests_unit_test_persisted_boundary_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_persisted_boundary_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_stream_entry_SOURCES = tests/unit/test_stream_entry.c
tests_unit_test_stream_entry_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_stream_entry_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_audit_entry_SOURCES = tests/unit/test_audit_entry.c
tests_unit_test_audit_entry_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_audit_entry_LDADD = $(CRM_TEST_LIBS)

# Test drivers of lib/ run by the node tests (tests/integration, tests/faults):
# dead letters and queue stats; the stream entry as Redis holds it.
noinst_PROGRAMS += tests/worker/dltool tests/lib/entrytool
tests_worker_dltool_SOURCES = tests/worker/dltool.c
tests_worker_dltool_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS) $(JSONC_CFLAGS)
tests_worker_dltool_LDADD = $(CRM_LIBS)
tests_lib_entrytool_SOURCES = tests/lib/entrytool.c
tests_lib_entrytool_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS) $(JSONC_CFLAGS)
tests_lib_entrytool_LDADD = $(CRM_LIBS)
