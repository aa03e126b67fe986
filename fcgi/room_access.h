/* Rooms as the inbox sees them: the GraphQL Room value, and who may open one.
 * A member may; so may staff and admins for an unassigned conversation (a room
 * with a patient and no assignee), to triage it before taking it. */
#ifndef CRM_API_ROOM_ACCESS_H
#define CRM_API_ROOM_ACCESS_H

#include <json-c/json.h>
#include <libpq-fe.h>
#include <stdint.h>

#include "api.h"

/* A room the caller may open. room is the GraphQL value (owned). */
struct room_access {
    int64_t id;
    int64_t patient_id;  /* 0: none */
    int64_t assignee_id; /* 0: unassigned */
    int member;          /* 1: the caller is a member (0: triage) */
    json_object *room;
};

/* The GraphQL Room value of row i of a statement answering sql.h's room
 * columns: id, name, createdAt, status, tags, updatedAt, and patientId,
 * assigneeId (read by Room.patient, Room.assignee) and publicUpdatedAt (what
 * Room.updatedAt answers a patient: internal notes do not move it). */
json_object *room_json(const PGresult *r, int i);

/* The inbox cursor "<updated_at in us>:<id>" of row i; public_view: on
 * public_updated_at (a patient's inbox). buf: 48 bytes. */
void room_cursor(const PGresult *r, int i, int public_view, char *buf);

/* 1 when the caller (api_require passed) is STAFF or ADMIN. */
int api_is_staff(const struct api_call *call);

/* Resolves the room argument idv to a room the caller may open (members only
 * unless triage is 1). Returns 0 with *out filled (free out->room), or a
 * resolver error: FORBIDDEN, with an access.denied record, whether or not the
 * room exists. */
int room_access(gql_resolve_info *info, struct api_call *call, json_object *idv, int triage,
                struct room_access *out);

/* Drops crm-pushd's cached member set of room after a membership change. */
void room_members_changed(struct api_call *call, int64_t room);

#endif
