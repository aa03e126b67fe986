/* Writing HTTP responses through FastCGI. */
#ifndef CRM_API_REPLY_H
#define CRM_API_REPLY_H

#include <fcgiapp.h>
#include <stddef.h>

/* Writes a complete response: status line, content type, no-store caching, and
 * len bytes of body. */
void reply_send(FCGX_Request *req, int status, const char *content_type, const char *body, size_t len);

/* reply_send with application/json. */
void reply_json(FCGX_Request *req, int status, const char *body, size_t len);

/* A JSON error body {"error": message} with the given status; message is a
 * constant string without characters that need escaping. */
void reply_error(FCGX_Request *req, int status, const char *message);

#endif
