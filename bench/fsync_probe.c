/* fsync_probe: what one durable write costs on a disk right now, the floor
 * under the latency of anything acknowledged only once it is on disk (Redis
 * with appendfsync always answers a send after its fdatasync). Appends 100
 * bytes to FILE and fdatasyncs it RATE times a second for SECONDS, and prints
 * the time each write + fdatasync took: p50, p99, max, and how many took over
 * 10 ms. Run it beside a benchmark, on the disk of its data, to read that
 * benchmark's tail against the disk's in the same minutes.
 *
 *   fsync_probe FILE [RATE=100] [SECONDS=15]
 * The file is truncated first and removed at the end. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fsync_probe FILE [RATE=100] [SECONDS=15]\n");
        return 2;
    }
    int rate = argc > 2 ? atoi(argv[2]) : 100, secs = argc > 3 ? atoi(argv[3]) : 15;
    if (rate < 1 || rate > 10000 || secs < 1 || secs > 3600)
        return 2;
    size_t cap = (size_t)rate * (size_t)secs, n = 0;
    double *lat = malloc(cap * sizeof *lat);
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    int rc = 1;
    if (!lat || fd < 0) {
        perror("fsync_probe");
        goto done;
    }
    char line[100];
    memset(line, 'x', sizeof line);
    line[sizeof line - 1] = '\n';
    double gap = 1000.0 / rate, next = now_ms();
    while (n < cap) {
        double t0 = now_ms();
        if (write(fd, line, sizeof line) != (ssize_t)sizeof line || fdatasync(fd) != 0) {
            perror("fsync_probe");
            goto done;
        }
        lat[n++] = now_ms() - t0;
        next += gap;
        double wait = next - now_ms();
        if (wait > 0) {
            struct timespec ts = {(time_t)(wait / 1e3),
                                  (long)((wait - (double)(long)(wait / 1e3) * 1e3) * 1e6)};
            nanosleep(&ts, NULL);
        }
    }
    qsort(lat, n, sizeof *lat, cmp);
    size_t slow = 0;
    for (size_t i = 0; i < n; i++)
        slow += lat[i] > 10.0;
    printf("RESULT fsync_writes=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f over_10ms=%zu\n", n, lat[n / 2],
           lat[n * 99 / 100], lat[n - 1], slow);
    rc = 0;
done:
    if (fd >= 0) {
        close(fd);
        unlink(argv[1]);
    }
    free(lat);
    return rc;
}
