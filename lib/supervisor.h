/* Runs N copies of a worker function in child processes and restarts any that
 * dies; SIGTERM or SIGINT to the supervisor stops them all. */
#ifndef CRM_SUPERVISOR_H
#define CRM_SUPERVISOR_H

/* A child's exit status that means "do not restart me, stop everything"
 * (configuration error, port taken). */
#define SUPERVISOR_EXIT_FATAL 2

/* Forks n children running child_main(index, arg) and returns the process's exit
 * status once they have all stopped: 0 after a requested stop, 1 after a fatal
 * child exit. */
int supervisor_run(int n, int (*child_main)(int index, void *arg), void *arg);

#endif
