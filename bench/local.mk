# bench/: benchmark programs (not installed, not in the default build: each
# bench script builds its own, e.g. `make bench/ws_load`). Included by the
# top-level Makefile.am; only appends.

# crm-api's ceiling: a FastCGI hello (bench/api_bench.sh).
EXTRA_PROGRAMS += bench/fcgi_hello
bench_fcgi_hello_SOURCES = bench/fcgi_hello.c
bench_fcgi_hello_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS)
bench_fcgi_hello_LDADD = $(FCGI_LIBS)

# crm-pushd's load generator and the write-cost calibration (bench/ws_bench.sh).
EXTRA_PROGRAMS += bench/ws_load bench/ws_calibrate
bench_ws_load_SOURCES = bench/ws_load.c bench/ws_client.c bench/ws_client.h
bench_ws_load_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS)
bench_ws_load_LDADD = $(LIBEVENT_LIBS)
bench_ws_calibrate_SOURCES = bench/ws_calibrate.c

# The clinic mix of live-state events (bench/clinic_mix.sh) and a clinic's day (bench/clinic_day.sh).
EXTRA_PROGRAMS += bench/clinic_load
bench_clinic_load_SOURCES = bench/clinic_load.c bench/ws_client.c bench/ws_client.h
bench_clinic_load_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LIBPQ_CFLAGS)
bench_clinic_load_LDADD = $(LIBEVENT_LIBS) $(LIBPQ_LIBS)

# The disk's durable-write latency beside a benchmark (bench/clinic_day.sh).
EXTRA_PROGRAMS += bench/fsync_probe
bench_fsync_probe_SOURCES = bench/fsync_probe.c

# The GraphQL engine against graphql-js (bench/gql_bench.sh runs both).
EXTRA_PROGRAMS += bench/gql_bench
bench_gql_bench_SOURCES = bench/gql_bench.c
bench_gql_bench_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
bench_gql_bench_LDADD = lib/libcrm.a $(JSONC_LIBS)

CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/lib.sh bench/api_bench.sh bench/ha_bench.sh bench/send_message.lua bench/login.lua bench/me.lua \
	bench/ws_bench.sh bench/clinic_mix.sh bench/clinic_day.sh bench/gql_bench.mjs bench/gql_bench.sh bench/worker_drain.sh \
	bench/worker_drain_gen.mjs bench/inbox_bench.sh bench/gql_post.lua bench/callgrind_api.sh
