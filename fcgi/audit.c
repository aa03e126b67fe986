#include "config.h"

#include "audit.h"

#include "audit_entry.h"
#include "log.h"
#include "redis_wait.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int audit_record(struct crm_redis *r, int64_t actor, const char *action, const char *target, const char *addr,
                 const char *detail)
{
    return audit_record_patient(r, actor, action, target, addr, detail, 0);
}

int audit_record_patient(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                         const char *addr, const char *detail, int64_t patient)
{
    struct crm_audit_entry e;
    struct crm_audit_argv av;
    crm_audit_entry_set(&e, actor, action, target, addr, detail);
    e.patient_id = patient;
    int err = crm_audit_entry_encode(&av, &e);
    if (err != 0) {
        log_error("audit %s: %s", action, crm_audit_entry_strerror(err));
        return -1;
    }
    /* With CRM_REDIS_MIN_REPLICAS, only a record the replicas have counts. */
    int confirmed = 0;
    redisReply *rep = crm_redis_argv_confirmed(r, av.argc, av.argv, av.argvlen, &confirmed);
    if (!rep) {
        log_warn("audit %s not recorded: redis unavailable", action);
        return -1;
    }
    int ok = rep->type == REDIS_REPLY_STRING && confirmed;
    if (!ok)
        log_warn("audit %s not recorded: %.60s", action,
                 rep->type == REDIS_REPLY_ERROR ? rep->str
                 : confirmed                    ? "?"
                                                : "too few replicas");
    freeReplyObject(rep);
    return ok ? 0 : -1;
}

int audit_record_patients(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                          int user_targets, const char *addr, const char *detail, const int64_t *patients,
                          int n)
{
    if (n <= 0)
        return 0;
    char(*names)[40] = user_targets ? malloc((size_t)n * sizeof *names) : NULL;
    const char **targets = malloc((size_t)n * sizeof *targets),
               **details = malloc((size_t)n * sizeof *details);
    if ((user_targets && !names) || !targets || !details) {
        crm_oom();
    }
    for (int i = 0; i < n; i++) {
        if (user_targets)
            snprintf(names[i], sizeof names[i], "user:%" PRId64, patients[i]);
        targets[i] = user_targets ? names[i] : target;
        details[i] = detail;
    }
    int rc = audit_record_batch(r, actor, action, addr, n, targets, details, patients);
    free(names);
    free(targets);
    free(details);
    return rc;
}

int audit_record_batch(struct crm_redis *r, int64_t actor, const char *action, const char *addr, int n,
                       const char *const *targets, const char *const *details, const int64_t *patients)
{
    if (n <= 0)
        return 0;
    redisContext *c = crm_redis_get(r);
    if (!c) {
        log_warn("audit %s not recorded: redis unavailable", action);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        struct crm_audit_entry e;
        struct crm_audit_argv av;
        crm_audit_entry_set(&e, actor, action, targets[i], addr, details[i]);
        e.patient_id = patients[i];
        int err = crm_audit_entry_encode(&av, &e);
        if (err != 0) {
            log_error("audit %s: %s", action, crm_audit_entry_strerror(err));
            crm_redis_reset(r); /* drops what was appended: no reply goes astray */
            return -1;
        }
        if (redisAppendCommandArgv(c, av.argc, av.argv, av.argvlen) != REDIS_OK) {
            crm_redis_reset(r);
            return -1;
        }
    }
    /* With CRM_REDIS_MIN_REPLICAS, the records count only once the replicas
     * have them: one WAIT after them, in the same round trip. */
    if (crm_redis_wait_append(c) < 0) {
        crm_redis_reset(r);
        return -1;
    }
    int ok = 1;
    for (int i = 0; i < n; i++) {
        redisReply *rep = NULL;
        if (redisGetReply(c, (void **)&rep) != REDIS_OK || !rep) {
            log_warn("audit %s not recorded: redis unavailable", action);
            crm_redis_reset(r);
            return -1;
        }
        if (rep->type != REDIS_REPLY_STRING) {
            log_warn("audit %s not recorded: %.60s", action, rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
            ok = 0;
        }
        freeReplyObject(rep);
    }
    int w = crm_redis_wait_reply(c);
    if (w < 0) {
        crm_redis_reset(r);
        return -1;
    }
    if (!w) {
        log_warn("audit %s not recorded: too few replicas", action);
        ok = 0;
    }
    return ok ? 0 : -1;
}

int audit_record_json(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                      const char *addr, json_object *detail)
{
    return audit_record_json_patient(r, actor, action, target, addr, detail, 0);
}

int audit_record_json_patient(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                              const char *addr, json_object *detail, int64_t patient)
{
    const char *text =
        detail
            ? json_object_to_json_string_ext(detail, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
            : NULL;
    return audit_record_patient(r, actor, action, target, addr, text, patient);
}

void audit_access_denied(struct crm_redis *r, int64_t actor, int64_t room_id, const char *field,
                         const char *addr)
{
    char target[40] = "";
    if (room_id > 0)
        snprintf(target, sizeof target, "room:%" PRId64, room_id);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "field", json_object_new_string(field));
    audit_record_json(r, actor, "access.denied", target, addr, d);
    json_object_put(d);
}
