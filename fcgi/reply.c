#include "config.h"

#include "reply.h"

#include <stdio.h>
#include <string.h>

static const char *status_text(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    case 406:
        return "Not Acceptable";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

void reply_json(FCGX_Request *req, int status, const char *body, size_t len)
{
    reply_send(req, status, "application/json; charset=utf-8", body, len);
}

void reply_send(FCGX_Request *req, int status, const char *content_type, const char *body, size_t len)
{
    /* libfcgi's own printf lacks C99 length modifiers such as %zu: format here. */
    char head[256];
    int n = snprintf(head, sizeof head,
                     "Status: %d %s\r\n"
                     "Content-Type: %s\r\n"
                     "Cache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     status, status_text(status), content_type, len);
    FCGX_PutStr(head, n, req->out);
    FCGX_PutStr(body, (int)len, req->out);
}

void reply_error(FCGX_Request *req, int status, const char *message)
{
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}", message);
    reply_json(req, status, body, (size_t)n);
}
