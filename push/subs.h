/* Subscriptions to messageAdded: membership check, replay of missed messages
 * (stream, or PostgreSQL for cursors older than the stream), and live fan-out of
 * stream entries to every subscription of a room, the payload rendered once per
 * distinct selection and entry. */
#ifndef CRM_PUSH_SUBS_H
#define CRM_PUSH_SUBS_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

struct ws_conn;
struct push_message;

#define SUBS_REPLAY_PAGE 200     /* entries per XRANGE or SELECT while replaying */
#define SUBS_MAX_HELD 10000      /* live entries held for one replaying subscription */
#define SUBS_MEMBERS_TTL 300     /* seconds a room's member set stays cached */

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

/* A live stream entry: sent to the room's subscriptions (m is borrowed). */
void subs_deliver(struct push_message *m);

/* Frees the room table (at exit, after every socket is gone). */
void subs_shutdown(void);

#endif
