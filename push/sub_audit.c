#include "config.h"

#include "sub_audit.h"

#include "audit_entry.h"
#include "log.h"
#include "pushd.h"
#include "redis_link.h"
#include "sub.h"
#include "sub_query.h"
#include "ws_conn.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

/* The socket's peer address ("" when unknown). It is the client's own for a
 * direct connection; through lighttpd's /ws proxy it is the proxy's:
 * X-Forwarded-For is not read, as nothing here says which peer is a proxy to
 * be trusted. */
static void peer_addr(int fd, char out[INET6_ADDRSTRLEN])
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    out[0] = '\0';
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
        return;
    const void *a = ss.ss_family == AF_INET    ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
                    : ss.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
                                               : NULL;
    if (!a || !inet_ntop(ss.ss_family, a, out, INET6_ADDRSTRLEN))
        out[0] = '\0';
}

/* XADDs a record of s's socket user on s's room: 0 when sent (its reply goes
 * to cb, or nowhere with cb NULL), -1 when it could not be. */
static int audit_send(const struct sub *s, const char *action, const char *detail, int64_t patient,
                      redisCallbackFn *cb, void *priv)
{
    char target[40], addr[INET6_ADDRSTRLEN];
    struct crm_audit_entry e;
    struct crm_audit_argv av;
    if (s->kind == SUB_KIND_INBOX)
        snprintf(target, sizeof target, "inbox");
    else
        snprintf(target, sizeof target, "room:%" PRId64, s->room_id);
    peer_addr(s->conn->fd, addr);
    crm_audit_entry_set(&e, s->conn->user_id, action, target, addr, detail);
    e.patient_id = patient;
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (crm_audit_entry_encode(&av, &e) != 0 || !ac ||
        redisAsyncCommandArgv(ac, cb, priv, av.argc, av.argv, av.argvlen) != REDIS_OK)
        return -1;
    return 0;
}

struct audit_wait {
    struct sub_ref *ref;
    void (*granted)(struct sub *s);
};

static void refuse(struct sub *s, const char *why)
{
    log_warn("audit %s for room %" PRId64 " not recorded (%.60s): refused",
             s->kind == SUB_KIND_INBOX ? "inbox.subscribe" : "messages.subscribe", s->room_id, why);
    sub_fail(s, "INTERNAL_SERVER_ERROR", "The service is temporarily unavailable; try again.");
}

static void on_recorded(redisAsyncContext *ac, void *reply, void *priv)
{
    (void)ac;
    struct audit_wait *w = priv;
    void (*granted)(struct sub *) = w->granted;
    struct sub *s = sub_ref_take(w->ref);
    free(w);
    if (!s)
        return;
    redisReply *r = reply;
    if (!r || r->type != REDIS_REPLY_STRING) {
        refuse(s, r && r->type == REDIS_REPLY_ERROR ? r->str : "redis unavailable");
        return;
    }
    granted(s);
}

void sub_audit_subscribe(struct sub *s, void (*granted)(struct sub *s))
{
    struct audit_wait *w = malloc(sizeof *w);
    if (!w) {
        crm_oom();
    }
    w->ref = sub_ref_new(s);
    w->granted = granted;
    int rc = s->kind == SUB_KIND_INBOX ? audit_send(s, "inbox.subscribe", "{}", 0, on_recorded, w)
                                       : audit_send(s, "messages.subscribe",
                                                    s->has_after ? "{\"resume\":true}" : "{\"resume\":false}",
                                                    s->patient_id, on_recorded, w);
    if (rc < 0) {
        sub_ref_take(w->ref);
        free(w);
        refuse(s, "redis unavailable");
    }
}

void sub_audit_denied(const struct sub *s)
{
    const char *detail =
        s->kind == SUB_KIND_TYPING ? "{\"field\":\"typing\"}" : "{\"field\":\"messageAdded\"}";
    if (audit_send(s, "access.denied", detail, 0, NULL, NULL) < 0)
        log_warn("audit access.denied for room %" PRId64 " not recorded", s->room_id);
}
