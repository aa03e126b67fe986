# crm-worker. Included by the top-level Makefile.am: only appends.
bin_PROGRAMS += crm-worker
crm_worker_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS) $(HIREDIS_CFLAGS) $(JSONC_CFLAGS)
crm_worker_LDADD = $(CRM_LIBS)
crm_worker_SOURCES = worker/worker_main.c \
	worker/batch.c worker/batch.h \
	worker/consume.c worker/consume.h \
	worker/persist_batch.c worker/persist_batch.h \
	worker/pg_array.c worker/pg_array.h \
	worker/dead_letter.c worker/dead_letter.h \
	worker/trim.c worker/trim.h \
	worker/metrics.c worker/metrics.h
crm_worker_LDFLAGS = $(AM_LDFLAGS) -pthread

check_PROGRAMS += tests/unit/test_pg_array tests/unit/test_worker_batch
TESTS += tests/unit/test_pg_array tests/unit/test_worker_batch
tests_unit_test_worker_batch_SOURCES = tests/unit/test_worker_batch.c worker/batch.c worker/batch.h
tests_unit_test_worker_batch_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/worker
tests_unit_test_worker_batch_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_pg_array_SOURCES = tests/unit/test_pg_array.c worker/pg_array.c worker/pg_array.h
tests_unit_test_pg_array_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/worker
tests_unit_test_pg_array_LDADD = $(CRM_TEST_LIBS)

EXTRA_DIST += tests/faults
