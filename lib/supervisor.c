#include "config.h"

#include "supervisor.h"

#include "log.h"
#include "stop_signal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SUPERVISOR_MAX 64
#define RESTART_DELAY_SEC 1

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static pid_t spawn(int index, int (*child_main)(int, void *), void *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        _exit(child_main(index, arg));
    }
    if (pid < 0)
        log_error("fork: %s", strerror(errno));
    return pid;
}

static void stop_all(pid_t *pids, int n)
{
    for (int i = 0; i < n; i++)
        if (pids[i] > 0)
            kill(pids[i], SIGTERM);
    for (int i = 0; i < n; i++)
        if (pids[i] > 0)
            while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
                ;
}

int supervisor_run(int n, int (*child_main)(int index, void *arg), void *arg)
{
    pid_t pids[SUPERVISOR_MAX] = {0};
    if (n < 1 || n > SUPERVISOR_MAX)
        return 1;

    crm_stop_signal_install(on_stop);

    for (int i = 0; i < n; i++)
        pids[i] = spawn(i, child_main, arg);

    int status_code = 0;
    while (!stop_requested) {
        int status;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < n; i++) {
            if (pids[i] != pid)
                continue;
            pids[i] = 0;
            if (WIFEXITED(status) && WEXITSTATUS(status) == SUPERVISOR_EXIT_FATAL) {
                log_error("process %d stopped with a fatal error; stopping", i);
                status_code = 1;
                stop_requested = 1;
                break;
            }
            log_warn("process %d (pid %ld) died (%s %d); restarting", i, (long)pid,
                     WIFSIGNALED(status) ? "signal" : "exit",
                     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            /* A child that dies at once must not spin the machine. */
            sleep(RESTART_DELAY_SEC);
            if (!stop_requested)
                pids[i] = spawn(i, child_main, arg);
        }
    }
    stop_all(pids, n);
    return status_code;
}
