#include "config.h"

#include "revocation.h"

#include "log.h"
#include "pushd.h"
#include "redis_link.h"
#include "session.h"
#include "streams.h"
#include "ws_conn.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

static int connections; /* successful connections of the pubsub link */

static void on_message(redisAsyncContext *ac, void *reply, void *priv)
{
    redisReply *r = reply;
    (void)ac;
    (void)priv;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3)
        return;
    const redisReply *kind = r->element[0], *payload = r->element[2];
    if (kind->type == REDIS_REPLY_STRING && strcmp(kind->str, "message") == 0 &&
        payload->type == REDIS_REPLY_STRING)
        session_revoked(payload->str, payload->len);
}

/* The reply to EXISTS crm:revoked:<jti> for an open socket after a reconnection. */
static void on_recheck(redisAsyncContext *ac, void *reply, void *priv)
{
    struct ws_conn *c = priv;
    redisReply *r = reply;
    (void)ac;
    if (!c->dead && r && r->type == REDIS_REPLY_INTEGER && r->integer == 1)
        session_revoked(c->jti, strlen(c->jti));
    ws_conn_unref(c);
}

void revocation_on_connect(struct redis_link *link, struct redisAsyncContext *ac, void *arg)
{
    (void)link;
    (void)arg;
    redisAsyncCommand(ac, on_message, NULL, "SUBSCRIBE %s", CRM_REVOKED_CHANNEL);
    if (connections++ == 0)
        return;
    redisAsyncContext *cmd = redis_link_ctx(pushd->cmd);
    if (!cmd)
        return;
    for (struct ws_conn *c = pushd->conns; c; c = c->next) {
        if (!c->authed || c->dead)
            continue;
        char key[64];
        snprintf(key, sizeof key, "%s%s", CRM_REVOKED_PREFIX, c->jti);
        ws_conn_ref(c);
        if (redisAsyncCommand(cmd, on_recheck, c, "EXISTS %s", key) != REDIS_OK)
            ws_conn_unref(c);
    }
}
