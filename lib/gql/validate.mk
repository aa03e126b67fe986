# GraphQL validation (section 5 of the spec); appended by its owner.
# Included by the top-level Makefile.am: only appends (+=) to its variables.

# gqltool validate SCHEMA DOC
tests_gql_gqltool_SOURCES += tests/gql/gqltool_validate.c

GQL_VALIDATE_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS) \
	-DGQL_TEST_SCHEMA='"$(abs_top_srcdir)/tests/gql/test-schema.graphql"'
GQL_VALIDATE_TEST_LIBS = lib/libcrm.a $(CMOCKA_LIBS) $(JSONC_LIBS)

check_PROGRAMS += tests/unit/test_gql_validate_documents tests/unit/test_gql_validate_values \
	tests/unit/test_gql_validate_limits
TESTS += tests/unit/test_gql_validate_documents tests/unit/test_gql_validate_values \
	tests/unit/test_gql_validate_limits

tests_unit_test_gql_validate_documents_SOURCES = tests/unit/test_gql_validate_documents.c \
	tests/unit/gql_validate_testlib.h
tests_unit_test_gql_validate_documents_CFLAGS = $(GQL_VALIDATE_TEST_CFLAGS)
tests_unit_test_gql_validate_documents_LDADD = $(GQL_VALIDATE_TEST_LIBS)
tests_unit_test_gql_validate_values_SOURCES = tests/unit/test_gql_validate_values.c \
	tests/unit/gql_validate_testlib.h
tests_unit_test_gql_validate_values_CFLAGS = $(GQL_VALIDATE_TEST_CFLAGS)
tests_unit_test_gql_validate_values_LDADD = $(GQL_VALIDATE_TEST_LIBS)
tests_unit_test_gql_validate_limits_SOURCES = tests/unit/test_gql_validate_limits.c \
	tests/unit/gql_validate_testlib.h
tests_unit_test_gql_validate_limits_CFLAGS = $(GQL_VALIDATE_TEST_CFLAGS)
tests_unit_test_gql_validate_limits_LDADD = $(GQL_VALIDATE_TEST_LIBS)

# The test schema, the graphql-js differential test and the fuzz target with
# its seeds (tests/fuzz/run.sh builds it with clang; not part of `make`).
EXTRA_DIST += tests/gql/test-schema.graphql tests/js/gql_validate_diff.test.mjs \
	tests/fuzz/fuzz_gql.c tests/fuzz/run.sh tests/fuzz/corpus
