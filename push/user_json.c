#include "config.h"

#include "user_json.h"

#include <inttypes.h>
#include <stdio.h>

json_object *user_json(int64_t id, const char *email, const char *display_name, const char *role,
                       const char *created_at, int hide_email, int online)
{
    char sid[24];
    snprintf(sid, sizeof sid, "%" PRId64, id);
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "id", json_object_new_string(sid));
    json_object_object_add(o, "email", json_object_new_string(hide_email ? "" : email));
    json_object_object_add(o, "displayName", json_object_new_string(display_name));
    json_object_object_add(o, "role", json_object_new_string(role));
    json_object_object_add(o, "createdAt", json_object_new_string(created_at));
    json_object_object_add(o, "online", json_object_new_boolean(online));
    return o;
}
