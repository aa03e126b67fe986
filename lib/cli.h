/* The arguments every program shares: --help, --version, and a clear refusal
 * of anything it does not know. Called first thing in main(), before settings
 * are read, so that `crm-pushd --help` works on a host with no configuration. */
#ifndef CRM_CLI_H
#define CRM_CLI_H

#include <stdio.h>

struct crm_cli {
    const char *prog;     /* "crm-pushd": the name in usage, errors and --version */
    const char *synopsis; /* what follows the name on the usage line ("" for none) */
    const char *about;    /* --help text after the usage line: lines ending in \n */
    int takes_args;       /* 0: any argument is refused; 1: the caller parses the rest */
};

/* What crm_cli_start returns when main() should go on. */
#define CRM_CLI_CONTINUE (-1)

/* Handles argv[1] when it is -h/--help (usage and about to stdout, 0),
 * -V/--version ("prog (crm) VERSION" to stdout, 0), or an option or argument
 * the program does not take (an error and the usage to stderr, 2). Returns that
 * exit status, or CRM_CLI_CONTINUE. A program with takes_args set sees every
 * argument that is not an option, and every argument after the first. */
int crm_cli_start(const struct crm_cli *cli, int argc, char **argv);

/* Writes "usage: prog synopsis" and a pointer to --help to out. */
void crm_cli_usage(const struct crm_cli *cli, FILE *out);

#endif
