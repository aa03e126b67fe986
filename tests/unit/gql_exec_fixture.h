/* Shared fixture of the execution unit tests: a small schema and helpers
 * that run a document and compare the rendered response byte for byte. */
#ifndef GQL_EXEC_FIXTURE_H
#define GQL_EXEC_FIXTURE_H

#include <string.h>

#include "gql/gql_engine.h"

static const char fx_sdl[] =
    "enum Color { RED GREEN }\n"
    "input In { a: Int! b: String = \"d\" l: [Int] }\n"
    "interface Node { id: ID! }\n"
    "type P implements Node { id: ID! name: String nn: String! kids: [P!] c: Color }\n"
    "type Query { p: P ps: [P] node: Node echo(i: Int, f: Float, s: String, in: In, l: [Int], "
    "c: Color, d: Int = 5): String err: String errNN: String! }\n"
    "type Mutation { m(x: Int!): Int }\n"
    "type Subscription { ev(room: ID!, after: String): P! }\n";

__attribute__((unused)) static gql_schema *fx_schema(void)
{
    gql_schema *s = NULL;
    gql_error_list errs;
    gql_error_list_init(&errs);
    int rc = gql_schema_build(fx_sdl, strlen(fx_sdl), &s, &errs);
    gql_error_list_deinit(&errs);
    return rc == 0 ? s : NULL;
}

/* Returns the args as a JSON string, so tests see the coerced arguments. */
__attribute__((unused)) static int fx_echo(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    *out = json_object_new_string(json_object_to_json_string_ext(info->args, JSON_C_TO_STRING_PLAIN));
    return 0;
}

__attribute__((unused)) static int fx_err(gql_resolve_info *info, void *ctx, json_object **out)
{
    (void)ctx;
    (void)out;
    return gql_resolve_error(info, "FORBIDDEN", "No %s.", info->field_name);
}

/* Prepares and executes; returns the rendered response (static buffer) or
 * "PREPARE <rc> <first message>". */
__attribute__((unused)) static const char *fx_run(gql_engine *e, const char *doc, const char *vars,
                                                  const char *root)
{
    static char out[8192];
    gql_error_list errs;
    gql_error_list_init(&errs);
    gql_prepared *p = NULL;
    int rc = gql_engine_prepare(e, doc, strlen(doc), &p, &errs);
    if (rc != 0) {
        snprintf(out, sizeof(out), "PREPARE %d %s", rc, errs.head != NULL ? errs.head->message : "");
        gql_error_list_deinit(&errs);
        return out;
    }
    json_object *v = vars != NULL ? json_tokener_parse(vars) : NULL;
    json_object *r = root != NULL ? json_tokener_parse(root) : NULL;
    gql_response *resp = NULL;
    rc = gql_engine_execute(e, p, NULL, v, r, NULL, &resp);
    if (rc != 0)
        snprintf(out, sizeof(out), "EXECUTE %d", rc);
    else
        snprintf(out, sizeof(out), "%s", gql_response_text(resp, NULL));
    gql_response_free(resp);
    json_object_put(v);
    json_object_put(r);
    gql_prepared_release(p);
    gql_error_list_deinit(&errs);
    return out;
}

#endif
