#!/usr/bin/env bash
# inbox_bench.sh: the inbox's reads on a clinic-sized database (issue 14).
#
#   bench/inbox_bench.sh [SECONDS=15]
#   env: ROOMS (100000) PATIENTS (20000) MESSAGES (1000000)  the seeded data
#        CONNS (32)          wrk connections
#        CRM_API_PROCS (16)  FastCGI processes (crm-api's default, as deployed)
#        BUILD (build/bench) an optimised build without sanitizers (CFLAGS=-O2 -g)
#        API_BIN             the crm-api to run (default BUILD/crm-api)
#        DATA_CACHE          a folder keeping the seeded, stopped cluster between runs
#                            (keyed by the migrations and this script's seed; a copy
#                            is started each run, so runs begin from the same data)
#        PG_ARGS             extra postgres settings ("-c shared_buffers=1GB ...")
#        HOLD=1              set up and seed, print the ports, keep the stack up
#                            for HOLD_SECONDS (600) to profile by hand; no runs
#
# Starts its own PostgreSQL, Redis (the shipped etc/redis.conf) and lighttpd with
# crm-api on free loopback ports in a temporary folder, seeds ROOMS
# conversations (a third unassigned, statuses and tags mixed) of PATIENTS
# patients with records, MESSAGES messages (a few in a hundred internal notes)
# and 20 staff, then runs wrk (2 threads, CONNS connections) for SECONDS after a
# 3 s warm-up against, as one staff member:
#   1. inbox, first page (50 rooms)
#   2. inbox, a deep page (after the 10,000th room)
#   3. patients(search) by a name prefix
#   4. searchMessages of a word in about 1 message in 500
# and prints req/s, p50 and p99 of each, with the ceiling (bench/fcgi_hello,
# a hello-world FastCGI responder under the same lighttpd and max-procs, same
# connections and request bytes) measured in the same run, and each server's
# CPU per request from /proc. crm-pushd and crm-worker are not
# started (the data is seeded in SQL). Everything it starts is stopped on exit,
# by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib.sh"
SECS=${1:-15}
WARM=3
PROCS=${CRM_API_PROCS:-16}
CONNS=${CONNS:-32}
ROOMS=${ROOMS:-100000}
PATIENTS=${PATIENTS:-20000}
MESSAGES=${MESSAGES:-1000000}
BUILD=${BUILD:-$ROOT/build/bench}
PASSWORD=bench-password-1

bench_configure
make -C "$BUILD" -j"$(nproc)" crm-api crm-admin crm-migrate >/dev/null
HELLO=$BUILD/bench/fcgi_hello
make -C "$BUILD" bench/fcgi_hello >/dev/null # not in the default build (bench/local.mk)

RUN=$(mktemp -d /tmp/crm-inboxbench.XXXXXX)
chmod 755 "$RUN"
mkdir -p "$RUN/logs" "$RUN/redis" "$RUN/www" "$RUN/pg"
chmod 700 "$RUN/pg"
if [ "$(id -u)" = 0 ]; then chown postgres: "$RUN/logs" "$RUN/pg"; fi
PG_PORT=$(free_port); REDIS_PORT=$(free_port); HTTP_PORT=$(free_port)

PIDS=() # redis, lighttpd: stopped on exit, by PID (and lighttpd's FastCGI children)
cleanup() {
  local p kids=()
  if [ -f "$RUN/lighttpd.main.pid" ]; then
    p=$(cat "$RUN/lighttpd.main.pid")
    mapfile -t kids < <(pgrep -P "$p" 2>/dev/null || true)
  fi
  bench_stop_pids
  sleep 0.3
  for p in "${kids[@]}"; do kill "$p" 2>/dev/null || true; done
  bench_pg_stop
  [ -n "${KEEP:-}" ] && echo "kept $RUN" || rm -rf "$RUN"
}
trap cleanup EXIT

