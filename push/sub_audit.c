#include "config.h"

#include "sub_audit.h"

#include "audit_entry.h"
#include "log.h"
#include "pushd.h"
#include "redis_link.h"
#include "sub.h"
#include "ws_conn.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>

void sub_audit_subscribe(const struct sub *s)
{
    char target[40];
    struct crm_audit_entry e;
    struct crm_audit_argv av;
    snprintf(target, sizeof target, "room:%" PRId64, s->room_id);
    crm_audit_entry_set(&e, s->conn->user_id, "messages.subscribe", target, NULL,
                        s->has_after ? "{\"resume\":true}" : "{\"resume\":false}");
    redisAsyncContext *ac = redis_link_ctx(pushd->cmd);
    if (crm_audit_entry_encode(&av, &e) != 0 || !ac ||
        redisAsyncCommandArgv(ac, NULL, NULL, av.argc, av.argv, av.argvlen) != REDIS_OK)
        log_warn("audit messages.subscribe for room %" PRId64 " not recorded", s->room_id);
}
