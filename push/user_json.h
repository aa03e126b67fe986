/* A User as the subscriptions show it (typing, inboxUpdated), as json-c: the
 * email is "" when the viewer may not see it (a patient viewing someone else,
 * crm-api's rule), online as the presence lookup found it. */
#ifndef CRM_PUSH_USER_JSON_H
#define CRM_PUSH_USER_JSON_H

#include <json-c/json.h>
#include <stdint.h>

json_object *user_json(int64_t id, const char *email, const char *display_name, const char *role,
                       const char *created_at, int hide_email, int online);

#endif
