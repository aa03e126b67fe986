/* Audit records from crm-api: XADDed to the audit stream, persisted by crm-worker. */
#ifndef CRM_API_AUDIT_H
#define CRM_API_AUDIT_H

#include <json-c/json.h>
#include <stdint.h>

#include "redis_sync.h"

/* Records action by actor (0: none) on target (may be NULL) from addr (may be
 * NULL), with detail a JSON object text (NULL: {}). Ids only, never PHI. Returns 0,
 * or -1 when Redis did not take it (logged: the caller decides whether the
 * operation may go on without its record). */
int audit_record(struct crm_redis *r, int64_t actor, const char *action, const char *target, const char *addr,
                 const char *detail);

/* audit_record of an action that touched the data of patient (a user id; 0:
 * none), which goes into audit_log.patient_id: "who read this patient's data"
 * is then one query. */
int audit_record_patient(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                         const char *addr, const char *detail, int64_t patient);

/* n records of one action by actor, each on the data of patients[i] (target
 * "user:ID" when user_targets, else target for all), with one detail text;
 * written in one pipelined round trip (one fsync with appendfsync always, not
 * n). Returns 0, or -1 when Redis did not take every one (logged). */
int audit_record_patients(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                          int user_targets, const char *addr, const char *detail, const int64_t *patients,
                          int n);

/* n records of one action by actor, record i on targets[i] with details[i]
 * (a JSON object text) and patients[i] (0: none), written in one pipelined
 * round trip. Returns 0, or -1 when Redis did not take every one (logged). */
int audit_record_batch(struct crm_redis *r, int64_t actor, const char *action, const char *addr, int n,
                       const char *const *targets, const char *const *details, const int64_t *patients);

/* audit_record with detail a JSON object (NULL: {}), serialised here; detail is
 * borrowed. */
int audit_record_json(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                      const char *addr, json_object *detail);

/* audit_record_json of an action on the data of patient (0: none). */
int audit_record_json_patient(struct crm_redis *r, int64_t actor, const char *action, const char *target,
                              const char *addr, json_object *detail, int64_t patient);

/* Records a refused access to a room (FORBIDDEN: not a member, or no such room)
 * as `access.denied` on room:ID with the field that asked ({"field": ...}).
 * room_id 0: the id did not parse (target ""). Logged when not recorded: the
 * request is refused either way. */
void audit_access_denied(struct crm_redis *r, int64_t actor, int64_t room_id, const char *field,
                         const char *addr);

#endif
