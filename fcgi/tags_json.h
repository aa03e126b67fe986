/* A room's tags as PostgreSQL's array_to_json(tags) writes them, read into a
 * json-c array: on its own so that it is tested without a database. */
#ifndef CRM_API_TAGS_JSON_H
#define CRM_API_TAGS_JSON_H

#include <json-c/json.h>

/* The array of s (a JSON array of strings); an empty array when s is not
 * JSON. A new reference. */
json_object *tags_json(const char *s);

#endif
