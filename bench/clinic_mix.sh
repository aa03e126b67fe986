#!/usr/bin/env bash
# clinic_mix.sh: crm-pushd under the clinic mix of live-state events (issue 15),
# beside messageAdded alone, on the same sockets in the same run.
#
#   bench/clinic_mix.sh [ROOMS=10000] [SECONDS=15]
#   env: RATE (500 messages/s)  TYPING (1000 typing events/s)
#        PUSHD_PROCS, LOAD_PROCS (max(2, ceil(3*ROOMS/15000)) each: one process
#        holds at most ~20,000 descriptors here)   CONNECT_WINDOW (180 s)
#        BENCH_NICE (0)  SKIP_BUILD=1  KEEP=1 (keep the run folder)
#
# Starts its own PostgreSQL, Redis and crm-pushd (optimised build in
# build/bench, no sanitizers) on free loopback ports in a temporary folder;
# seeds ROOMS assigned conversations of 3 members (a patient, the assignee, a
# second staff member: 3*ROOMS users), signs one token per member, and runs
# bench/clinic_load: phase A, messageAdded alone at RATE messages/s; phase B
# on the same sockets, each also subscribed to inboxUpdated and typing(roomId),
# after a warm-up of one message per room: RATE messages/s, TYPING typing
# events/s and one markRead per message (see bench/clinic_load.c for what is
# published how). crm-api is not started: typing and read events are
# published on Redis as crm-api publishes them (docs/LIVE-STATE.md) and the
# read positions upserted with crm-api's statement (docs/BENCHMARKS.md says
# why). Everything it starts is stopped on exit, by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib.sh"
ROOMS=${1:-10000}
SECS=${2:-15}
RATE=${RATE:-500}
TYPING=${TYPING:-1000}
N=$((ROOMS * 3))
BUILD=${BUILD:-$ROOT/build/bench}
NICE=${BENCH_NICE:-0}
WINDOW=${CONNECT_WINDOW:-180}
PROCS=${PUSHD_PROCS:-$(procs_for "$N")}
LOAD_PROCS=${LOAD_PROCS:-$(procs_for "$N")}

bench_configure
[ -n "${SKIP_BUILD:-}" ] || make -C "$BUILD" -j"$(nproc)" crm-pushd crm-migrate bench/clinic_load bench/ws_calibrate >/dev/null

RUN=$(mktemp -d /tmp/crm-clinicmix.XXXXXX)
chmod 755 "$RUN"
mkdir -p "$RUN/logs" "$RUN/pg"
chmod 700 "$RUN/pg"
if [ "$(id -u)" = 0 ]; then chown postgres: "$RUN/logs" "$RUN/pg"; fi
PG_PORT=$(free_port); REDIS_PORT=$(free_port); WS_PORT=$(free_port); METRICS_PORT=$(free_port)

PIDS=() # redis, crm-pushd's supervisor, the generator: stopped on exit, by PID
cleanup() {
  bench_stop_pids
  bench_pg_stop
  [ -n "${KEEP:-}" ] && echo "kept $RUN" || rm -rf "$RUN"
}
trap cleanup EXIT

bench_pg_start -c max_connections=100
export CRM_MIGRATE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=postgres"
CRM_ENV=test CRM_DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app" \
  "$BUILD/crm-migrate" "$ROOT/sql" >"$RUN/logs/migrate.log" 2>&1

T0=$(date +%s)
bench_seed_rooms "$ROOMS" 3 c
# One token per member (the claims crm-api's login signs).
node -e '
const c=require("crypto"),fs=require("fs");const s=process.argv[1];const n=Math.floor(Date.now()/1000);
const e=(o)=>Buffer.from(JSON.stringify(o)).toString("base64url");const h=e({alg:"HS256",typ:"JWT"});
const out=fs.readFileSync(process.argv[2],"utf8").trim().split("\n").map((l)=>{const [room,user,role]=l.split(" ");
const b=e({sub:user,role:role.toUpperCase(),jti:c.randomBytes(16).toString("hex"),iat:n,exp:n+7200});
return room+" "+user+" "+h+"."+b+"."+c.createHmac("sha256",s).update(h+"."+b).digest("base64url");});
fs.writeFileSync(process.argv[3],out.join("\n")+"\n");' \
  "${CRM_JWT_SECRET:-dev-only-jwt-secret-do-not-use-in-production}" "$RUN/members" "$RUN/conns"
# crm-pushd's membership cache, as it fills it itself on a miss.
awk '{ m[$1] = m[$1] " " $2 } END { for (r in m) { print "SADD crm:members:" r " 0" m[r]; print "SET crm:members:" r ":p 0" } }' "$RUN/members" > "$RUN/members.redis"
echo "seeded $ROOMS rooms, $N users in $(( $(date +%s) - T0 )) s"

nice -n "$NICE" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$RUN" --maxclients 1000 >"$RUN/logs/redis.log" 2>&1 < /dev/null &
PIDS+=($!)
bench_redis_wait
redis-cli -p "$REDIS_PORT" < "$RUN/members.redis" >/dev/null

export CRM_ENV=development CRM_LOG_LEVEL=warn CRM_REDIS_HOST=127.0.0.1 CRM_REDIS_PORT=$REDIS_PORT CRM_STREAMS=1
export CRM_WS_BIND=127.0.0.1 CRM_WS_PORT=$WS_PORT CRM_WS_PROCESSES=$PROCS CRM_WS_METRICS_PORT=$METRICS_PORT
export CRM_SCHEMA_PATH=$ROOT/schema.graphql CRM_DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app"
setsid nice -n "$NICE" "$BUILD/crm-pushd" >"$RUN/logs/pushd.log" 2>&1 < /dev/null &
PUSHD=$!
PIDS+=($PUSHD)
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$WS_PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done

rss_kib() {
  local t=0 p
  for p in $(pgrep -P "$PUSHD"); do t=$((t + $(awk '/VmRSS/ {print $2}' "/proc/$p/status"))); done
  echo $t
}
echo "crm-pushd: $PROCS process(es) on :$WS_PORT; load generator: $LOAD_PROCS process(es); nice $NICE;" \
  "$ROOMS rooms, $N sockets; $RATE messages/s, $TYPING typing/s, ${SECS}s per phase"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
nice -n "$NICE" "$BUILD/bench/ws_calibrate" 1000 20
timeout $((WINDOW + 4 * SECS + 180)) nice -n "$NICE" "$BUILD/bench/clinic_load" -p "$WS_PORT" -f "$RUN/conns" \
  -P "$LOAD_PROCS" -R "$REDIS_PORT" -D "host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app" \
  -m "$RATE" -y "$TYPING" -d "$SECS" -w "$WINDOW" -C "$PUSHD" > "$RUN/load.out" 2>"$RUN/logs/load.err" &
LOAD=$!
PIDS+=($LOAD)
HELD=0
while kill -0 $LOAD 2>/dev/null; do
  if [ "$HELD" = 0 ] && grep -qs '^holding' "$RUN/load.out"; then HELD=$(rss_kib); fi
  sleep 1
done
wait $LOAD || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E '^(holding|mix|RESULT)' "$RUN/load.out" || tail -5 "$RUN/load.out"
echo "pushd RSS with sockets held (messageAdded only): $HELD KiB; at the end: $(rss_kib) KiB"
curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null | grep -E '^crm_pushd_(inbox|typing)' | head -20 || true
grep -E 'error|warn' "$RUN/logs/pushd.log" | sort | uniq -c | sort -rn | head -5 || true
head -3 "$RUN/logs/load.err" || true