# The seeded cluster may be kept between runs (DATA_CACHE): keyed by the
# migrations and the seed below, so a change to either seeds again.
SEED_KEY=$(cat "$ROOT"/sql/*.sql <(sed -n '/^# ---- the data/,/^# ---- end of the data/p' "${BASH_SOURCE[0]}") |
  cat - <(echo "$ROOMS $PATIENTS $MESSAGES $("$PGBIN/postgres" --version)") | sha256sum | cut -c1-16)
CACHED=
if [ -n "${DATA_CACHE:-}" ] && [ -f "$DATA_CACHE/$SEED_KEY/PG_VERSION" ]; then
  cp -a "$DATA_CACHE/$SEED_KEY/." "$RUN/pg/"
  CACHED=1
else
  as_pg "$PGBIN/initdb" -D "$RUN/pg" -U postgres --auth=trust -E UTF8 --no-locale >"$RUN/logs/initdb.log" 2>&1
fi
pg_start() {
  as_pg "$PGBIN/pg_ctl" -D "$RUN/pg" -l "$RUN/logs/postgres.log" -w start \
    -o "-p $PG_PORT -k $RUN/pg -c listen_addresses=127.0.0.1 ${PG_ARGS:-}" >/dev/null
}
pg_start
[ -n "$CACHED" ] || psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE crm" >/dev/null

export CRM_ENV=test CRM_LOG_LEVEL=info
export CRM_DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app"
export CRM_MIGRATE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=postgres"
export CRM_REDIS_HOST=127.0.0.1 CRM_REDIS_PORT=$REDIS_PORT
export CRM_HTTP_PORT=$HTTP_PORT CRM_WS_PORT=1 CRM_SCHEMA_PATH=$ROOT/schema.graphql
export CRM_RUN_DIR=$RUN CRM_WEB_ROOT=$RUN/www CRM_API_BIN=${API_BIN:-$BUILD/crm-api} CRM_API_PROCS=$PROCS
export CRM_BENCH_HELLO_BIN=$HELLO
export CRM_LOGIN_PER_EMAIL=100000 CRM_LOGIN_PER_ADDR=1000000
export CRM_CSP_CONNECT="ws://127.0.0.1:$HTTP_PORT" CRM_HSTS= # the front's headers (etc/lighttpd.conf)
[ -n "$CACHED" ] || "$BUILD/crm-migrate" "$ROOT/sql" >"$RUN/logs/migrate.log" 2>&1
sql() { psql -X -q -v ON_ERROR_STOP=1 -tA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d crm "$@"; }

redis-server "$ROOT/etc/redis.conf" --port "$REDIS_PORT" --dir "$RUN/redis" --bind 127.0.0.1 \
  >"$RUN/logs/redis.log" 2>&1 < /dev/null &
PIDS+=($!)
bench_redis_wait

# ---- the data ----------------------------------------------------------------------------
if [ -n "$CACHED" ]; then
  STAFF=$(sql -c "SELECT id FROM users WHERE email = 'staff1@bench.test'")
  echo "seeded data from $DATA_CACHE/$SEED_KEY: $(sql -c "SELECT pg_size_pretty(pg_database_size('crm'))")"
else
STAFF=$(CRM_ADMIN_PASSWORD=$PASSWORD "$BUILD/crm-admin" create-user --email staff1@bench.test \
  --name "Bench Staff 1" --role STAFF)
echo "seeding $ROOMS rooms, $PATIENTS patients, $MESSAGES messages ..."
T0=$(date +%s)
sql -v rooms="$ROOMS" -v patients="$PATIENTS" -v messages="$MESSAGES" -v staff="$STAFF" <<'SQL'
SET synchronous_commit = off;
-- The search index takes the bulk load through its pending list, flushed by
-- the VACUUM below; then it runs as shipped (004_inbox_perf: no pending list).
ALTER INDEX messages_tsv SET (fastupdate = on);
-- 19 more staff and the patients; one password hash for all (nobody signs in as them).
INSERT INTO users (email, display_name, role, password_hash)
SELECT 'staff' || g || '@bench.test', 'Bench Staff ' || g, 'STAFF', (SELECT password_hash FROM users WHERE id = :staff)
FROM generate_series(2, 20) g;
CREATE TEMP TABLE first_names AS SELECT unnest(ARRAY['Anna','Ben','Carla','David','Elif','Farid','Greta',
  'Hugo','Ines','Jonas','Kira','Luca','Mara','Noah','Olga','Paul','Rosa','Sami','Tina','Umar']) AS n;
INSERT INTO users (email, display_name, role, password_hash)
SELECT 'patient' || g || '@bench.test',
       (SELECT n FROM first_names OFFSET g % 20 LIMIT 1) || ' Patient' || g, 'PATIENT',
       (SELECT password_hash FROM users WHERE id = :staff)
FROM generate_series(1, :patients) g;
CREATE TEMP TABLE staff_ids AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM users WHERE role = 'STAFF';
CREATE TEMP TABLE patient_ids AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM users WHERE role = 'PATIENT';
INSERT INTO patient_profiles (user_id, mrn, date_of_birth, phone)
SELECT id, 'MRN-' || (100000 + k), date '1940-01-01' + (k * 7919 % 25000)::int, '+49151' || (1000000 + k)
FROM patient_ids;
-- Rooms: a third unassigned; statuses and tags mixed; updated over 90 days.
INSERT INTO rooms (name, created_by, patient_id, assignee_id, status, tags, updated_at, created_at)
SELECT 'Conversation ' || g, :staff,
       (SELECT id FROM patient_ids WHERE k = g % :patients),
       CASE WHEN g % 3 = 0 THEN NULL ELSE (SELECT id FROM staff_ids WHERE k = g % 20) END,
       (ARRAY['OPEN','PENDING','RESOLVED'])[1 + g % 3]::conversation_status,
       CASE g % 4 WHEN 0 THEN '{}' WHEN 1 THEN '{vip}' WHEN 2 THEN '{follow-up,billing}' ELSE '{lab}' END::text[],
       now() - (g * 7717 % 7776000) * interval '1 second', now() - interval '100 days'
FROM generate_series(1, :rooms) g;
INSERT INTO room_members (room_id, user_id) SELECT id, patient_id FROM rooms;
INSERT INTO room_members (room_id, user_id) SELECT id, assignee_id FROM rooms WHERE assignee_id IS NOT NULL;
-- Messages: spread over the rooms; about 1 in 500 mentions "migraine", 3 in 100 are notes.
CREATE TEMP TABLE words AS SELECT unnest(ARRAY['appointment','tablets','pain','results','insurance','thanks',
  'tomorrow','fever','dose','question','morning','referral','invoice','cough','blood','pressure','allergy',
  'vaccine','clinic','doctor']) AS w;
CREATE TEMP TABLE wl AS SELECT array_agg(w) AS a FROM words;
INSERT INTO messages (room_id, sender_id, body, idempotency_key, stream_ms, stream_seq, created_at, internal)
SELECT 1 + g % :rooms, r.patient_id,
       CASE WHEN g % 500 = 0 THEN 'my migraine is back since ' ELSE '' END ||
       wl.a[1 + g % 20] || ' ' || wl.a[1 + (g / 20) % 20] || ' ' || wl.a[1 + (g / 400) % 20] || ' ' ||
       wl.a[1 + (g / 7) % 20] || ' please ' || g,
       'bench-' || g, 1700000000000 + g, 0, timestamptz 'epoch' + (1700000000000 + g) * interval '1 millisecond',
       g % 100 < 3
FROM generate_series(1, :messages) g CROSS JOIN wl JOIN rooms r ON r.id = 1 + g % :rooms;
-- What a running database looks like: the rooms' public times as persisted
-- messages (not notes) would have left them; the search index's pending list
-- flushed and the table's visibility map set, as autovacuum leaves them.
UPDATE rooms SET public_updated_at = updated_at;
ALTER INDEX messages_tsv SET (fastupdate = off);
SQL
sql -c "VACUUM ANALYZE"
sql -c "CHECKPOINT"
echo "seeded in $(( $(date +%s) - T0 )) s: $(sql -c "SELECT pg_size_pretty(pg_database_size('crm'))")"
if [ -n "${DATA_CACHE:-}" ]; then # a stopped cluster's copy, for the next run
  as_pg "$PGBIN/pg_ctl" -D "$RUN/pg" -m fast -w stop >/dev/null
  rm -rf "$DATA_CACHE/$SEED_KEY.tmp"; mkdir -p "$DATA_CACHE"
  cp -a "$RUN/pg" "$DATA_CACHE/$SEED_KEY.tmp" && rm -f "$DATA_CACHE/$SEED_KEY.tmp/postmaster.pid" &&
    mv "$DATA_CACHE/$SEED_KEY.tmp" "$DATA_CACHE/$SEED_KEY"
  pg_start
fi
fi
# ---- end of the data ---------------------------------------------------------------------

bench_front_conf # the shipped front plus the /hello ceiling (bench/lib.sh)
lighttpd -D -f "$RUN/lighttpd.conf" >"$RUN/logs/lighttpd.log" 2>&1 < /dev/null &
PIDS+=($!)
echo "${PIDS[-1]}" > "$RUN/lighttpd.main.pid"
URL=http://127.0.0.1:$HTTP_PORT
for _ in $(seq 100); do curl -fsS "$URL/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$URL/health" >/dev/null
curl -fsS -X POST -d '{}' "$URL/hello" | grep -q hello

gql_body() { jq -cn --arg q "$1" --argjson v "$2" '{query: $q, variables: $v}'; }
gql_body 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}' \
  "$(jq -cn --arg p "$PASSWORD" '{e: "staff1@bench.test", p: $p}')" |
  curl -fsS "$URL/graphql" -H 'Content-Type: application/json' -d @- | jq -er .data.login.token > "$RUN/token"

# The deep page's cursor: the 10,000th room of this staff member's inbox.
AFTER=$(sql -c "SELECT (extract(epoch FROM updated_at) * 1000000)::bigint || ':' || id FROM rooms r
  WHERE EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = $STAFF)
     OR (r.patient_id IS NOT NULL AND r.assignee_id IS NULL)
  ORDER BY updated_at DESC, id DESC OFFSET 9999 LIMIT 1")
ROOMQ='rooms{id name status updatedAt tags patient{id displayName} assignee{id}} next'
gql_body "query(\$a:String){inbox(limit:50,after:\$a){$ROOMQ}}" '{}' > "$RUN/inbox-first.json"
gql_body "query(\$a:String){inbox(limit:50,after:\$a){$ROOMQ}}" "{\"a\":\"$AFTER\"}" > "$RUN/inbox-deep.json"
gql_body 'query{patients(search:"kira",limit:20){user{id displayName} mrn dateOfBirth}}' '{}' > "$RUN/patients.json"
gql_body 'query{searchMessages(query:"migraine",limit:20){id roomId body internal}}' '{}' > "$RUN/search.json"
for f in inbox-first inbox-deep patients search; do
  curl -fsS "$URL/graphql" -H 'Content-Type: application/json' -H "Authorization: Bearer $(cat "$RUN/token")" \
    -d @"$RUN/$f.json" | jq -e '.errors == null' >/dev/null || { echo "$f answers errors" >&2; exit 1; }
done

if [ -n "${HOLD:-}" ]; then # keep the stack up for profiling until interrupted
  printf 'URL=%s\nRUN=%s\nREDIS_PORT=%s\nPG_PORT=%s\nSTAFF=%s\n' "$URL" "$RUN" "$REDIS_PORT" "$PG_PORT" "$STAFF" |
    tee "$RUN/env"
  sleep "${HOLD_SECONDS:-600}" & PIDS+=($!); wait "${PIDS[-1]}" || true
  exit 0
fi

# CPU spent per request by each server, from /proc (user + system).
LPID=$(cat "$RUN/lighttpd.main.pid")
API_PIDS=(); HELLO_PIDS=()
for p in $(pgrep -P "$LPID"); do
  case $(readlink "/proc/$p/exe") in *fcgi_hello) HELLO_PIDS+=("$p") ;; *) API_PIDS+=("$p") ;; esac
done
PGMAIN=$(head -1 "$RUN/pg/postmaster.pid")
# PostgreSQL: the postmaster and its children (crm-api's backends among them).
cpu_snap() { echo "$(cpu_ms "${API_PIDS[@]}") $(cpu_ms "${HELLO_PIDS[@]}") $(cpu_ms "$LPID") $(cpu_ms "${PIDS[0]}") $(cpu_ms "$PGMAIN" $(pgrep -P "$PGMAIN"))"; }

run_wrk() { # name body [path]
  wrk -t2 -c"$CONNS" -d"${WARM}s" --timeout 10s -s "$ROOT/bench/gql_post.lua" "$URL${3:-/graphql}" -- \
    "$RUN/token" "$RUN/$2.json" > /dev/null 2>&1
  cpu_snap > "$RUN/$1.cpu0"
  wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 10s --latency -s "$ROOT/bench/gql_post.lua" "$URL${3:-/graphql}" -- \
    "$RUN/token" "$RUN/$2.json" > "$RUN/$1.out" 2>&1
  cpu_snap > "$RUN/$1.cpu1"
  grep '^RESULT' "$RUN/$1.out" | sed 's/^RESULT //' > "$RUN/$1.result"
}
field() { tr ' ' '\n' < "$RUN/$1.result" | sed -n "s/^$2=//p"; }
line() { # name label
  awk -v l="$2" -v n="$(field "$1" requests)" -v d="$(field "$1" duration_us)" -v a="$(field "$1" p50_us)" \
    -v b="$(field "$1" p99_us)" -v e="$(( $(field "$1" errors_status) + $(field "$1" errors_timeout) ))" \
    -v c0="$(cat "$RUN/$1.cpu0")" -v c1="$(cat "$RUN/$1.cpu1")" \
    'BEGIN { printf "%-32s %6.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %s ", l, n / (d / 1e6), a / 1000, b / 1000, e
      split(c0, x, " "); split(c1, y, " "); split("crm-api hello lighttpd redis postgres", nm, " ")
      printf " CPU us/req:"; for (i = 1; i <= 5; i++) { v = (y[i] - x[i]) * 1000 / n; t += v; if (v >= 1) printf " %s %.0f", nm[i], v }
      printf ", total %.0f\n", t }'
}

echo "inbox benchmark: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), max-procs $PROCS" \
  "(running: ${#API_PIDS[@]} crm-api, ${#HELLO_PIDS[@]} fcgi_hello)," \
  "$CONNS connections, ${SECS}s per run after ${WARM}s warm-up"
# The ceiling takes the first page's request bytes (it reads and ignores them).
run_wrk hello inbox-first /hello
for f in inbox-first inbox-deep patients search; do run_wrk "$f" "$f"; done
line hello "ceiling (/hello, fcgi_hello)"
line inbox-first "inbox, first page (50)"
line inbox-deep "inbox, after 10,000 rooms (50)"
line patients "patients(search: \"kira\")"
line search "searchMessages(\"migraine\")"

# Where PostgreSQL's share goes, statement by statement: its CPU per bind
# (a custom plan is made there) and per execute, from log_statement_stats
# (getrusage in each backend), during one more short run of each request at
# 1 connection after the measured runs (the logging costs time of its own).
[ "${STMT_STATS:-1}" = 0 ] && exit 0
sql -c "ALTER SYSTEM SET log_statement_stats = on" -c "ALTER SYSTEM SET log_statement = 'all'" \
  -c "ALTER SYSTEM SET log_line_prefix = '%p '" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
echo "PostgreSQL CPU per statement (log_statement_stats; median us, 1 connection):"
for f in inbox-first inbox-deep patients search; do
  FROM=$(wc -l < "$RUN/logs/postgres.log")
  wrk -t1 -c1 -d2s -s "$ROOT/bench/gql_post.lua" "$URL/graphql" -- "$RUN/token" "$RUN/$f.json" >/dev/null 2>&1
  tail -n +"$((FROM + 1))" "$RUN/logs/postgres.log" | awk -v req="$f" '
    # pid LOG:  BIND MESSAGE STATISTICS / execute NAME: ... / EXECUTE MESSAGE STATISTICS,
    # each statistics message followed by its "! u s user, s s system" line.
    $2 == "LOG:" && $3 == "BIND" { pid = $1; kind = "bind" }
    $2 == "LOG:" && $3 == "EXECUTE" && $4 == "MESSAGE" { pid = $1; kind = "exec" }
    $2 == "LOG:" && $3 == "execute" { name = $4; sub(/:$/, "", name); stmt[$1] = name; if (bound[$1] != "") { add(name, "bind", bound[$1]); bound[$1] = "" } }
    /^[ \t]*![ \t]+[0-9.]+ s user, [0-9.]+ s system, / && kind != "" {
      us = ($2 + $5) * 1e6
      if (kind == "bind") bound[pid] = us; else add(stmt[pid], "exec", us)
      kind = ""
    }
    function add(s, k, v) { n[s, k]++; vals[s, k, n[s, k]] = v; names[s] = 1 }
    function median(s, k,   i, j, t, m) {
      m = n[s, k]; if (!m) return 0
      for (i = 1; i <= m; i++) a[i] = vals[s, k, i]
      for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return a[int((m + 1) / 2)]
    }
    END { for (s in names) if (s != "") printf "  %-12s %-16s bind %5.0f  execute %5.0f  (%d executions)\n", req, s,
      median(s, "bind"), median(s, "exec"), n[s, "exec"] }'
done
sql -c "ALTER SYSTEM RESET ALL" -c "SELECT pg_reload_conf()" >/dev/null
