#!/usr/bin/env bash
# ha_bench.sh: what high availability costs sendMessage (docs/HA.md).
#
#   bench/ha_bench.sh [SECONDS=10]
#   env: CRM_API_PROCS (16) FastCGI processes, the same for crm-api and the ceiling
#        CONNS (64)         wrk connections
#        USERS (4)          benchmark users (tokens rotate per request)
#        BUILD (build/bench) an optimised build without sanitizers (CFLAGS=-O2 -g)
#
# Starts its own PostgreSQL, two Redis primaries A and B, each with a replica
# (the shipped etc/redis.conf: appendfsync always), and lighttpd with crm-api
# and the hello-world ceiling (as bench/api_bench.sh), on free loopback ports in
# a temporary folder. CRM_STREAMS=2 and four rooms, two on each stream; wrk
# (2 threads) sends with a unique key per request, round the rooms. One after
# the other, each for SECONDS after a 2 s warm-up:
#   1. /hello                              the ceiling
#   2. sendMessage, CRM_REDIS_MIN_REPLICAS=0, both streams on A
#   3. sendMessage, CRM_REDIS_MIN_REPLICAS=1, both streams on A (WAIT for A's replica)
#   4. sendMessage, CRM_REDIS_MIN_REPLICAS=0, CRM_REDIS_SHARDS=B: stream 1 on B
#   5. run 2 again: how much the machine drifted meanwhile
# crm-api is restarted (lighttpd and its processes) between the settings.
# Prints req/s, p50, p99, the ratio to the ceiling, the CPU each Redis server
# spent per request, and checks that every answer was an entry on its shard.
# crm-pushd and crm-worker are not started. Everything it starts is stopped on
# exit, by PID. Other benchmarks may share the machine: run it under
# `flock` on a lock file shared with them.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECS=${1:-10}
WARM=2
PROCS=${CRM_API_PROCS:-16}
CONNS=${CONNS:-64}
USERS=${USERS:-4}
BUILD=${BUILD:-$ROOT/build/bench}
PASSWORD=bench-password-1

# ---- build (no sanitizers) --------------------------------------------------------
. "$ROOT/bench/lib.sh"
bench_configure
make -C "$BUILD" -j"$(nproc)" crm-api crm-admin crm-migrate >/dev/null
HELLO=$BUILD/bench/fcgi_hello
make -C "$BUILD" bench/fcgi_hello >/dev/null

# ---- the servers ----------------------------------------------------------------------
RUN=$(mktemp -d /tmp/crm-habench.XXXXXX)
chmod 755 "$RUN"
mkdir -p "$RUN/logs" "$RUN/www" "$RUN/pg" "$RUN/a" "$RUN/a2" "$RUN/b" "$RUN/b2"
chmod 700 "$RUN/pg"
if [ "$(id -u)" = 0 ]; then chown postgres: "$RUN/logs" "$RUN/pg"; fi
PG_PORT=$(free_port); A=$(free_port); A2=$(free_port); B=$(free_port); B2=$(free_port); HTTP_PORT=$(free_port)

PIDS=()  # Redis servers and wrk, stopped on exit
LPID=""  # the lighttpd of the current setting
front_stop() {
  [ -n "$LPID" ] || return 0
  local kids=() p
  mapfile -t kids < <(pgrep -P "$LPID" 2>/dev/null || true)
  kill "$LPID" 2>/dev/null || true
  wait "$LPID" 2>/dev/null || true
  sleep 0.3
  for p in "${kids[@]}"; do kill "$p" 2>/dev/null || true; done
  LPID=""
}
cleanup() {
  front_stop
  local p
  bench_stop_pids
  bench_pg_stop
  [ -n "${KEEP:-}" ] && echo "kept $RUN" || rm -rf "$RUN"
}
trap cleanup EXIT
trap 'echo "ha_bench.sh: failed at line $LINENO" >&2' ERR

bench_pg_start

