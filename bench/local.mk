# bench/: the crm-api benchmark's ceiling (not installed); bench/api_bench.sh
# builds and runs it. Included by the top-level Makefile.am; only appends.
noinst_PROGRAMS += bench/fcgi_hello
bench_fcgi_hello_SOURCES = bench/fcgi_hello.c
bench_fcgi_hello_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS)
bench_fcgi_hello_LDADD = $(FCGI_LIBS)
EXTRA_DIST += bench/api_bench.sh bench/send_message.lua bench/login.lua bench/me.lua
