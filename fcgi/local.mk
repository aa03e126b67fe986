# crm-api (the FastCGI program) and crm-admin. Included by the top-level
# Makefile.am; only appends to its variables.
bin_PROGRAMS += crm-api crm-admin
crm_api_SOURCES = fcgi/api_main.c fcgi/api.h fcgi/api_util.c \
	fcgi/api_listen.c fcgi/api_listen.h \
	fcgi/graphql_endpoint.c fcgi/graphql_endpoint.h \
	fcgi/health.c fcgi/health.h fcgi/reply.c fcgi/reply.h \
	fcgi/gql_http.c fcgi/gql_http.h \
	fcgi/sql.c fcgi/sql.h fcgi/message.c fcgi/message.h \
	fcgi/send.c fcgi/send.h fcgi/send_reply.c fcgi/send_reply.h fcgi/history.c fcgi/history.h \
	fcgi/auth.c fcgi/auth.h fcgi/audit.c fcgi/audit.h \
	fcgi/ratelimit.c fcgi/ratelimit.h fcgi/hash_slots.c fcgi/hash_slots.h \
	fcgi/resolvers_auth.c fcgi/resolvers_rooms.c fcgi/resolvers_messages.c \
	fcgi/resolvers_admin.c fcgi/room_access.c fcgi/room_access.h fcgi/tags_json.c fcgi/tags_json.h \
	fcgi/resolvers_inbox.c fcgi/resolvers_patients.c fcgi/resolvers_search.c \
	fcgi/resolvers_live.c fcgi/live_events.c fcgi/live_events.h fcgi/unread.c fcgi/unread.h \
	fcgi/presence.c fcgi/presence.h \
	fcgi/last_messages.c fcgi/last_messages.h
crm_api_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS) $(LIBPQ_CFLAGS) $(HIREDIS_CFLAGS) $(JSONC_CFLAGS) \
	$(SODIUM_CFLAGS) $(LIBJWT_CFLAGS)
crm_api_LDADD = $(CRM_LIBS) $(FCGI_LIBS)

crm_admin_SOURCES = fcgi/admin_main.c
crm_admin_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS) $(SODIUM_CFLAGS)
crm_admin_LDADD = $(CRM_LIBS)

check_PROGRAMS += tests/unit/test_gql_http tests/unit/test_send_reply tests/unit/test_tags_json
TESTS += tests/unit/test_gql_http tests/unit/test_send_reply tests/unit/test_tags_json
tests_unit_test_gql_http_SOURCES = tests/unit/test_gql_http.c fcgi/gql_http.c fcgi/gql_http.h
tests_unit_test_gql_http_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/fcgi
tests_unit_test_gql_http_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_send_reply_SOURCES = tests/unit/test_send_reply.c fcgi/send_reply.c fcgi/send_reply.h
tests_unit_test_send_reply_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/fcgi
tests_unit_test_send_reply_LDADD = $(CRM_TEST_LIBS)
tests_unit_test_tags_json_SOURCES = tests/unit/test_tags_json.c fcgi/tags_json.c fcgi/tags_json.h
tests_unit_test_tags_json_CFLAGS = $(CRM_TEST_CFLAGS) -I$(top_srcdir)/fcgi
tests_unit_test_tags_json_LDADD = $(CRM_TEST_LIBS)
