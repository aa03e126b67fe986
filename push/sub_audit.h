/* The audit record of a granted subscription (messages.subscribe), like a
 * history read over HTTP: written to the crm:audit stream, stored by crm-worker. */
#ifndef CRM_PUSH_SUB_AUDIT_H
#define CRM_PUSH_SUB_AUDIT_H

struct sub;

/* Best effort: a record Redis does not take is logged, the subscription goes on. */
void sub_audit_subscribe(const struct sub *s);

#endif
