#include "config.h"

#include "graphql_endpoint.h"

#include "auth.h"
#include "gql_http.h"
#include "last_messages.h"
#include "log.h"
#include "reply.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A response of one GraphQL error (a request that never reached execution). */
static void reply_error_doc(FCGX_Request *req, int status, enum gql_http_media media, const char *message,
                            const char *code)
{
    json_object *err = json_object_new_object();
    json_object *ext = json_object_new_object();
    json_object_object_add(err, "message", json_object_new_string(message));
    json_object_object_add(ext, "code", json_object_new_string(code));
    json_object_object_add(err, "extensions", ext);
    json_object *arr = json_object_new_array();
    json_object_array_add(arr, err);
    json_object *resp = json_object_new_object();
    json_object_object_add(resp, "errors", arr);
    size_t len = 0;
    const char *s = gql_engine_render(resp, &len);
    reply_send(req, status, gql_http_media_type(media), s ? s : "{}", s ? len : 2);
    json_object_put(resp);
}

/* Reads a POST body of at most CRM_MAX_BODY bytes; 0, 413 or 400. */
static int read_body(FCGX_Request *req, char **out, size_t *len)
{
    const char *cl = FCGX_GetParam("CONTENT_LENGTH", req->envp);
    char *end;
    long n = cl ? strtol(cl, &end, 10) : -1;
    if (!cl || *end || n < 0)
        return 400;
    if (n > CRM_MAX_BODY)
        return 413;
    char *buf = malloc((size_t)n + 1);
    if (!buf)
        return 413;
    int got = n ? FCGX_GetStr(buf, (int)n, req->in) : 0;
    if (got != n) {
        free(buf);
        return 400;
    }
    buf[n] = '\0';
    *out = buf;
    *len = (size_t)n;
    return 0;
}

void graphql_handle(FCGX_Request *req, struct api *api, gql_engine *engine)
{
    const char *method = FCGX_GetParam("REQUEST_METHOD", req->envp);
    int is_get = strcmp(method, "GET") == 0;
    enum gql_http_media media;
    struct gql_http_req hr;
    const char *err = NULL;
    char *body = NULL;
    size_t body_len = 0;
    gql_prepared *prep = NULL;
    json_object *resp = NULL; /* an error response made before execution */
    gql_response *out = NULL;
    struct api_call call = {0};
    gql_error_list errs;
    gql_error_list_init(&errs);
    memset(&hr, 0, sizeof hr);

    if (!is_get && strcmp(method, "POST") != 0) {
        reply_error(req, 405, "use GET or POST");
        goto done;
    }
    if (gql_http_negotiate(FCGX_GetParam("HTTP_ACCEPT", req->envp), &media) != 0) {
        reply_error(req, 406, "accept application/graphql-response+json or application/json");
        goto done;
    }
    int st;
    if (is_get) {
        st = gql_http_parse_get(FCGX_GetParam("QUERY_STRING", req->envp), &hr, &err);
    } else {
        st = read_body(req, &body, &body_len);
        if (st) {
            reply_error_doc(req, st, media,
                            st == 413 ? "The request body is too large." : "The request body is incomplete.",
                            "BAD_REQUEST");
            goto done;
        }
        st = gql_http_parse_post(FCGX_GetParam("CONTENT_TYPE", req->envp), body, body_len, &hr, &err);
    }
    if (st) {
        reply_error_doc(req, st, media, err ? err : "bad request", "BAD_REQUEST");
        goto done;
    }

    int rc = gql_engine_prepare(engine, hr.query, hr.query_len, &prep, &errs);
    if (rc) {
        resp = gql_engine_error_response(&errs, gql_engine_error_code(rc));
        /* A document that does not parse is a bad request for every client; one
         * that does not validate is 422 where the client understands it. */
        int status = rc == GQL_ESYNTAX  ? 400
                     : rc == GQL_EVALID ? (media == GQL_MEDIA_GRAPHQL_RESPONSE ? 422 : 200)
                                        : 500;
        size_t len = 0;
        const char *s = resp ? gql_engine_render(resp, &len) : NULL;
        reply_send(req, status, gql_http_media_type(media), s ? s : "{}", s ? len : 2);
        goto done;
    }
    gql_operation op;
    if (gql_engine_operation_type(prep, hr.operation_name, &op) == 0) {
        if (op == GQL_OP_MUTATION && is_get) {
            reply_error_doc(req, 405, media, "Mutations are sent with POST.", "BAD_REQUEST");
            goto done;
        }
        if (op == GQL_OP_SUBSCRIPTION) {
            reply_error_doc(req, media == GQL_MEDIA_GRAPHQL_RESPONSE ? 400 : 200, media,
                            "Subscriptions are served over WebSocket (graphql-transport-ws).", "BAD_REQUEST");
            goto done;
        }
    }

    call.api = api;
    call.client_addr = FCGX_GetParam("REMOTE_ADDR", req->envp);
    call.now = (long long)time(NULL);
    /* Revocation is asked later, by the fields that need the caller (api_require). */
    call.authed = auth_check(FCGX_GetParam("HTTP_AUTHORIZATION", req->envp), api->cfg.jwt_secret, call.now,
                             &call.who) == AUTH_OK;
    rc = gql_engine_execute(engine, prep, hr.operation_name, hr.variables, NULL, &call, &out);
    if (rc) {
        reply_error_doc(req, 500, media, "The request could not be executed.", "INTERNAL_SERVER_ERROR");
        goto done;
    }
    /* No "data": the request failed before execution (operation name, variables). */
    int status = gql_response_has_data(out) ? 200 : media == GQL_MEDIA_GRAPHQL_RESPONSE ? 422 : 200;
    size_t len = 0;
    const char *s = gql_response_text(out, &len);
    reply_send(req, status, gql_http_media_type(media), s, len);
done:
    gql_response_free(out);
    json_object_put(resp);
    json_object_put(call.users);
    json_object_put(call.unread);
    json_object_put(call.receipts);
    json_object_put(call.online);
    json_object_put(call.instances);
    api_page_free(&call);
    gql_prepared_release(prep);
    gql_error_list_deinit(&errs);
    gql_http_req_deinit(&hr);
    free(body);
}
