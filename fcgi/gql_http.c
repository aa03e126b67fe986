#include "config.h"

#include "gql_http.h"

#include "json_strict.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Case-insensitive match of a media type at s, ending at ';', ',', space or NUL. */
static int media_is(const char *s, size_t n, const char *type)
{
    size_t tl = strlen(type);
    return n == tl && strncasecmp(s, type, tl) == 0;
}

int gql_http_negotiate(const char *accept, enum gql_http_media *out)
{
    if (!accept || !*accept) {
        *out = GQL_MEDIA_JSON;
        return 0;
    }
    int json = 0, gql = 0, any = 0;
    const char *p = accept;
    while (*p) {
        p += strspn(p, " \t,");
        const char *start = p;
        size_t n = strcspn(p, ";, \t");
        /* q=0 means "not acceptable"; anything else counts. */
        const char *end = p + strcspn(p, ",");
        const char *q = start;
        int refused = 0;
        while ((q = strchr(q, ';')) && q < end) {
            q++;
            q += strspn(q, " \t");
            if (strncasecmp(q, "q=0", 3) == 0 && strspn(q + 3, ".0") == strcspn(q + 3, ", ;\t"))
                refused = 1;
        }
        if (!refused) {
            if (media_is(start, n, "application/graphql-response+json"))
                gql = 1;
            else if (media_is(start, n, "application/json"))
                json = 1;
            else if (media_is(start, n, "*/*") || media_is(start, n, "application/*"))
                any = 1;
        }
        p = *end ? end + 1 : end;
    }
    if (gql) {
        *out = GQL_MEDIA_GRAPHQL_RESPONSE;
        return 0;
    }
    if (json || any) {
        *out = GQL_MEDIA_JSON;
        return 0;
    }
    return 406;
}

const char *gql_http_media_type(enum gql_http_media m)
{
    return m == GQL_MEDIA_GRAPHQL_RESPONSE ? "application/graphql-response+json; charset=utf-8"
                                           : "application/json; charset=utf-8";
}

/* Fills r->query/operation_name/variables from the members of a request object.
 * Returns 0 or 400. */
static int take_params(json_object *obj, json_object *vars_override, struct gql_http_req *r, const char **err)
{
    json_object *q, *op, *vars;
    if (!json_object_is_type(obj, json_type_object)) {
        *err = "the body must be a JSON object";
        return 400;
    }
    if (!json_object_object_get_ex(obj, "query", &q) || !json_object_is_type(q, json_type_string)) {
        *err = "the request must have a string `query`";
        return 400;
    }
    r->query = json_object_get_string(q);
    r->query_len = (size_t)json_object_get_string_len(q);
    if (json_object_object_get_ex(obj, "operationName", &op) && op) {
        if (!json_object_is_type(op, json_type_string)) {
            *err = "`operationName` must be a string or null";
            return 400;
        }
        r->operation_name = json_object_get_string(op);
    }
    vars = vars_override;
    if (!vars_override && json_object_object_get_ex(obj, "variables", &vars) && vars &&
        !json_object_is_type(vars, json_type_object)) {
        *err = "`variables` must be an object or null";
        return 400;
    }
    r->variables = vars;
    json_object *ext;
    if (json_object_object_get_ex(obj, "extensions", &ext) && ext &&
        !json_object_is_type(ext, json_type_object)) {
        *err = "`extensions` must be an object or null";
        return 400;
    }
    return 0;
}

int gql_http_parse_post(const char *content_type, const char *body, size_t len, struct gql_http_req *r,
                        const char **err)
{
    memset(r, 0, sizeof *r);
    size_t n = content_type ? strcspn(content_type, "; \t") : 0;
    if (!content_type || !media_is(content_type, n, "application/json")) {
        *err = "Content-Type must be application/json";
        return 415;
    }
    /* Only UTF-8 is JSON (RFC 8259); a charset parameter must say so. */
    const char *cs = strcasestr(content_type, "charset=");
    if (cs) {
        cs += 8;
        cs += *cs == '"';
        if (strncasecmp(cs, "utf-8", 5) != 0 && strncasecmp(cs, "utf8", 4) != 0) {
            *err = "the body must be UTF-8";
            return 415;
        }
    }
    r->body = crm_json_parse_strict(body, len, 0, err);
    if (!r->body) {
        if (!*err)
            *err = "the body must be a JSON object";
        return 400;
    }
    return take_params(r->body, NULL, r, err);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) ('+' is a space) into a new string; NULL for a bad
 * escape, NUL or invalid UTF-8. *outlen gets the decoded length. */
static char *url_decode(const char *s, size_t n, size_t *outlen)
{
    char *out = malloc(n + 1);
    size_t o = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    if (crm_utf8_count(out, o) < 0) {
        free(out);
        return NULL;
    }
    *outlen = o;
    return out;
}

int gql_http_parse_get(const char *qs, struct gql_http_req *r, const char **err)
{
    memset(r, 0, sizeof *r);
    if (!qs)
        qs = "";
    if (strlen(qs) > CRM_MAX_QUERY_STRING) {
        *err = "the query string is too long";
        return 414;
    }
    const char *p = qs;
    while (*p) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t klen = eq ? (size_t)(eq - p) : n;
        const char *val = eq ? eq + 1 : p + n;
        size_t vlen = eq ? n - klen - 1 : 0;
        char **slot = NULL;
        int is_vars = 0;
        if (klen == 5 && memcmp(p, "query", 5) == 0)
            slot = &r->get_query;
        else if (klen == 13 && memcmp(p, "operationName", 13) == 0)
            slot = &r->get_operation;
        else if (klen == 9 && memcmp(p, "variables", 9) == 0)
            is_vars = 1;
        if (slot || is_vars) {
            size_t dlen;
            char *dec = url_decode(val, vlen, &dlen);
            if (!dec) {
                *err = "the query string is not valid percent-encoded UTF-8";
                return 400;
            }
            if ((slot && *slot) || (is_vars && r->vars_owned)) {
                free(dec);
                *err = "a parameter is given twice";
                return 400;
            }
            if (slot) {
                *slot = dec;
                if (slot == &r->get_query)
                    r->query_len = dlen;
            } else {
                r->vars_owned = crm_json_parse_strict(dec, dlen, 0, err);
                free(dec);
                if (!r->vars_owned && *err)
                    return 400;
                if (r->vars_owned && !json_object_is_type(r->vars_owned, json_type_object)) {
                    *err = "`variables` must be a JSON object";
                    return 400;
                }
            }
        }
        p += n;
        if (*p == '&')
            p++;
    }
    if (!r->get_query) {
        *err = "the request must have a `query` parameter";
        return 400;
    }
    r->query = r->get_query;
    r->operation_name = r->get_operation && *r->get_operation ? r->get_operation : NULL;
    r->variables = r->vars_owned;
    return 0;
}

void gql_http_req_deinit(struct gql_http_req *r)
{
    json_object_put(r->body);
    json_object_put(r->vars_owned);
    free(r->get_query);
    free(r->get_operation);
    memset(r, 0, sizeof *r);
}
