#include "config.h"

#include "log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum crm_log_level crm_log_threshold = CRM_LOG_INFO;

static const char *log_program = "crm";

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int crm_log_init(const char *program, const char *level_name)
{
    if (program)
        log_program = program;
    if (!level_name || !*level_name)
        return 0;
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(level_name, level_names[i]) == 0) {
            crm_log_threshold = (enum crm_log_level)i;
            return 0;
        }
    }
    crm_log_threshold = CRM_LOG_INFO;
    return -1;
}

void crm_log_write(enum crm_log_level level, const char *file, int line, const char *fmt, ...)
{
    char stamp[32];
    struct timespec ts;
    struct tm tm;
    char msg[1024];
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    /* Only the base name: install paths are noise in an operator's log. */
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;

    /* One fprintf so lines from several processes sharing stderr do not interleave. */
    fprintf(stderr, "%s.%03ldZ %s[%ld] %s %s:%d %s\n", stamp, ts.tv_nsec / 1000000L, log_program,
            (long)getpid(), level_names[level], base, line, msg);
}

void crm_oom_at(const char *file, int line)
{
    crm_log_write(CRM_LOG_ERROR, file, line, "out of memory");
    abort();
}
