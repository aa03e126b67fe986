/* How the programs learn they must stop: SIGTERM and SIGINT call a handler,
 * without SA_RESTART so that a blocking accept or read returns EINTR; SIGPIPE is
 * ignored so a peer that went away is an error return, not a death. */
#ifndef CRM_STOP_SIGNAL_H
#define CRM_STOP_SIGNAL_H

/* Installs handler for SIGTERM and SIGINT and ignores SIGPIPE. */
void crm_stop_signal_install(void (*handler)(int));

#endif
