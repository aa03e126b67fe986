#include "config.h"

#include "audit_entry.h"

#include "json_strict.h"
#include "stream_entry.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

void crm_audit_entry_set(struct crm_audit_entry *e, int64_t actor_id, const char *action, const char *target,
                         const char *addr, const char *detail)
{
    e->actor_id = actor_id;
    e->action = action ? action : "";
    e->action_len = strlen(e->action);
    e->target = target ? target : "";
    e->target_len = strlen(e->target);
    e->addr = addr ? addr : "";
    e->addr_len = strlen(e->addr);
    e->detail = detail ? detail : "{}";
    e->detail_len = strlen(e->detail);
    e->patient_id = 0;
}

static int addr_ok(const char *s, size_t len)
{
    char buf[CRM_AUDIT_ADDR_MAX + 1];
    unsigned char bin[16];
    if (len == 0)
        return 1;
    if (len > CRM_AUDIT_ADDR_MAX)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return inet_pton(AF_INET, buf, bin) == 1 || inet_pton(AF_INET6, buf, bin) == 1;
}

/* A JSON object in strict syntax (lib/json_strict.h: no single quotes, no
 * trailing bytes, valid UTF-8, no NUL or \u0000, which jsonb refuses). */
static int detail_ok(const char *s, size_t len)
{
    const char *err = NULL;
    if (len == 0 || len > CRM_AUDIT_DETAIL_MAX)
        return 0;
    json_object *o = crm_json_parse_strict(s, len, 0, &err);
    int ok = o && json_object_is_type(o, json_type_object);
    json_object_put(o);
    return ok;
}

int crm_audit_entry_validate(const struct crm_audit_entry *e)
{
    if (e->actor_id < 0)
        return CRM_AUDIT_EACTOR;
    if (e->patient_id < 0)
        return CRM_AUDIT_EPATIENT;
    if (!e->action || e->action_len == 0 || e->action_len > CRM_AUDIT_ACTION_MAX ||
        crm_utf8_count(e->action, e->action_len) < 0)
        return CRM_AUDIT_EACTION;
    if (!e->target || e->target_len > CRM_AUDIT_TARGET_MAX || crm_utf8_count(e->target, e->target_len) < 0)
        return CRM_AUDIT_ETARGET;
    if (!e->addr || !addr_ok(e->addr, e->addr_len))
        return CRM_AUDIT_EADDR;
    if (!e->detail || !detail_ok(e->detail, e->detail_len))
        return CRM_AUDIT_EDETAIL;
    return 0;
}

int crm_audit_entry_encode(struct crm_audit_argv *out, const struct crm_audit_entry *e)
{
    int rc = crm_audit_entry_validate(e);
    if (rc < 0)
        return rc;
    if (e->actor_id > 0)
        snprintf(out->actor, sizeof out->actor, "%" PRId64, e->actor_id);
    else
        out->actor[0] = '\0';
    const char *argv[CRM_AUDIT_ARGC - 2] = {"XADD",   "crm:audit", "*",      "actor",   out->actor,
                                            "action", e->action,   "target", e->target, "addr",
                                            e->addr,  "detail",    e->detail};
    size_t lens[CRM_AUDIT_ARGC - 2] = {
        4, 9, 1, 5, strlen(out->actor), 6, e->action_len, 6, e->target_len, 4, e->addr_len, 6, e->detail_len};
    memcpy(out->argv, argv, sizeof argv);
    memcpy(out->argvlen, lens, sizeof lens);
    out->argc = CRM_AUDIT_ARGC - 2;
    if (e->patient_id > 0) {
        snprintf(out->patient, sizeof out->patient, "%" PRId64, e->patient_id);
        out->argv[out->argc] = "patient", out->argvlen[out->argc] = 7;
        out->argv[out->argc + 1] = out->patient, out->argvlen[out->argc + 1] = strlen(out->patient);
        out->argc += 2;
    }
    return 0;
}

static int is_str(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

int crm_audit_entry_parse_from(const redisReply *fields, size_t first, struct crm_audit_entry *out)
{
    static const char *const names[CRM_AUDIT_FIELDS + 1] = {"actor", "action", "target",
                                                            "addr",  "detail", "patient"};
    const redisReply *vals[CRM_AUDIT_FIELDS + 1] = {NULL};
    if (!fields || fields->type != REDIS_REPLY_ARRAY || first > fields->elements ||
        (fields->elements - first) % 2 != 0)
        return CRM_AUDIT_EFORMAT;
    for (size_t i = first; i < fields->elements; i += 2) {
        const redisReply *f = fields->element[i], *v = fields->element[i + 1];
        if (!is_str(f) || !is_str(v))
            return CRM_AUDIT_EFORMAT;
        size_t k = 0;
        while (k < CRM_AUDIT_FIELDS + 1 &&
               !(strlen(names[k]) == (size_t)f->len && memcmp(names[k], f->str, f->len) == 0))
            k++;
        if (k == CRM_AUDIT_FIELDS + 1 || vals[k])
            return CRM_AUDIT_EFORMAT;
        vals[k] = v;
    }
    for (size_t k = 0; k < CRM_AUDIT_FIELDS; k++)
        if (!vals[k])
            return CRM_AUDIT_EFORMAT;
    memset(out, 0, sizeof *out);
    if (vals[0]->len > 0 && crm_decimal_id_parse(vals[0]->str, (size_t)vals[0]->len, &out->actor_id) < 0)
        return CRM_AUDIT_EACTOR;
    out->action = vals[1]->str, out->action_len = (size_t)vals[1]->len;
    out->target = vals[2]->str, out->target_len = (size_t)vals[2]->len;
    out->addr = vals[3]->str, out->addr_len = (size_t)vals[3]->len;
    out->detail = vals[4]->str, out->detail_len = (size_t)vals[4]->len;
    if (vals[5] && crm_decimal_id_parse(vals[5]->str, (size_t)vals[5]->len, &out->patient_id) < 0)
        return CRM_AUDIT_EPATIENT;
    return crm_audit_entry_validate(out);
}

const char *crm_audit_entry_strerror(int err)
{
    switch (err) {
    case CRM_AUDIT_OK:
        return "ok";
    case CRM_AUDIT_EFORMAT:
        return "malformed audit entry: field unknown, repeated or missing";
    case CRM_AUDIT_EACTOR:
        return "malformed audit entry: actor is not empty or a decimal id";
    case CRM_AUDIT_EACTION:
        return "malformed audit entry: action is empty, too long or not UTF-8";
    case CRM_AUDIT_ETARGET:
        return "malformed audit entry: target too long or not UTF-8";
    case CRM_AUDIT_EADDR:
        return "malformed audit entry: addr is not an IP address";
    case CRM_AUDIT_EDETAIL:
        return "malformed audit entry: detail is not a JSON object";
    case CRM_AUDIT_EPATIENT:
        return "malformed audit entry: patient is not a decimal id";
    default:
        return "unknown error";
    }
}
