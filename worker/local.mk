# crm-worker and the shared code it brought (stream entry, audit entry, dead
# letters, queue stats). Included by the top-level Makefile.am: only appends.

lib_libcrm_a_SOURCES += \
	lib/stream_entry.c lib/stream_entry.h \
	lib/persisted_boundary.c lib/persisted_boundary.h \
	lib/audit_entry.c lib/audit_entry.h \
	lib/dead_letters.c lib/dead_letters.h \
	lib/queue_stats.c lib/queue_stats.h

crm_worker_SOURCES = worker/worker_main.c \
	worker/batch.c worker/batch.h \
	worker/consume.c worker/consume.h \
	worker/persist_batch.c worker/persist_batch.h \
	worker/pg_array.c worker/pg_array.h \
	worker/dead_letter.c worker/dead_letter.h \
	worker/trim.c worker/trim.h \
	worker/metrics.c worker/metrics.h
crm_worker_LDFLAGS = $(AM_LDFLAGS) -pthread

check_PROGRAMS += tests/unit/test_persisted_boundary tests/unit/test_stream_entry tests/unit/test_audit_entry tests/unit/test_pg_array \
	tests/unit/test_worker_batch
TESTS += tests/unit/test_persisted_boundary tests/unit/test_stream_entry tests/unit/test_audit_entry tests/unit/test_pg_array \
	tests/unit/test_worker_batch
tests_unit_test_worker_batch_SOURCES = tests/unit/test_worker_batch.c worker/batch.c worker/batch.h
tests_unit_test_worker_batch_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/worker
tests_unit_test_worker_batch_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_stream_entry_SOURCES = tests/unit/test_stream_entry.c
tests_unit_test_persisted_boundary_SOURCES = tests/unit/test_persisted_boundary.c
tests_unit_test_persisted_boundary_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_persisted_boundary_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_stream_entry_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_stream_entry_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_audit_entry_SOURCES = tests/unit/test_audit_entry.c
tests_unit_test_audit_entry_CFLAGS = $(CRM_TEST_CFLAGS)
tests_unit_test_audit_entry_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_pg_array_SOURCES = tests/unit/test_pg_array.c worker/pg_array.c worker/pg_array.h
tests_unit_test_pg_array_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/worker
tests_unit_test_pg_array_LDADD = $(CRM_TEST_LIBS)

EXTRA_DIST += tests/faults bench/worker_drain.sh bench/worker_drain_gen.mjs

# Test driver of lib/dead_letters and lib/queue_stats (tests/faults, tests/integration).
noinst_PROGRAMS += tests/worker/dltool
tests_worker_dltool_SOURCES = tests/worker/dltool.c
tests_worker_dltool_CFLAGS = $(AM_CFLAGS) $(HIREDIS_CFLAGS) $(JSONC_CFLAGS)
tests_worker_dltool_LDADD = $(CRM_LIBS)
