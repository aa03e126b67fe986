#include "config.h"

#include "audit.h"

#include "audit_entry.h"
#include "log.h"

int audit_record(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                 const char *addr, const char *detail)
{
    struct crm_audit_entry e;
    struct crm_audit_argv av;
    crm_audit_entry_set(&e, actor, action, target, addr, detail);
    int err = crm_audit_entry_encode(&av, &e);
    if (err != 0) {
        log_error("audit %s: %s", action, crm_audit_entry_strerror(err));
        return -1;
    }
    redisReply *rep = crm_redis_argv(r, av.argc, av.argv, av.argvlen);
    if (!rep) {
        log_warn("audit %s not recorded: redis unavailable", action);
        return -1;
    }
    int ok = rep->type == REDIS_REPLY_STRING;
    if (!ok)
        log_warn("audit %s not recorded: %.60s", action, rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
    freeReplyObject(rep);
    return ok ? 0 : -1;
}
