/* The audit records of subscriptions, like those of reads over HTTP: written to
 * the crm:audit stream (crm-worker stores them), with the socket's peer address. */
#ifndef CRM_PUSH_SUB_AUDIT_H
#define CRM_PUSH_SUB_AUDIT_H

struct sub;

/* Records messages.subscribe for s, then calls granted(s) once Redis took the
 * record: a subscription reads nothing (replay or live) before. When Redis
 * refuses or is away, s fails with INTERNAL_SERVER_ERROR. */
void sub_audit_subscribe(struct sub *s, void (*granted)(struct sub *s));

/* Records access.denied for s's room (a room the user is not in). Best effort:
 * a record Redis does not take is logged. */
void sub_audit_denied(const struct sub *s);

#endif
