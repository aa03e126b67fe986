/* crm-admin: operator commands run on the server host.
 *   crm-admin create-user --email E --name N --role ADMIN|STAFF|PATIENT [--if-missing]
 *       password from CRM_ADMIN_PASSWORD, else one line on standard input
 *   crm-admin config [--man [NAME...]]
 *       the settings table (Markdown), or as man(7) paragraphs (the manual
 *       pages are built from it)
 * This is the documented way to create the first admin of a new deployment. */
#include "config.h"

#include "cli.h"
#include "crm_config.h"
#include "db.h"
#include "display_name.h"
#include "email_norm.h"
#include "log.h"
#include "password.h"
#include "password_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct crm_cli cli = {
    .prog = "crm-admin",
    .synopsis = "create-user --email E --name N --role ADMIN|STAFF|PATIENT [--if-missing]\n"
                "       crm-admin config [--man [NAME...]]",
    .about = "Operator commands of the CRM, run on a server host.\n"
             "  create-user  add a user; the password is CRM_ADMIN_PASSWORD, else one line\n"
             "               on standard input; prints the new id (--if-missing: exit 0\n"
             "               when the email exists)\n"
             "  config       print the settings table (Markdown); --man: as man(7)\n"
             "               paragraphs, all settings or the NAMEs given\n"
             "Settings: CRM_* environment variables, see crm.env(5).\n",
    .takes_args = 1,
};

static int usage(void)
{
    crm_cli_usage(&cli, stderr);
    return 2;
}

static int read_password(char *buf, size_t size)
{
    const char *env = getenv("CRM_ADMIN_PASSWORD");
    if (env) {
        if (strlen(env) >= size)
            return -1;
        strcpy(buf, env);
        return 0;
    }
    if (!fgets(buf, (int)size, stdin))
        return -1;
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static int create_user(int argc, char **argv)
{
    struct crm_config config, *cfg = &config;
    char err[256];
    const char *email = NULL, *name = NULL, *role = NULL;
    int if_missing = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--if-missing") == 0)
            if_missing = 1;
        else if (i + 1 < argc && strcmp(argv[i], "--email") == 0)
            email = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--name") == 0)
            name = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--role") == 0)
            role = argv[++i];
        else
            return usage();
    }
    if (!email || !name || !role)
        return usage();
    /* After the command line: a mistyped command is told so, settings or not. */
    if (crm_config_load(cfg, err, sizeof err) < 0) {
        fprintf(stderr, "crm-admin: configuration: %s\n", err);
        return 1;
    }
    if (!crm_display_name_valid(name, strlen(name))) {
        fprintf(stderr,
                "crm-admin: --name must be 1 to %d characters, without control, "
                "bidi or invisible characters\n",
                CRM_DISPLAY_NAME_MAX);
        return 2;
    }
    if (strcmp(role, "ADMIN") && strcmp(role, "STAFF") && strcmp(role, "PATIENT")) {
        fprintf(stderr, "crm-admin: --role must be ADMIN, STAFF or PATIENT\n");
        return 2;
    }
    /* The same canonical form as register and createUser, so a look-alike of an
     * existing address is that address (or refused). */
    char *canon = NULL;
    if (crm_email_normalize(email, &canon) != CRM_EMAIL_OK) {
        fprintf(stderr,
                "crm-admin: --email is not an address we accept (at most %d bytes; no "
                "invisible characters; one script per part; a valid domain)\n",
                CRM_EMAIL_MAX);
        return 2;
    }

    char password[CRM_PASSWORD_MAX + 2];
    char hash[CRM_PASSWORD_HASH_LEN];
    enum crm_password_policy policy = CRM_PASSWORD_TOO_LONG;
    if (read_password(password, sizeof password) == 0)
        policy = crm_password_policy_check(password, strlen(password));
    if (policy != CRM_PASSWORD_ACCEPTED || crm_password_init() < 0 ||
        crm_password_hash(password, strlen(password), hash) < 0) {
        fprintf(stderr, "crm-admin: %s\n",
                policy != CRM_PASSWORD_ACCEPTED ? crm_password_policy_message(policy)
                                                : "the password could not be hashed");
        sodium_memzero(password, sizeof password);
        free(canon);
        return 2;
    }
    sodium_memzero(password, sizeof password);

    struct crm_db db;
    crm_db_init(&db, cfg->database_url);
    PGconn *c = crm_db_get(&db);
    if (!c) {
        fprintf(stderr, "crm-admin: cannot reach PostgreSQL (CRM_DATABASE_URL)\n");
        free(canon);
        return 1;
    }
    const char *params[] = {canon, name, role, hash};
    PGresult *r = PQexecParams(c,
                               "INSERT INTO users (email, display_name, role, password_hash) "
                               "VALUES ($1, $2, $3::user_role, $4) "
                               "ON CONFLICT ((lower(email))) DO NOTHING RETURNING id",
                               4, NULL, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "crm-admin: %s", PQerrorMessage(c));
        rc = 1;
    } else if (PQntuples(r) == 0) {
        if (!if_missing) {
            fprintf(stderr, "crm-admin: a user with that email exists\n");
            rc = 1;
        }
    } else {
        printf("%s\n", PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    crm_db_deinit(&db);
    free(canon);
    return rc;
}

static int config(int argc, char **argv)
{
    if (argc == 0) {
        crm_config_print_table(stdout);
        return 0;
    }
    if (strcmp(argv[0], "--man") != 0)
        return usage();
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-')
            return usage();
    return crm_config_print_man(stdout, (const char *const *)argv + 1, argc - 1) < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    crm_log_init("crm-admin", "warn");
    int rc = crm_cli_start(&cli, argc, argv);
    if (rc != CRM_CLI_CONTINUE)
        return rc;
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "config") == 0)
        return config(argc - 2, argv + 2);
    if (strcmp(argv[1], "create-user") == 0)
        return create_user(argc - 2, argv + 2);
    return usage();
}
