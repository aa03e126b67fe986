/* The message stream entry: what crm-api XADDs, crm-pushd relays and crm-worker
 * persists. Fields, in this order:
 *
 *   v       "1" (format version)
 *   room    room id, decimal, 1..INT64_MAX, no sign or leading zero
 *   sender  user id, same form
 *   key     idempotency key, 1..128 bytes of valid UTF-8 without NUL
 *   body    valid UTF-8 without NUL, 1..4000 characters (code points)
 *
 * and, written by crm-api since the sender rides along so that crm-pushd can show
 * Message.sender without asking PostgreSQL (entries without them stay valid):
 *
 *   semail    the sender's email          } all four or none; valid UTF-8
 *   sname     the sender's display name   } without NUL, at most
 *   srole     ADMIN, STAFF or PATIENT     } CRM_ENTRY_SENDER_MAX bytes
 *   screated  the sender's createdAt      }
 *
 * and, for a staff-only note (absent otherwise, as in entries written before):
 *
 *   internal  "1"
 *
 * The entry ID <ms>-<seq> is the message's position: messages.stream_ms and
 * stream_seq, and created_at is its ms part. Parsing is strict: a missing,
 * repeated or unknown field, or any value out of range, is refused. */
#ifndef CRM_STREAM_ENTRY_H
#define CRM_STREAM_ENTRY_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#define CRM_ENTRY_VERSION "1"
#define CRM_ENTRY_KEY_MAX 128         /* bytes */
#define CRM_ENTRY_BODY_MAX_CHARS 4000 /* code points, as PostgreSQL's length() */
#define CRM_ENTRY_FIELDS 5            /* required fields */
#define CRM_ENTRY_SENDER_FIELDS 4     /* optional sender fields */
#define CRM_ENTRY_SENDER_MAX 512      /* bytes of one sender field */
#define CRM_ENTRY_ID_MAX 48           /* "<20 digits>-<20 digits>" and a NUL */

enum crm_entry_err {
    CRM_ENTRY_OK = 0,
    CRM_ENTRY_EFORMAT = -1,     /* not an array of field/value strings, or unknown/repeated field */
    CRM_ENTRY_EVERSION = -2,    /* v missing or not "1" */
    CRM_ENTRY_EROOM = -3,       /* room missing or not a positive decimal int64 */
    CRM_ENTRY_ESENDER = -4,     /* sender missing or not a positive decimal int64 */
    CRM_ENTRY_EKEY = -5,        /* key missing, empty, too long, NUL or invalid UTF-8 */
    CRM_ENTRY_EBODY = -6,       /* body missing, empty, too long, NUL or invalid UTF-8 */
    CRM_ENTRY_EID = -7,         /* a stream ID that is not <ms>-<seq> */
    CRM_ENTRY_ESENDERINFO = -8, /* sender fields partial, too long, NUL or invalid UTF-8 */
    CRM_ENTRY_EINTERNAL = -9,   /* internal present but not "1" */
};

/* The sender as the entry carries it: every pointer NULL when it does not. */
struct crm_entry_sender {
    const char *email, *name, *role, *created;
    size_t email_len, name_len, role_len, created_len;
};

/* A decoded entry. key and body point into the reply or the caller's strings
 * they were parsed from or encoded with (borrowed, not NUL-terminated). */
struct crm_stream_entry {
    int64_t room_id;
    int64_t sender_id;
    const char *key;
    size_t key_len;
    const char *body;
    size_t body_len;
    struct crm_entry_sender who; /* optional (see above) */
    int internal;                /* 1: a staff-only note (never shown to a patient) */
};

/* The entry's field/value pairs, in the order above: the one definition of what
 * is written. crm-api hands them to its send script, which XADDs them as they
 * are (fcgi/send.c), so the script knows no field name. Strings point into this
 * struct and the entry given to encode: keep it alive while they are used. */
#define CRM_ENTRY_ARGC (2 * (CRM_ENTRY_FIELDS + CRM_ENTRY_SENDER_FIELDS + 1))
struct crm_entry_argv {
    int argc; /* 2 * CRM_ENTRY_FIELDS, plus the sender's fields and `internal` when present */
    const char *argv[CRM_ENTRY_ARGC];
    size_t argvlen[CRM_ENTRY_ARGC];
    char room[24];   /* decimal room id */
    char sender[24]; /* decimal sender id */
};

/* Validates e and fills out with its field/value pairs; the sender fields are
 * written when e carries them. Returns 0, or the crm_entry_err of the first
 * invalid field. */
int crm_stream_entry_encode(struct crm_entry_argv *out, const struct crm_stream_entry *e);

/* Checks the fields of a decoded entry as parse does. Returns 0 or a crm_entry_err. */
int crm_stream_entry_validate(const struct crm_stream_entry *e);

/* Parses the field/value array of an entry (the second element of an entry in an
 * XREAD/XRANGE reply), starting at element `first` (0 for a plain entry; wrappers
 * such as retries put their own fields first). out borrows from fields.
 * Returns 0 or a crm_entry_err. */
int crm_stream_entry_parse_from(const redisReply *fields, size_t first, struct crm_stream_entry *out);

/* crm_stream_entry_parse_from(fields, 0, out). */
int crm_stream_entry_parse(const redisReply *fields, struct crm_stream_entry *out);

/* Parses a stream entry ID "<ms>-<seq>" (both decimal uint64; ms at most
 * INT64_MAX so that it fits a bigint). Returns 0 or CRM_ENTRY_EID. */
int crm_stream_id_parse(const char *id, size_t len, uint64_t *ms, uint64_t *seq);

/* Parses a positive decimal int64 without sign or leading zero. 0 or -1. */
int crm_decimal_id_parse(const char *s, size_t len, int64_t *out);

/* A short English description of a crm_entry_err, for logs and dead letters. */
const char *crm_stream_entry_strerror(int err);

#endif
