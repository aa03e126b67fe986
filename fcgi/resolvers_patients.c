/* Resolvers: patient records. patient, patients, updatePatientProfile,
 * PatientProfile.conversations. Every read of a record is audited as
 * patient.read and every update as patient.update (the names of the fields,
 * never their values), each carrying the patient's id. */
#include "config.h"

#include "api.h"
#include "audit.h"
#include "room_access.h"
#include "sql.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PATIENTS_LIMIT_MAX 50
#define PATIENT_SEARCH_MAX 100 /* bytes */
#define MRN_MAX 32             /* letters, digits, '-' */
#define NOTES_MAX 10000        /* characters */
#define CONVERSATIONS_MAX 50

static json_object *str_or_null(const PGresult *r, int i, int col)
{
    return PQgetisnull(r, i, col) ? NULL : json_object_new_string(PQgetvalue(r, i, col));
}

/* The PatientProfile of row i; staff notes only when with_notes. */
static json_object *profile_json(const struct api_call *call, const PGresult *r, int i, int with_notes)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "user", api_user_json(call, r, i, 0));
    json_object_object_add(o, "userId", json_object_new_string(PQgetvalue(r, i, 0)));
    json_object_object_add(o, "mrn", str_or_null(r, i, PROFILE_COL_MRN));
    json_object_object_add(o, "dateOfBirth", str_or_null(r, i, PROFILE_COL_DOB));
    json_object_object_add(o, "phone", str_or_null(r, i, PROFILE_COL_PHONE));
    json_object_object_add(o, "staffNotes", with_notes ? str_or_null(r, i, PROFILE_COL_NOTES) : NULL);
    json_object_object_add(o, "updatedAt", json_object_new_string(PQgetvalue(r, i, PROFILE_COL_UPDATED)));
    return o;
}

static int read_audit(struct api_call *call, int64_t patient, const char *via)
{
    char target[40], detail[64];
    snprintf(target, sizeof target, "user:%" PRId64, patient);
    snprintf(detail, sizeof detail, "{\"via\":\"%s\"}", via);
    return audit_record_patient(&call->api->redis, call->who.user_id, "patient.read", target,
                                call->client_addr, detail, patient);
}

/* A real calendar date YYYY-MM-DD from 1900 on. With not_after (seconds since
 * the epoch, 0: no bound), also not after that day (UTC). */
static int date_ok(const char *s, long long not_after)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days[m - 1] + (m == 2 && leap))
        return 0;
    if (not_after) {
        time_t t = (time_t)not_after;
        struct tm tm;
        gmtime_r(&t, &tm);
        long today = (tm.tm_year + 1900) * 10000L + (tm.tm_mon + 1) * 100L + tm.tm_mday;
        if (y * 10000L + m * 100L + d > today)
            return 0;
    }
    return 1;
}

static int mrn_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > MRN_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-'))
            return 0;
    return 1;
}

/* International form (E.164): '+', a non-zero digit, 7 to 15 digits in all. */
static int phone_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9')
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int r_patient(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, NULL);
    if (rc)
        return rc;
    int64_t uid;
    if (api_parse_id(api_arg(info, "userId"), &uid) < 0)
        return gql_resolve_error(info, "BAD_USER_INPUT", "userId is not a user id.");
    int staff = api_is_staff(call);
    /* A patient reads only their own record. */
    if (!staff && uid != call->who.user_id)
        return gql_resolve_error(info, "FORBIDDEN", "You may read only your own record.");
    char suid[24];
    snprintf(suid, sizeof suid, "%" PRId64, uid);
    const char *params[] = {suid};
    PGresult *r = api_query(info, call, SQL_PATIENT, 1, params, &rc);
    if (!r)
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        *out = NULL; /* no such patient */
        return 0;
    }
    json_object *p = profile_json(call, r, 0, staff);
    PQclear(r);
    if (read_audit(call, uid, "patient") < 0) {
        json_object_put(p);
        return api_unavailable(info);
    }
    *out = p;
    return 0;
}

/* Escapes LIKE's metacharacters so a search is a plain prefix. */
static void like_escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 2 < cap; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            out[o++] = '\\';
        out[o++] = *s;
    }
    out[o] = '\0';
}

static int r_patients(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "STAFF,ADMIN");
    if (rc)
        return rc;
    const char *search = json_object_get_string(api_arg(info, "search"));
    json_object *lv = api_arg(info, "limit");
    int limit = lv ? json_object_get_int(lv) : 20;
    if (limit < 1 || limit > PATIENTS_LIMIT_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "limit must be 1 to %d.", PATIENTS_LIMIT_MAX);
    size_t len = strlen(search);
    if (len < 1 || len > PATIENT_SEARCH_MAX)
        return gql_resolve_error(info, "BAD_USER_INPUT", "search must be 1 to %d bytes.", PATIENT_SEARCH_MAX);
    char pattern[2 * PATIENT_SEARCH_MAX + 1], slimit[16];
    like_escape(search, pattern, sizeof pattern);
    snprintf(slimit, sizeof slimit, "%d", limit);
    const char *params[] = {pattern, search, date_ok(search, 0) ? search : NULL, slimit};
    PGresult *r = api_query(info, call, SQL_PATIENTS_SEARCH, 4, params, &rc);
    if (!r)
        return rc;
    json_object *list = json_object_new_array();
    int n = PQntuples(r);
    int64_t ids[PATIENTS_LIMIT_MAX];
    for (int i = 0; i < n; i++) {
        ids[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
        json_object_array_add(list, profile_json(call, r, i, 1));
    }
    PQclear(r);
    /* Each record found is a read of that patient's data: one record each, in
     * one round trip. */
    if (audit_record_patients(&call->api->redis, call->who.user_id, "patient.read", NULL, 1,
                              call->client_addr, "{\"via\":\"patients\"}", ids, n) < 0) {
        json_object_put(list);
        return api_unavailable(info);
    }
    *out = list;
    return 0;
}

