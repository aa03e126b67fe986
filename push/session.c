/* graphql-transport-ws host operations (struct gtws_ops) for ws_conn sockets. */
#include "config.h"

#include "session.h"

#include "log.h"
#include "metrics.h"
#include "presence.h"
#include "pushd.h"
#include "redis_link.h"
#include "streams.h"
#include "subs.h"
#include "token.h"
#include "user_cache.h"
#include "user_sockets.h"
#include "ws_conn.h"

#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void op_send(void *host, const char *text, size_t len)
{
    ws_conn_send_text(host, text, len);
}

static void op_close(void *host, int code, const char *reason)
{
    ws_conn_close(host, code, reason);
}

/* The reply to EXISTS crm:revoked:<jti> at connection_init. */
static void on_revoked_reply(redisAsyncContext *ac, void *reply, void *priv)
{
    struct ws_conn *c = priv;
    redisReply *r = reply;
    (void)ac;
    if (!c->dead) {
        int ok = r && r->type == REDIS_REPLY_INTEGER && r->integer == 0;
        if (!ok)
            log_info("socket %d user %lld: token %s at connection_init", c->fd, (long long)c->user_id,
                     r ? "revoked" : "unverifiable (Redis down)");
        if (ok && user_sockets_take(c->user_id, pushd->sockets_share) < 0) {
            log_info("socket %d user %lld: over %d socket(s) per user in this process", c->fd,
                     (long long)c->user_id, pushd->sockets_share);
            push_metrics.sockets_over_user_cap++;
            gtws_close(&c->proto, &session_ops, c, GTWS_CLOSE_TOO_MANY_SOCKETS, "Too many connections");
        } else {
            c->counted = (unsigned)ok;
            c->authed = (unsigned)ok;
            if (ok) { /* the viewer's role decides what others' emails show: load it now */
                push_user_unref(user_cache_lookup(c->user_id));
                if (user_sockets_count(c->user_id) == 1)
                    presence_user_up(c->user_id); /* the user's first socket here */
            }
            gtws_init_done(&c->proto, &session_ops, c, ok);
        }
    }
    ws_conn_unref(c);
}

static void op_init(void *host, const char *token, size_t len)
{
    struct ws_conn *c = host;
    struct crm_token_claims claims;
    const char *secret = pushd->cfg.jwt_secret;
    int rc = crm_token_verify(secret, strlen(secret), token, len, (int64_t)time(NULL), &claims);
    if (rc != CRM_TOKEN_OK) {
        log_info("socket %d: connection_init with a %s token", c->fd,
                 rc == CRM_TOKEN_EXPIRED ? "expired" : "bad");
        gtws_init_done(&c->proto, &session_ops, c, 0);
        return;
    }
    c->user_id = claims.user_id;
    c->token_exp = claims.exp;
    memcpy(c->jti, claims.jti, sizeof c->jti);
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    char key[sizeof CRM_REVOKED_PREFIX + CRM_TOKEN_JTI_LEN];
    size_t klen = (size_t)snprintf(key, sizeof key, "%s%s", CRM_REVOKED_PREFIX, c->jti);
    ws_conn_ref(c);
    if (!ac || redisAsyncCommand(ac, on_revoked_reply, c, "EXISTS %b", key, klen) != REDIS_OK) {
        /* Revocation cannot be checked: refuse rather than trust a revoked token. */
        ws_conn_unref(c);
        log_warn("socket %d: Redis is down; connection_init refused", c->fd);
        gtws_init_done(&c->proto, &session_ops, c, 0);
    }
}

static size_t id_json(char *out, size_t cap, const char *id, size_t len)
{
    return gtws_json_string(out, cap, id, len);
}

static int op_has_id(void *host, const char *id, size_t len)
{
    char buf[GTWS_MAX_ID * 6 + 3];
    size_t n = id_json(buf, sizeof buf, id, len);
    return n && subs_has(host, buf, n);
}

static void op_subscribe(void *host, const char *id, size_t len, json_object *payload)
{
    struct ws_conn *c = host;
    char buf[GTWS_MAX_ID * 6 + 3];
    size_t n = id_json(buf, sizeof buf, id, len);
    if (!n)
        return;
    if (c->nsubs >= WS_MAX_SUBS) {
        gtws_send_error_msg(&c->proto, &session_ops, c, id, len, "BAD_USER_INPUT",
                            "Too many subscriptions on this socket.");
        return;
    }
    subs_start(c, buf, n, payload);
}

static void op_complete(void *host, const char *id, size_t len)
{
    char buf[GTWS_MAX_ID * 6 + 3];
    size_t n = id_json(buf, sizeof buf, id, len);
    if (n)
        subs_complete(host, buf, n);
}

const struct gtws_ops session_ops = {
    .send = op_send,
    .close = op_close,
    .init = op_init,
    .has_id = op_has_id,
    .subscribe = op_subscribe,
    .complete = op_complete,
};

void session_end(struct ws_conn *c)
{
    if (c->counted) {
        c->counted = 0;
        user_sockets_release(c->user_id);
        if (user_sockets_count(c->user_id) == 0)
            presence_user_down(c->user_id);
    }
    subs_end_all(c);
}

void session_drained(struct ws_conn *c)
{
    subs_drained(c);
}

void session_revoked(const char *jti, size_t len)
{
    if (len != CRM_TOKEN_JTI_LEN)
        return;
    for (struct ws_conn *c = pushd->conns, *next; c; c = next) {
        next = c->next;
        if (!c->jti[0] || memcmp(c->jti, jti, len) != 0 || c->closing)
            continue;
        log_info("socket %d user %lld: token revoked", c->fd, (long long)c->user_id);
        push_metrics.revocations++;
        c->authed = 0;
        gtws_close(&c->proto, &session_ops, c, GTWS_CLOSE_FORBIDDEN, "Forbidden");
    }
}
