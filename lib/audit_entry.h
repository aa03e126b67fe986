/* The audit stream entry (crm:audit): written by crm-api for every read of
 * messages, every login (also failed) and every membership change, persisted by
 * crm-worker into audit_log (append-only, stream_id unique). Fields, in order:
 *
 *   actor   acting user id (decimal) or "" (a failed login of an unknown email)
 *   action  1..64 bytes of UTF-8, e.g. "login.failed", "messages.read"
 *   target  what was acted on, e.g. "room:12"; 0..256 bytes of UTF-8, "" for none
 *   addr    client IP address (IPv4 or IPv6 text) or ""
 *   detail  a JSON object, at most 8192 bytes ("{}" when there is nothing)
 *
 * and, when the action touched a patient's data (absent otherwise):
 *
 *   patient the patient's user id (decimal): audit_log.patient_id
 *
 * The entry ID is audit_log.stream_id and its ms part audit_log.at. Never put PHI
 * or tokens in an audit entry: ids only. */
#ifndef CRM_AUDIT_ENTRY_H
#define CRM_AUDIT_ENTRY_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#define CRM_AUDIT_ACTION_MAX 64
#define CRM_AUDIT_TARGET_MAX 256
#define CRM_AUDIT_DETAIL_MAX 8192
#define CRM_AUDIT_ADDR_MAX 45 /* INET6_ADDRSTRLEN - 1 */
#define CRM_AUDIT_FIELDS 5    /* required; "patient" is optional */

enum crm_audit_err {
    CRM_AUDIT_OK = 0,
    CRM_AUDIT_EFORMAT = -1,  /* not field/value strings, or a field unknown, repeated or missing */
    CRM_AUDIT_EACTOR = -2,   /* actor neither "" nor a positive decimal int64 */
    CRM_AUDIT_EACTION = -3,  /* action empty, too long or not UTF-8 */
    CRM_AUDIT_ETARGET = -4,  /* target too long or not UTF-8 */
    CRM_AUDIT_EADDR = -5,    /* addr neither "" nor an IPv4/IPv6 address */
    CRM_AUDIT_EDETAIL = -6,  /* detail not a JSON object, too long, or holding \u0000 */
    CRM_AUDIT_EPATIENT = -7, /* patient present but not a positive decimal int64 */
};

/* A decoded audit entry; strings are borrowed (not NUL-terminated). actor_id is
 * 0 when there is no actor. */
struct crm_audit_entry {
    int64_t actor_id;
    const char *action;
    size_t action_len;
    const char *target;
    size_t target_len;
    const char *addr;
    size_t addr_len;
    const char *detail;
    size_t detail_len;
    int64_t patient_id; /* 0: the action touched no patient's data */
};

/* argv of `XADD crm:audit * actor A action X target T addr IP detail D`. Strings
 * point into this struct and the entry: keep both alive while it is used. */
#define CRM_AUDIT_ARGC (3 + 2 * (CRM_AUDIT_FIELDS + 1))
struct crm_audit_argv {
    int argc;
    const char *argv[CRM_AUDIT_ARGC];
    size_t argvlen[CRM_AUDIT_ARGC];
    char actor[24];   /* decimal actor id or "" */
    char patient[24]; /* decimal patient id, when there is one */
};

/* Fills e for the common case from NUL-terminated strings: actor_id 0 for none,
 * target/addr NULL for none, detail NULL for "{}"; no patient. Nothing is copied. */
void crm_audit_entry_set(struct crm_audit_entry *e, int64_t actor_id, const char *action, const char *target,
                         const char *addr, const char *detail);

/* Validates e and fills out with the XADD argv for CRM_AUDIT_STREAM.
 * Returns 0 or the crm_audit_err of the first invalid field. */
int crm_audit_entry_encode(struct crm_audit_argv *out, const struct crm_audit_entry *e);

/* Validates a decoded entry. Returns 0 or a crm_audit_err. */
int crm_audit_entry_validate(const struct crm_audit_entry *e);

/* Parses the field/value array of an audit entry from element `first` on; out
 * borrows from fields. Returns 0 or a crm_audit_err. */
int crm_audit_entry_parse_from(const redisReply *fields, size_t first, struct crm_audit_entry *out);

const char *crm_audit_entry_strerror(int err);

#endif
