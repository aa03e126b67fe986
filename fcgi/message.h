/* A message as crm-api hands it to GraphQL, whether it is still only in the
 * stream (PENDING) or already in PostgreSQL (PERSISTED). Its id and cursor are
 * both the stream entry ID, so they never change when it is persisted. */
#ifndef CRM_API_MESSAGE_H
#define CRM_API_MESSAGE_H

#include <json-c/json.h>
#include <stdint.h>

#include "stream_entry.h"

struct api_message {
    uint64_t ms, seq; /* stream position */
    int64_t room_id;
    int64_t sender_id;
    char *body;    /* owned, NUL-terminated */
    char *key;     /* owned, NUL-terminated idempotency key */
    int persisted; /* 1: read from PostgreSQL */
    int internal;  /* 1: a staff-only note */
};

/* Fills m from a decoded stream entry and its ID; copies the strings.
 * Returns 0, or -1 when out of memory or the ID is malformed. */
int api_message_from_entry(struct api_message *m, const char *id, size_t id_len,
                           const struct crm_stream_entry *e);

/* Frees the strings of m; a zeroed m is fine. */
void api_message_deinit(struct api_message *m);

/* The GraphQL Message value: id, roomId, body, idempotencyKey, createdAt, status,
 * cursor, internal, and senderId (read by the Message.sender resolver). NULL when out of
 * memory. */
json_object *api_message_to_json(const struct api_message *m);

/* Writes "<ms>-<seq>" into buf (CRM_ENTRY_ID_MAX bytes). */
void api_message_cursor(const struct api_message *m, char *buf);

/* Formats ms since the epoch as ISO-8601 UTC with milliseconds into buf (32 bytes). */
void api_format_ms(uint64_t ms, char *buf);

/* Compares positions: <0, 0, >0. */
int api_message_cmp(const struct api_message *a, const struct api_message *b);

#endif