/* One field of PatientProfileInput: given (1) or left out (0), and its value
 * (NULL: null, which clears). */
struct field_in {
    const char *name;
    int given;
    const char *value;
};

static int r_update_profile(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    int rc = api_require(info, call, "STAFF,ADMIN");
    if (rc)
        return rc;
    int64_t uid;
    if (api_parse_id(api_arg(info, "userId"), &uid) < 0)
        return gql_resolve_error(info, "NOT_FOUND", "No such patient.");
    json_object *input = api_arg(info, "input");
    struct field_in f[4] = {
        {"mrn", 0, NULL}, {"dateOfBirth", 0, NULL}, {"phone", 0, NULL}, {"staffNotes", 0, NULL}};
    for (int i = 0; i < 4; i++) {
        json_object *v = NULL;
        f[i].given = input && json_object_object_get_ex(input, f[i].name, &v);
        f[i].value = v ? json_object_get_string(v) : NULL;
    }
    /* Every field is checked before anything is written. */
    if (f[0].value && !mrn_ok(f[0].value))
        return gql_resolve_error(info, "BAD_USER_INPUT", "mrn must be 1 to %d letters, digits or '-'.",
                                 MRN_MAX);
    if (f[1].value && !date_ok(f[1].value, call->now))
        return gql_resolve_error(
            info, "BAD_USER_INPUT",
            "dateOfBirth must be a real date YYYY-MM-DD from 1900 on, not in the future.");
    if (f[2].value && !phone_ok(f[2].value))
        return gql_resolve_error(info, "BAD_USER_INPUT",
                                 "phone must be in international form: '+' and 7 to 15 digits.");
    if (f[3].value) {
        long chars = crm_utf8_count(f[3].value, strlen(f[3].value));
        if (chars < 0 || chars > NOTES_MAX)
            return gql_resolve_error(info, "BAD_USER_INPUT", "staffNotes must be at most %d characters.",
                                     NOTES_MAX);
    }
    char suid[24];
    snprintf(suid, sizeof suid, "%" PRId64, uid);
    const char *pparams[] = {suid};
    PGresult *r = api_query(info, call, SQL_PATIENT, 1, pparams, &rc);
    if (!r)
        return rc;
    int exists = PQntuples(r) == 1;
    PQclear(r);
    if (!exists)
        return gql_resolve_error(info, "NOT_FOUND", "No such patient.");
    const char *params[] = {suid,       f[0].given ? "t" : "f", f[0].value, f[1].given ? "t" : "f",
                            f[1].value, f[2].given ? "t" : "f", f[2].value, f[3].given ? "t" : "f",
                            f[3].value};
    r = sql_run(&call->api->db, SQL_PATIENT_UPSERT, 9, params);
    if (!r)
        return api_unavailable(info);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *constraint = NULL;
        int is_bad = sql_is_constraint_error(r, &constraint);
        int dup = is_bad && constraint && strcmp(constraint, "patient_profiles_mrn_key") == 0;
        PQclear(r);
        if (dup)
            return gql_resolve_error(info, "BAD_USER_INPUT",
                                     "mrn: this medical record number is another patient's.");
        return is_bad ? gql_resolve_error(info, "BAD_USER_INPUT", "The record is not valid.")
                      : api_unavailable(info);
    }
    PQclear(r);
    r = api_query(info, call, SQL_PATIENT, 1, pparams, &rc);
    if (!r)
        return rc;
    json_object *p = PQntuples(r) == 1 ? profile_json(call, r, 0, 1) : NULL;
    PQclear(r);
    if (!p)
        return api_unavailable(info);
    json_object *d = json_object_new_object(), *names = json_object_new_array();
    for (int i = 0; i < 4; i++)
        if (f[i].given)
            json_object_array_add(names, json_object_new_string(f[i].name));
    json_object_object_add(d, "fields", names);
    char target[40];
    snprintf(target, sizeof target, "user:%" PRId64, uid);
    audit_record_json_patient(&call->api->redis, call->who.user_id, "patient.update", target,
                              call->client_addr, d, uid);
    json_object_put(d);
    *out = p;
    return 0;
}

/* The patient's conversations the caller may open: the inbox's rule, filtered
 * by patient. */
static int r_profile_conversations(gql_resolve_info *info, void *ctx, json_object **out)
{
    struct api_call *call = ctx;
    const char *pid = json_object_get_string(json_object_object_get(info->parent, "userId"));
    char suser[24], slimit[16];
    snprintf(suser, sizeof suser, "%" PRId64, call->who.user_id);
    snprintf(slimit, sizeof slimit, "%d", CONVERSATIONS_MAX);
    const char *params[] = {suser, NULL, "f", "f", NULL, pid, NULL, NULL, slimit};
    int rc;
    PGresult *r =
        api_query(info, call, api_is_staff(call) ? SQL_INBOX_OF_PATIENT : SQL_INBOX_PATIENT, 9, params, &rc);
    if (!r)
        return rc;
    json_object *list = json_object_new_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_array_add(list, room_json(r, i));
    PQclear(r);
    *out = list;
    return 0;
}

int api_register_patients(gql_engine *r)
{
    int rc;
    if ((rc = gql_engine_register(r, "Query.patient", r_patient)) ||
        (rc = gql_engine_register(r, "Query.patients", r_patients)) ||
        (rc = gql_engine_register(r, "Mutation.updatePatientProfile", r_update_profile)) ||
        (rc = gql_engine_register(r, "PatientProfile.conversations", r_profile_conversations)))
        return rc;
    return 0;
}