export CRM_ENV=test CRM_LOG_LEVEL=info
export CRM_DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app"
export CRM_MIGRATE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=postgres"
export CRM_REDIS_HOST=127.0.0.1 CRM_REDIS_PORT=$A CRM_STREAMS=2
export CRM_HTTP_PORT=$HTTP_PORT CRM_WS_PORT=1 CRM_SCHEMA_PATH=$ROOT/schema.graphql
export CRM_RUN_DIR=$RUN CRM_WEB_ROOT=$RUN/www CRM_API_BIN=$BUILD/crm-api CRM_API_PROCS=$PROCS
export CRM_BENCH_HELLO_BIN=$HELLO CRM_CSP_CONNECT="ws://127.0.0.1:$HTTP_PORT" CRM_HSTS=
export CRM_SEND_RATE=1000000 CRM_LOGIN_PER_EMAIL=100000 CRM_LOGIN_PER_ADDR=1000000
"$BUILD/crm-migrate" "$ROOT/sql" >"$RUN/logs/migrate.log" 2>&1

redis() { # name port [replicaof-port]
  local name=$1 port=$2 of=${3:-}
  redis-server "$ROOT/etc/redis.conf" --port "$port" --dir "$RUN/$name" --bind 127.0.0.1 \
    ${of:+--replicaof 127.0.0.1 $of} >"$RUN/logs/redis-$name.log" 2>&1 < /dev/null &
  PIDS+=($!)
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
}
redis a "$A"; redis a2 "$A2" "$A"; redis b "$B"; redis b2 "$B2" "$B"
RPIDS=("${PIDS[@]}") # a a2 b b2
for p in "$A2" "$B2"; do
  for _ in $(seq 100); do redis-cli -p "$p" INFO replication | grep -q 'master_link_status:up' && break; sleep 0.1; done
done

bench_front_conf # the shipped front plus the /hello ceiling (bench/lib.sh)
URL=http://127.0.0.1:$HTTP_PORT
front_start() { # lighttpd and crm-api with the settings exported now
  lighttpd -D -f "$RUN/lighttpd.conf" >>"$RUN/logs/lighttpd.log" 2>&1 < /dev/null &
  LPID=$!
  # Up to 30 s: 2 x CRM_API_PROCS processes start on a machine that may be busy.
  for _ in $(seq 300); do curl -fsS "$URL/health" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "$URL/health" >/dev/null
}
front_start

# ---- users, tokens, four rooms (two per stream) ------------------------------------
bench_staff_users "$USERS" "$PASSWORD"
TOKEN1=$(head -1 "$RUN/tokens")
MEMBERS=$(printf '%s\n' "${IDS[@]}" | jq -cR . | jq -cs '{m: .}')
ROOMS=""
for i in 1 2 3 4; do # consecutive ids: two even (stream 0), two odd (stream 1)
  r=$(bench_gql "$TOKEN1" 'mutation($m:[ID!]){createRoom(name:"bench room",memberIds:$m){id}}' "$MEMBERS" | jq -er .data.createRoom.id)
  ROOMS=${ROOMS:+$ROOMS,}$r
done

