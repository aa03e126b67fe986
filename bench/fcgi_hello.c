/* fcgi_hello: the ceiling of the crm-api benchmark (bench/api_bench.sh). A
 * FastCGI responder with crm-api's loop (FCGX_Accept_r, one request at a time,
 * single-threaded, spawned by lighttpd with bin-path and max-procs) that reads the
 * request body like crm-api does and answers a small JSON document with the same
 * headers. What it costs is lighttpd + FastCGI + the process switch: the most
 * any FastCGI responder can do under this lighttpd on this machine. */
#include "config.h"

#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

/* As in crm-api: closing the listening socket ends a blocked accept. */
static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
    close(0);
}

int main(void)
{
    static const char body[] = "{\"data\":{\"hello\":\"world\"}}";
    char head[256], buf[4096];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (FCGX_Init() != 0 || FCGX_IsCGI())
        return 1;
    FCGX_Request req;
    FCGX_InitRequest(&req, 0, 0);
    while (!stopping && FCGX_Accept_r(&req) >= 0) {
        const char *cl = FCGX_GetParam("CONTENT_LENGTH", req.envp);
        long left = cl ? strtol(cl, NULL, 10) : 0;
        while (left > 0) {
            int n = FCGX_GetStr(buf, left < (long)sizeof buf ? (int)left : (int)sizeof buf, req.in);
            if (n <= 0)
                break;
            left -= n;
        }
        int n = snprintf(head, sizeof head,
                         "Status: 200 OK\r\n"
                         "Content-Type: application/json; charset=utf-8\r\n"
                         "Cache-Control: no-store\r\n"
                         "X-Content-Type-Options: nosniff\r\n"
                         "Content-Length: %zu\r\n\r\n",
                         sizeof body - 1);
        FCGX_PutStr(head, n, req.out);
        FCGX_PutStr(body, (int)sizeof body - 1, req.out);
        /* As crm-api: no lingering close once the input is read to its end. */
        if (FCGX_GetChar(req.in) == EOF)
            FCGX_Detach(&req);
        FCGX_Finish_r(&req);
    }
    FCGX_Free(&req, 1);
    return 0;
}
