/* Strict JSON input on top of json-c, which is lenient unless told otherwise
 * (trailing bytes, single quotes, invalid UTF-8 and \u0000 all pass by default). */
#ifndef CRM_JSON_STRICT_H
#define CRM_JSON_STRICT_H

#include <json-c/json.h>
#include <stddef.h>

#define CRM_JSON_MAX_DEPTH 32 /* nesting levels of arrays and objects */

/* Parses exactly len bytes as one JSON value: RFC 8259 syntax only, valid UTF-8,
 * no NUL in any string, no key twice in one object (json-c would keep the last
 * silently), at most max_depth levels (0: CRM_JSON_MAX_DEPTH).
 * Returns a new object the caller puts (json_object_put) or NULL with *err set to
 * a constant message. A JSON null is returned as NULL with *err NULL. */
json_object *crm_json_parse_strict(const char *text, size_t len, int max_depth, const char **err);

#endif
