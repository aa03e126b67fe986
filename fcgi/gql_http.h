/* GraphQL over HTTP, the transport half: what a request asks for (query,
 * operationName, variables) from a POST body or a GET query string, and which
 * media type the response uses. No I/O: crm-api feeds it what FastCGI read. */
#ifndef CRM_API_GQL_HTTP_H
#define CRM_API_GQL_HTTP_H

#include <json-c/json.h>
#include <stddef.h>

#define CRM_MAX_BODY (64 * 1024)   /* bytes of POST body; larger is 413 */
#define CRM_MAX_QUERY_STRING 16384 /* bytes of GET query string; larger is 414 */

enum gql_http_media {
    GQL_MEDIA_JSON,             /* application/json: 200 for every well-formed request */
    GQL_MEDIA_GRAPHQL_RESPONSE, /* application/graphql-response+json: 4xx for request errors */
};

struct gql_http_req {
    json_object *body;       /* POST: the parsed body; owned */
    json_object *vars_owned; /* GET: the parsed variables; owned */
    char *get_query;         /* GET: decoded strings; owned */
    char *get_operation;
    const char *query; /* the document; borrowed from the above */
    size_t query_len;
    const char *operation_name; /* NULL when absent or null */
    json_object *variables;     /* NULL when absent or null; borrowed */
};

/* Chooses the response media type from an Accept header (NULL: none sent).
 * Returns 0 and sets *out, or 406 when neither JSON type nor a wildcard is
 * acceptable. */
int gql_http_negotiate(const char *accept, enum gql_http_media *out);

/* Reads a POST body. Returns 0 and fills r, or an HTTP status (400, 415) with
 * *err set to a constant message. r must be deinit'ed either way. */
int gql_http_parse_post(const char *content_type, const char *body, size_t len, struct gql_http_req *r,
                        const char **err);

/* Reads a GET query string (without the '?'). Same contract as above. */
int gql_http_parse_get(const char *query_string, struct gql_http_req *r, const char **err);

/* Frees what r owns; r may be zeroed, half-filled or complete. */
void gql_http_req_deinit(struct gql_http_req *r);

/* The Content-Type value for a media type. */
const char *gql_http_media_type(enum gql_http_media m);

#endif
