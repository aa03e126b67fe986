/* Subscriptions to messageAdded, as session.c starts and ends them: each is
 * checked for membership (membership.c), replays what it missed (replay.c),
 * then takes live entries of its room (rooms.c); its audit record is
 * sub_audit.c's. struct sub is in sub.h. */
#ifndef CRM_PUSH_SUBS_H
#define CRM_PUSH_SUBS_H

#include <json-c/json.h>
#include <stddef.h>

struct ws_conn;

/* Starts subscription id (its JSON-encoded form, quotes included) on c. */
void subs_start(struct ws_conn *c, const char *id_json, size_t id_json_len, json_object *payload);

/* 1 if c has a subscription with this JSON-encoded id. */
int subs_has(struct ws_conn *c, const char *id_json, size_t len);

/* The client completed id (JSON-encoded); unknown ids are ignored. */
void subs_complete(struct ws_conn *c, const char *id_json, size_t len);

/* Drops every subscription of c. */
void subs_end_all(struct ws_conn *c);

/* Continues replays of c that waited for its queue to drain. */
void subs_drained(struct ws_conn *c);

#endif
