/* Test driver of lib/stream_entry against a real Redis (tests/integration):
 *   entrytool ROOM ID
 * reads entry ID of ROOM's stream (crm_stream_of_room, CRM_STREAMS as for
 * crm-api), parses it with crm_stream_entry_parse, encodes the
 * result again with crm_stream_entry_encode and checks that the stored
 * field/value pairs are those bytes in that order: what crm-api's send script
 * wrote is what the one definition in lib/ produces. Prints the entry as one
 * JSON object; exits 1 (with the reason on stderr) when it does not parse or
 * differs. Connects as crm-api's Redis user (CRM_REDIS_HOST, CRM_REDIS_PORT,
 * CRM_REDIS_PASSWORD_FILE as for crm-api). */
#include "config.h"

#include "crm_config.h"
#include "redis_auth.h"
#include "redis_sync.h"
#include "stream_entry.h"
#include "streams.h"

#include <hiredis/hiredis.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static void add_str(json_object *o, const char *name, const char *s, size_t len)
{
    json_object_object_add(o, name, s ? json_object_new_string_len(s, (int)len) : NULL);
}

/* 0 when the stored pairs equal the encoder's, byte for byte. */
static int same_as_encoder(const redisReply *fields, const struct crm_stream_entry *e)
{
    struct crm_entry_argv a;
    int rc = crm_stream_entry_encode(&a, e);
    if (rc != 0) {
        fprintf(stderr, "encode: %s\n", crm_stream_entry_strerror(rc));
        return -1;
    }
    if ((size_t)a.argc != fields->elements) {
        fprintf(stderr, "stored %zu strings, the encoder %d\n", fields->elements, a.argc);
        return -1;
    }
    for (int i = 0; i < a.argc; i++) {
        const redisReply *f = fields->element[i];
        if ((size_t)f->len != a.argvlen[i] || memcmp(f->str, a.argv[i], a.argvlen[i]) != 0) {
            fprintf(stderr, "string %d differs: stored %.*s, encoded %.*s\n", i, (int)f->len, f->str,
                    (int)a.argvlen[i], a.argv[i]);
            return -1;
        }
    }
    return 0;
}

static int show(redisContext *c, const char *stream, const char *id)
{
    redisReply *r = redisCommand(c, "XRANGE %s %s %s", stream, id, id);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 1 || r->element[0]->type != REDIS_REPLY_ARRAY ||
        r->element[0]->elements != 2) {
        fprintf(stderr, "XRANGE: %s\n", r && r->type == REDIS_REPLY_ERROR ? r->str : "no such entry");
        if (r)
            freeReplyObject(r);
        return 1;
    }
    const redisReply *fields = r->element[0]->element[1];
    struct crm_stream_entry e;
    int rc = crm_stream_entry_parse(fields, &e);
    if (rc != 0) {
        fprintf(stderr, "parse: %s\n", crm_stream_entry_strerror(rc));
        freeReplyObject(r);
        return 1;
    }
    if (same_as_encoder(fields, &e) < 0) {
        freeReplyObject(r);
        return 1;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "room", json_object_new_int64(e.room_id));
    json_object_object_add(o, "sender", json_object_new_int64(e.sender_id));
    add_str(o, "key", e.key, e.key_len);
    add_str(o, "body", e.body, e.body_len);
    add_str(o, "semail", e.who.email, e.who.email_len);
    add_str(o, "sname", e.who.name, e.who.name_len);
    add_str(o, "srole", e.who.role, e.who.role_len);
    add_str(o, "screated", e.who.created, e.who.created_len);
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    freeReplyObject(r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: entrytool ROOM ID\n");
        return 2;
    }
    struct crm_config cfg;
    struct crm_redis_auth auth;
    struct crm_redis redis;
    char err[256];
    if (crm_config_load(&cfg, err, sizeof err) < 0 ||
        crm_redis_auth_load(&auth, &cfg, "crm-api", err, sizeof err) < 0) {
        fprintf(stderr, "configuration: %s\n", err);
        return 1;
    }
    crm_redis_auth_use(&auth);
    crm_redis_init(&redis, cfg.redis_host, cfg.redis_port, 5000);
    redisContext *c = crm_redis_get(&redis);
    int rc = 1;
    if (!c)
        fprintf(stderr, "cannot connect to Redis\n");
    else {
        char stream[CRM_STREAM_NAME_MAX];
        crm_stream_name(stream, crm_stream_of_room(strtoll(argv[1], NULL, 10), cfg.streams));
        rc = show(c, stream, argv[2]);
    }
    crm_redis_deinit(&redis);
    return rc;
}
