/* One logging macro for every program: level checked before the arguments are
 * formatted, printf-checked, stamped with file and line. Library-style code (the
 * GraphQL engine, frame parsers) does not log; it returns errors. Never log PHI
 * (message bodies, emails) or tokens: log ids. */
#ifndef CRM_LOG_H
#define CRM_LOG_H

enum crm_log_level {
    CRM_LOG_ERROR = 0,
    CRM_LOG_WARN = 1,
    CRM_LOG_INFO = 2,
    CRM_LOG_DEBUG = 3,
};

/* The level below which messages are dropped; set once at start-up. */
extern enum crm_log_level crm_log_threshold;

/* Sets the program name printed on every line and the threshold from a level name
 * ("error", "warn", "info", "debug"). Returns 0, or -1 for an unknown name (the
 * threshold is then left at info). */
int crm_log_init(const char *program, const char *level_name);

/* Writes one line to stderr. Use the CRM_LOG macro, not this. */
void crm_log_write(enum crm_log_level level, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define CRM_LOG(level, ...)                                          \
    do {                                                             \
        if ((level) <= crm_log_threshold)                            \
            crm_log_write((level), __FILE__, __LINE__, __VA_ARGS__); \
    } while (0)

#define log_error(...) CRM_LOG(CRM_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) CRM_LOG(CRM_LOG_WARN, __VA_ARGS__)
#define log_info(...) CRM_LOG(CRM_LOG_INFO, __VA_ARGS__)
#define log_debug(...) CRM_LOG(CRM_LOG_DEBUG, __VA_ARGS__)

/* Out of memory in a daemon (STYLE.md): one log line with the caller's file and
 * line, then abort, so the supervisor restarts a clean process instead of one
 * running on with half-done work. The GraphQL engine does not use it: it returns
 * an error. */
_Noreturn void crm_oom_at(const char *file, int line);
#define crm_oom() crm_oom_at(__FILE__, __LINE__)

#endif
