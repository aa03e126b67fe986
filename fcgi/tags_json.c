#include "config.h"

#include "tags_json.h"

#include <string.h>

/* setTags allows only [a-z0-9-], so a list without escapes is read here
 * directly; anything else goes through json-c's parser, which allocates a
 * tokener and switches locales on every call (once per room of an inbox page,
 * that was a sixth of crm-api's instructions for the page). */
json_object *tags_json(const char *s)
{
    json_object *a = NULL;
    if (s[0] == '[' && !strchr(s, '\\')) {
        int n = 1;
        for (const char *c = s; *c; c++)
            n += *c == ',';
        a = json_object_new_array_ext(n);
        if (a && strcmp(s, "[]") == 0)
            return a;
        for (const char *p = s + 1; a;) {
            const char *e = *p == '"' ? strchr(p + 1, '"') : NULL;
            if (!e)
                break;
            json_object_array_add(a, json_object_new_string_len(p + 1, (int)(e - p - 1)));
            p = e + 1;
            if (strcmp(p, "]") == 0)
                return a;
            if (*p++ != ',')
                break;
        }
        json_object_put(a); /* not the expected shape: the parser decides */
    }
    a = json_tokener_parse(s);
    if (a && !json_object_is_type(a, json_type_array)) {
        json_object_put(a);
        a = NULL;
    }
    return a ? a : json_object_new_array();
}
