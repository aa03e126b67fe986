/* gqltool execute|introspect: runs the engine the way crm-api does, over a
 * root value given as JSON, with a few fixed resolvers that the graphql-js
 * side of the differential tests (tests/js/gql_exec_diff.test.mjs) mirrors:
 *   Query.echo, Query.echoRequired   return their coerced arguments
 *   Query.fail, Person.secret        raise "Not allowed." FORBIDDEN
 *   Query.failNN, Person.secretNN    raise (non-null fields)
 *   Mutation.setName                 returns {"id":"1","name":name}
 *   Mutation.incr                    adds `by` to a per-request counter
 *   Mutation.failing                 raises "Failed." BAD_USER_INPUT
 * Resolvers are bound only where the schema has the field. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "gql/gql_engine.h"
#include "gql/gql_introspect.h"
#include "gql/gql_schema.h"

int gqltool_execute(int argc, char **argv);
int gqltool_introspect(int argc, char **argv);

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *b = realloc(buf, cap * 2);
        if (b == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

static int r_echo(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    *out = json_object_get(info->args);
    return 0;
}

static int r_forbidden(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    (void)out;
    return gql_resolve_error(info, "FORBIDDEN", "Not allowed.");
}

static int r_failed(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    (void)out;
    return gql_resolve_error(info, "BAD_USER_INPUT", "Failed.");
}

static int r_set_name(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    json_object *o = json_object_new_object(), *name = NULL;
    json_object_object_get_ex(info->args, "name", &name);
    json_object_object_add(o, "id", json_object_new_string("1"));
    json_object_object_add(o, "name", json_object_get(name));
    *out = o;
    return 0;
}

static int r_incr(gql_resolve_info *info, void *ctx, json_object **out)
{
    long *counter = ctx;
    json_object *by = NULL;
    json_object_object_get_ex(info->args, "by", &by);
    *counter += json_object_get_int(by);
    *out = json_object_new_int64(*counter);
    return 0;
}

static gql_engine *load_engine(const char *schema_path, gql_schema **schema)
{
    gql_error_list errs;
    gql_error_list_init(&errs);
    if (gql_schema_load_file(schema_path, schema, &errs) != 0) {
        fprintf(stderr, "gqltool: %s: %s\n", schema_path,
                errs.head != NULL ? errs.head->message : "cannot load");
        gql_error_list_deinit(&errs);
        return NULL;
    }
    gql_error_list_deinit(&errs);
    gql_engine *e = gql_engine_new(*schema, NULL);
    static const struct {
        const char *field;
        gql_resolver_fn fn;
    } fixed[] = {
        {"Query.echo", r_echo},           {"Query.echoRequired", r_echo}, {"Query.fail", r_forbidden},
        {"Person.secret", r_forbidden},   {"Query.failNN", r_failed},     {"Person.secretNN", r_forbidden},
        {"Mutation.setName", r_set_name}, {"Mutation.incr", r_incr},      {"Mutation.failing", r_failed},
    };
    for (size_t i = 0; e != NULL && i < sizeof(fixed) / sizeof(fixed[0]); i++)
        gql_engine_register(e, fixed[i].field, fixed[i].fn); /* absent fields: skipped */
    return e;
}

static json_object *parse_json_arg(const char *s)
{
    if (strcmp(s, "") == 0 || strcmp(s, "-") == 0)
        return NULL;
    return json_tokener_parse(s);
}

/* Prints the response (or the prepare errors, as graphql() reports them). */
static int run(gql_engine *e, const char *doc, size_t len, const char *op_name, json_object *vars,
               json_object *root)
{
    gql_error_list errs;
    gql_error_list_init(&errs);
    gql_prepared *p = NULL;
    json_object *resp = NULL;
    gql_response *out = NULL;
    long counter = 0;
    int rc = gql_engine_prepare(e, doc, len, &p, &errs);
    if (rc == 0)
        rc = gql_engine_execute(e, p, op_name, vars, root, &counter, &out);
    else if (rc != GQL_ENOMEM)
        resp = gql_engine_error_response(&errs, NULL), rc = 0;
    if (rc == 0 && out != NULL)
        printf("%s\n", gql_response_text(out, NULL));
    else if (rc == 0 && resp != NULL)
        printf("%s\n", gql_engine_render(resp, NULL));
    gql_response_free(out);
    json_object_put(resp);
    gql_prepared_release(p);
    gql_error_list_deinit(&errs);
    return rc == 0 ? 0 : 1;
}

int gqltool_execute(int argc, char **argv)
{
    if (argc < 6 || argc > 7) {
        fprintf(stderr, "usage: gqltool execute SCHEMA DOC VARIABLES_JSON ROOT_JSON [OPNAME]\n");
        return 2;
    }
    gql_schema *schema = NULL;
    size_t len = 0;
    char *doc = slurp(argv[3], &len);
    if (doc == NULL) {
        fprintf(stderr, "gqltool: cannot read %s\n", argv[3]);
        return 2;
    }
    gql_engine *e = load_engine(argv[2], &schema);
    json_object *vars = parse_json_arg(argv[4]), *root = parse_json_arg(argv[5]);
    int rc = e != NULL ? run(e, doc, len, argc == 7 ? argv[6] : NULL, vars, root) : 2;
    json_object_put(vars);
    json_object_put(root);
    gql_engine_free(e);
    gql_schema_free(schema);
    free(doc);
    return rc;
}

int gqltool_introspect(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: gqltool introspect SCHEMA\n");
        return 2;
    }
    gql_schema *schema = NULL;
    gql_engine *e = load_engine(argv[2], &schema);
    int rc =
        e != NULL ? run(e, gql_introspection_query, strlen(gql_introspection_query), NULL, NULL, NULL) : 2;
    gql_engine_free(e);
    gql_schema_free(schema);
    return rc;
}
