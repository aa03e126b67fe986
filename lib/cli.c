#include "config.h"

#include "cli.h"

#include <string.h>

void crm_cli_usage(const struct crm_cli *cli, FILE *out)
{
    fprintf(out, "usage: %s%s%s\n", cli->prog, *cli->synopsis ? " " : "", cli->synopsis);
}

static int refuse(const struct crm_cli *cli, const char *what, const char *arg)
{
    fprintf(stderr, "%s: %s '%s'\n", cli->prog, what, arg);
    crm_cli_usage(cli, stderr);
    fprintf(stderr, "Try '%s --help' for more information.\n", cli->prog);
    return 2;
}

int crm_cli_start(const struct crm_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return CRM_CLI_CONTINUE;
    const char *a = argv[1];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
        crm_cli_usage(cli, stdout);
        fputs(cli->about, stdout);
        fputs("\n  -h, --help     show this help and exit\n"
              "  -V, --version  show the version and exit\n",
              stdout);
        return 0;
    }
    if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
        printf("%s (%s) %s\n", cli->prog, PACKAGE_NAME, PACKAGE_VERSION);
        return 0;
    }
    /* "--" and "-" are arguments a caller may give meaning to, never options here. */
    if (a[0] == '-' && a[1] != '\0' && strcmp(a, "--") != 0)
        return refuse(cli, "unknown option", a);
    if (!cli->takes_args)
        return refuse(cli, "unexpected argument", a);
    return CRM_CLI_CONTINUE;
}