# ---- the runs ---------------------------------------------------------------------------
run_wrk() { # NAME SECONDS PATH NONCE
  wrk -t2 -c"$CONNS" -d"${2}s" --timeout 10s --latency -s "$ROOT/bench/send_message.lua" "$URL$3" -- \
    "$RUN/tokens" "$ROOMS" "$4" > "$RUN/$1.out" 2>&1
  grep '^RESULT' "$RUN/$1.out" | sed 's/^RESULT //' > "$RUN/$1.result"
}
field() { tr ' ' '\n' < "$RUN/$1.result" | sed -n "s/^$2=//p"; }
rps() { awk -v n="$(field "$1" requests)" -v d="$(field "$1" duration_us)" 'BEGIN { printf "%.0f", n / (d / 1e6) }'; }
ms() { awk -v u="$(field "$1" "$2")" 'BEGIN { printf "%.2f", u / 1000 }'; }
errs() { local f s=0; for f in connect read write status timeout; do s=$((s + $(field "$1" errors_$f))); done; echo $s; }
xlens() { echo $(( $(redis-cli -p "$A" XLEN crm:msg:0) + $(redis-cli -p "$A" XLEN crm:msg:1) + $(redis-cli -p "$B" XLEN crm:msg:1) )); }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_snap() { local p; for p in "${RPIDS[@]}"; do printf '%s ' "$(cpu "$p")"; done; }
line() { # name label cpu-before cpu-after
  printf '%-46s %7s req/s  p50 %6s ms  p99 %6s ms  errors %s' "$2" "$(rps "$1")" "$(ms "$1" p50_us)" \
    "$(ms "$1" p99_us)" "$(errs "$1")"
  [ -z "${3:-}" ] || awk -v a="$3" -v b="$4" -v n="$(field "$1" requests)" -v hz="$CLK_HZ" 'BEGIN {
    split(a, x, " "); split(b, y, " "); split("A A-replica B B-replica", nm, " "); printf "  redis CPU us/req:";
    for (i = 1; i <= 4; i++) printf " %s %.0f", nm[i], (y[i] - x[i]) * 1e6 / hz / n }'
  echo
}
send_run() { # NAME: warm-up, then the measured run; checks every answer is an entry
  local x0 x1 c0 c1
  run_wrk "$1-warm" "$WARM" /graphql "w$1$NONCE"
  x0=$(xlens); c0=$(cpu_snap)
  run_wrk "$1" "$SECS" /graphql "s$1$NONCE"
  c1=$(cpu_snap); x1=$(xlens)
  CPU0[$1]=$c0 CPU1[$1]=$c1
  # Requests in flight when wrk stops are added but not counted by it: a few more.
  ADDED[$1]=$((x1 - x0))
}
declare -A CPU0 CPU1 ADDED
NONCE=$(date +%s%N)

echo "HA benchmark: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), max-procs $PROCS, $CONNS connections," \
  "${SECS}s per run after ${WARM}s warm-up, CRM_STREAMS=2, 4 rooms, Redis $(redis-cli -p "$A" CONFIG GET appendfsync | tail -1) fsync," \
  "every primary with a replica"
run_wrk hello-warm "$WARM" /hello "hw$NONCE"
run_wrk hello "$SECS" /hello "h$NONCE"
send_run r0
front_stop; CRM_REDIS_MIN_REPLICAS=1 CRM_REDIS_WAIT_TIMEOUT_MS=1000 front_start
send_run r1
front_stop; CRM_REDIS_SHARDS=127.0.0.1:$B front_start
send_run s2
# Each on its shard: stream 1 grew on B in that run.
[ "$(redis-cli -p "$B" XLEN crm:msg:1)" -gt 0 ] || { echo "no entry reached the second primary" >&2; exit 1; }
front_stop; front_start
send_run r0b

line hello "ceiling (/hello, fcgi_hello)"
line r0 "sendMessage, one primary, MIN_REPLICAS=0" "${CPU0[r0]}" "${CPU1[r0]}"
line r1 "sendMessage, one primary, MIN_REPLICAS=1" "${CPU0[r1]}" "${CPU1[r1]}"
line s2 "sendMessage, two primaries, MIN_REPLICAS=0" "${CPU0[s2]}" "${CPU1[s2]}"
line r0b "sendMessage, one primary, MIN_REPLICAS=0 again" "${CPU0[r0b]}" "${CPU1[r0b]}"
for r in r0 r1 s2 r0b; do
  echo "  $r: ${ADDED[$r]} entries added, wrk counted $(field "$r" requests) answers"
done
for r in r0 r1 s2 r0b; do
  awk -v s="$(rps $r)" -v h="$(rps hello)" -v b="$(rps r0)" -v b2="$(rps r0b)" -v n="$r" 'BEGIN {
    printf "ratio %s: %.0f %% of the ceiling, %.0f %% of MIN_REPLICAS=0 on one primary (the mean of r0, r0b)\n",
      n, 100 * s / h, 200 * s / (b + b2) }'
done
# Every answer must be an accepted message, not an error with status 200.
curl -fsS "$URL/graphql" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN1" \
  -d "{\"query\":\"mutation{sendMessage(input:{roomId:\\\"${ROOMS##*,}\\\",body:\\\"check\\\",idempotencyKey:\\\"c$NONCE\\\"}){status}}\"}" |
  grep -q PENDING || { echo "sendMessage does not answer PENDING after the runs" >&2; exit 1; }
