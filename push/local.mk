# crm-pushd: the WebSocket daemon. Included by the top-level Makefile.am; only
# appends to its variables.
bin_PROGRAMS += crm-pushd
crm_pushd_SOURCES = push/pushd_main.c push/pushd.h \
	push/http_conn.c push/http_conn.h \
	push/redis_link.c push/redis_link.h \
	push/metrics.c push/metrics.h \
	push/ws_handshake.c push/ws_handshake.h \
	push/gtws.c push/gtws.h \
	push/message.c push/message.h \
	push/sub_query.c push/sub_query.h \
	push/ws_conn.c push/ws_conn.h push/ws_outq.c push/ws_outq.h \
	push/ws_uring.c push/ws_uring.h \
	push/session.c push/session.h \
	push/user_sockets.c push/user_sockets.h \
	push/subs.c push/subs.h push/sub.h \
	push/membership.c push/membership.h \
	push/replay.c push/replay.h \
	push/rooms.c push/rooms.h push/room_table.c push/room_table.h push/seen_keys.c push/seen_keys.h \
	push/payload_cache.c push/payload_cache.h \
	push/sub_audit.c push/sub_audit.h \
	push/pg_link.c push/pg_link.h \
	push/pushd_sql.c push/pushd_sql.h \
	push/user_cache.c push/user_cache.h \
	push/stream_reader.c push/stream_reader.h \
	push/xread_reply.c push/xread_reply.h \
	push/revocation.c push/revocation.h \
	push/presence.c push/presence.h \
	push/live_events.c push/live_events.h \
	push/typing.c push/typing.h \
	push/inbox.c push/inbox.h push/inbox_snap.c push/inbox_snap.h \
	push/user_json.c push/user_json.h
crm_pushd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(HIREDIS_CFLAGS) $(JSONC_CFLAGS) \
	$(LIBPQ_CFLAGS) $(SODIUM_CFLAGS) $(LIBURING_CFLAGS)
crm_pushd_LDADD = $(CRM_LIBS) $(LIBEVENT_LIBS) $(WSLAY_LIBS) $(LIBURING_LIBS)

# Unit tests of crm-pushd's pure parts: handshake, protocol state machine,
# selection plans.
check_PROGRAMS += tests/unit/test_ws_handshake tests/unit/test_ws_gtws tests/unit/test_ws_sub_query
TESTS += tests/unit/test_ws_handshake tests/unit/test_ws_gtws tests/unit/test_ws_sub_query
tests_unit_test_ws_handshake_SOURCES = tests/unit/test_ws_handshake.c \
	push/ws_handshake.c push/ws_handshake.h
tests_unit_test_ws_handshake_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/push
tests_unit_test_ws_handshake_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_ws_gtws_SOURCES = tests/unit/test_ws_gtws.c push/gtws.c push/gtws.h
tests_unit_test_ws_gtws_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/push
tests_unit_test_ws_gtws_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_ws_sub_query_SOURCES = tests/unit/test_ws_sub_query.c \
	push/sub_query.c push/sub_query.h push/message.c push/message.h
tests_unit_test_ws_sub_query_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/push
tests_unit_test_ws_sub_query_LDADD = $(CRM_TEST_LIBS)

# crm-pushd's sockets on a real loop (ws_conn_close_all); every module the
# session reaches is linked, pushd_main.c's globals are the test's own.
check_PROGRAMS += tests/unit/test_ws_conn
TESTS += tests/unit/test_ws_conn
tests_unit_test_ws_conn_SOURCES = tests/unit/test_ws_conn.c \
	push/ws_conn.c push/ws_outq.c push/ws_uring.c push/session.c push/user_sockets.c push/subs.c push/membership.c push/replay.c \
	push/rooms.c push/room_table.c push/seen_keys.c push/payload_cache.c push/sub_audit.c push/pg_link.c push/pushd_sql.c \
	push/user_cache.c push/sub_query.c push/message.c push/gtws.c push/metrics.c \
	push/redis_link.c push/presence.c push/typing.c push/inbox.c push/inbox_snap.c push/user_json.c
tests_unit_test_ws_conn_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/push $(LIBEVENT_CFLAGS) \
	$(HIREDIS_CFLAGS) $(LIBURING_CFLAGS)
tests_unit_test_ws_conn_LDADD = $(CRM_TEST_LIBS) $(LIBEVENT_LIBS) $(WSLAY_LIBS) $(LIBURING_LIBS)

# Batched sends through io_uring on real socket pairs: bytes, EAGAIN, EPIPE.
check_PROGRAMS += tests/unit/test_ws_uring
TESTS += tests/unit/test_ws_uring
tests_unit_test_ws_uring_SOURCES = tests/unit/test_ws_uring.c push/ws_uring.c push/ws_uring.h
tests_unit_test_ws_uring_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/push $(LIBURING_CFLAGS)
tests_unit_test_ws_uring_LDADD = $(CRM_TEST_LIBS) $(LIBURING_LIBS)

# The output queue and frame header (a writev stub taking odd-sized pieces) and
# the XREAD reply walk.
check_PROGRAMS += tests/unit/test_ws_outq tests/unit/test_xread_reply
TESTS += tests/unit/test_ws_outq tests/unit/test_xread_reply
tests_unit_test_ws_outq_SOURCES = tests/unit/test_ws_outq.c push/ws_outq.c push/ws_outq.h \
	push/message.c push/message.h
tests_unit_test_ws_outq_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/push
tests_unit_test_ws_outq_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_xread_reply_SOURCES = tests/unit/test_xread_reply.c push/xread_reply.c push/xread_reply.h
tests_unit_test_xread_reply_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/push
tests_unit_test_xread_reply_LDADD = $(CRM_TEST_LIBS)
