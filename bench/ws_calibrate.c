/* ws_calibrate: what one small loopback TCP write costs on this machine, the
 * floor under crm-pushd's CPU time per delivery (a live delivery is at least
 * one write to its socket unless several frames share one). Opens CONNS
 * loopback connections, writes 100 bytes to each in turn ROUNDS times (nobody
 * reads: the receive buffers take it) and prints CPU and wall time per write.
 *
 *   ws_calibrate [CONNS=1000] [ROUNDS=20] */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double wall_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000, rounds = argc > 2 ? atoi(argv[2]) : 20;
    if (n < 1 || n > 8000 || rounds < 1 || rounds > 1000)
        return 2;
    int *fds = calloc((size_t)n * 2, sizeof *fds);
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(0x7f000001u);
    socklen_t al = sizeof a;
    if (!fds || l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &al) < 0 || listen(l, n) < 0)
        return 1;
    for (int i = 0; i < n; i++) {
        int one = 1;
        fds[2 * i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[2 * i] < 0 || connect(fds[2 * i], (struct sockaddr *)&a, sizeof a) < 0)
            return 1;
        fds[2 * i + 1] = accept(l, NULL, NULL);
        if (fds[2 * i + 1] < 0)
            return 1;
        setsockopt(fds[2 * i + 1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    char buf[100];
    memset(buf, 'x', sizeof buf);
    double w0 = wall_s(), c0 = cpu_s();
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < n; i++)
            if (write(fds[2 * i + 1], buf, sizeof buf) != (ssize_t)sizeof buf)
                return 1;
    double w = wall_s() - w0, c = cpu_s() - c0, k = (double)n * rounds;
    printf("loopback write of 100 bytes: %.2f us CPU, %.2f us wall (%d writes over %d sockets)\n",
           c * 1e6 / k, w * 1e6 / k, n * rounds, n);
    for (int i = 0; i < 2 * n; i++)
        close(fds[i]);
    close(l);
    free(fds);
    return 0;
}
