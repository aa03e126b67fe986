# GraphQL engine tests and tools (its sources are listed in lib/local.mk).
# Included by the top-level Makefile.am: only appends (+=) to its variables.

# Debug and differential-test driver: gqltool parse|schema FILE
noinst_PROGRAMS += tests/gql/gqltool
tests_gql_gqltool_SOURCES = tests/gql/gqltool.c
tests_gql_gqltool_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
tests_gql_gqltool_LDADD = lib/libcrm.a $(JSONC_LIBS)

check_PROGRAMS += tests/unit/test_gql_lexer tests/unit/test_gql_parser tests/unit/test_gql_schema
TESTS += tests/unit/test_gql_lexer tests/unit/test_gql_parser tests/unit/test_gql_schema

tests_unit_test_gql_lexer_SOURCES = tests/unit/test_gql_lexer.c
tests_unit_test_gql_lexer_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_gql_lexer_LDADD = lib/libcrm.a $(CMOCKA_LIBS) $(JSONC_LIBS)

tests_unit_test_gql_parser_SOURCES = tests/unit/test_gql_parser.c
tests_unit_test_gql_parser_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_gql_parser_LDADD = lib/libcrm.a $(CMOCKA_LIBS) $(JSONC_LIBS)

tests_unit_test_gql_schema_SOURCES = tests/unit/test_gql_schema.c
tests_unit_test_gql_schema_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS)
tests_unit_test_gql_schema_LDADD = lib/libcrm.a $(CMOCKA_LIBS) $(JSONC_LIBS)

# The parse corpus and the graphql-js differential test (run with node --test).
EXTRA_DIST += tests/gql/corpus tests/js/gql_parse_diff.test.mjs
