# crm-pushd: the WebSocket daemon. Included by the top-level Makefile.am; only
# appends to its variables.
bin_PROGRAMS += crm-pushd
crm_pushd_SOURCES = push/pushd_main.c \
	push/supervisor.c push/supervisor.h \
	push/http_conn.c push/http_conn.h \
	push/redis_link.c push/redis_link.h \
	push/metrics.c push/metrics.h
crm_pushd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(HIREDIS_CFLAGS) $(JSONC_CFLAGS)
crm_pushd_LDADD = $(CRM_LIBS) $(LIBEVENT_LIBS) $(WSLAY_LIBS)
