# GraphQL execution, coercion, introspection, document cache; appended by its owner.
# Included by the top-level Makefile.am: only appends (+=) to its variables.

# gqltool execute|introspect
tests_gql_gqltool_SOURCES += tests/gql/gqltool_exec.c

GQL_EXEC_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
GQL_EXEC_TEST_LIBS = lib/libcrm.a $(CMOCKA_LIBS) $(JSONC_LIBS)

check_PROGRAMS += tests/unit/test_gql_coerce tests/unit/test_gql_exec \
	tests/unit/test_gql_introspect tests/unit/test_gql_engine
TESTS += tests/unit/test_gql_coerce tests/unit/test_gql_exec \
	tests/unit/test_gql_introspect tests/unit/test_gql_engine

tests_unit_test_gql_coerce_SOURCES = tests/unit/test_gql_coerce.c tests/unit/gql_exec_fixture.h
tests_unit_test_gql_coerce_CFLAGS = $(GQL_EXEC_TEST_CFLAGS)
tests_unit_test_gql_coerce_LDADD = $(GQL_EXEC_TEST_LIBS)
tests_unit_test_gql_exec_SOURCES = tests/unit/test_gql_exec.c tests/unit/gql_exec_fixture.h
tests_unit_test_gql_exec_CFLAGS = $(GQL_EXEC_TEST_CFLAGS)
tests_unit_test_gql_exec_LDADD = $(GQL_EXEC_TEST_LIBS)
tests_unit_test_gql_introspect_SOURCES = tests/unit/test_gql_introspect.c tests/unit/gql_exec_fixture.h
tests_unit_test_gql_introspect_CFLAGS = $(GQL_EXEC_TEST_CFLAGS)
tests_unit_test_gql_introspect_LDADD = $(GQL_EXEC_TEST_LIBS)
tests_unit_test_gql_engine_SOURCES = tests/unit/test_gql_engine.c tests/unit/gql_exec_fixture.h
tests_unit_test_gql_engine_CFLAGS = $(GQL_EXEC_TEST_CFLAGS)
tests_unit_test_gql_engine_LDADD = $(GQL_EXEC_TEST_LIBS)

EXTRA_DIST += tests/gql/exec-schema.graphql tests/js/gql_exec_diff.test.mjs \
	tests/js/gql_introspect.test.mjs
