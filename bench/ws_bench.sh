#!/usr/bin/env bash
# ws_bench.sh: crm-pushd fan-out benchmark. Starts its own Redis and crm-pushd
# (an optimised build without sanitizers, in build/bench) on free ports, holds N
# subscribed WebSockets with bench/ws_load, publishes M messages per second to
# the room for D seconds, and reports sockets held, crm-pushd RSS per socket
# (sum over its processes), deliveries/s, latency p50/p99 (XADD to frame
# received) and the CPU seconds of the load generator and of crm-pushd.
#
#   bench/ws_bench.sh [N=10000] [MSGS_PER_SEC=10] [SECONDS=20]
#
# Membership is pre-seeded in Redis (crm:members:<room>) and the selection reads
# only `body`, so PostgreSQL is not needed. Bounded: everything is stopped after
# SECONDS + 180 s at most.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10000}
RATE=${2:-10}
SECS=${3:-20}
BUILD=$ROOT/build/bench
RUN=$(mktemp -d /tmp/crm-bench.XXXXXX)
free_port() { local p; while :; do p=$((20000 + RANDOM % 20000)); ss -Hltn "sport = :$p" | grep -q . || { echo $p; return; }; done; }
WS_PORT=$(free_port); REDIS_PORT=$(free_port)
PROCS=$(( (N + 17999) / 18000 )); [ "$PROCS" -ge 1 ] || PROCS=1
LOAD_PROCS=$(( (N + 17999) / 18000 ))

if [ ! -f "$BUILD/Makefile" ]; then
  mkdir -p "$BUILD"
  (cd "$BUILD" && "$ROOT/configure" --with-schema="$ROOT/../shared/schema.graphql" CFLAGS="-O2 -g" >/dev/null)
fi
[ -n "${SKIP_BUILD:-}" ] || make -C "$BUILD" -j"$(nproc)" crm-pushd bench/ws_load >/dev/null

cleanup() {
  [ -f "$RUN/pushd.pid" ] && kill "$(cat "$RUN/pushd.pid")" 2>/dev/null || true
  [ -f "$RUN/redis.pid" ] && kill "$(cat "$RUN/redis.pid")" 2>/dev/null || true
  sleep 1; [ -n "${KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$RUN" \
  --maxclients 1000 >"$RUN/redis.log" 2>&1 &
echo $! > "$RUN/redis.pid"
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

ROOM=1; USER=1
redis-cli -p "$REDIS_PORT" SADD crm:members:$ROOM 0 $USER >/dev/null
TOKEN=$(node -e '
const c=require("crypto");const s=process.argv[1];const n=Math.floor(Date.now()/1000);
const e=(o)=>Buffer.from(JSON.stringify(o)).toString("base64url");
const h=e({alg:"HS256",typ:"JWT"}), b=e({sub:"1",role:"STAFF",jti:c.randomBytes(16).toString("hex"),iat:n,exp:n+7200});
console.log(h+"."+b+"."+c.createHmac("sha256",s).update(h+"."+b).digest("base64url"));' \
  "${CRM_JWT_SECRET:-dev-only-jwt-secret-do-not-use-in-production}")

export CRM_ENV=development CRM_LOG_LEVEL=warn CRM_REDIS_HOST=127.0.0.1 CRM_REDIS_PORT=$REDIS_PORT
export CRM_WS_BIND=127.0.0.1 CRM_WS_PORT=$WS_PORT CRM_WS_PROCESSES=$PROCS
export CRM_SCHEMA_PATH=$ROOT/../shared/schema.graphql CRM_DATABASE_URL="host=127.0.0.1 port=1 dbname=none connect_timeout=1"
setsid "$BUILD/crm-pushd" >"$RUN/pushd.log" 2>&1 < /dev/null &
echo $! > "$RUN/pushd.pid"
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$WS_PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done

cpu_of() { # total CPU seconds of the supervisor's children
  local t=0 p
  for p in $(pgrep -P "$(cat "$RUN/pushd.pid")"); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "scale=1; $t / $(getconf CLK_TCK)" | bc
}
rss_kib() {
  local t=0 p
  for p in $(pgrep -P "$(cat "$RUN/pushd.pid")"); do
    t=$((t + $(awk '/VmRSS/ {print $2}' "/proc/$p/status")))
  done
  echo $t
}

echo "crm-pushd: $PROCS process(es) on :$WS_PORT; idle RSS $(rss_kib) KiB; load generator: $LOAD_PROCS process(es)"
CPU0=$(cpu_of)
timeout $((SECS + 180)) "$BUILD/bench/ws_load" -p "$WS_PORT" -n "$N" -P "$LOAD_PROCS" -t "$TOKEN" -r "$ROOM" \
  -R "$REDIS_PORT" -m "$RATE" -d "$SECS" -w 120 > "$RUN/load.out" &
LOAD=$!
HELD_RSS=0
while kill -0 $LOAD 2>/dev/null; do
  if grep -q '^holding' "$RUN/load.out" && [ "$HELD_RSS" = 0 ]; then
    HELD_RSS=$(rss_kib); CPU1=$(cpu_of)
    SOCKS=$(curl -s "http://127.0.0.1:$WS_PORT/metrics" >/dev/null; grep '^holding' "$RUN/load.out" | awk '{print $2}')
  fi
  sleep 1
done
wait $LOAD || true
CPU2=$(cpu_of)
grep -E '^(holding|RESULT)' "$RUN/load.out" || tail -5 "$RUN/load.out"
echo "pushd RSS with sockets held: ${HELD_RSS} KiB = $(echo "scale=2; $HELD_RSS / ${SOCKS:-1}" | bc) KiB per socket"
echo "pushd CPU: $(echo "$CPU2 - ${CPU1:-$CPU0}" | bc) s during publishing (${SECS} s), $(echo "${CPU1:-$CPU0} - $CPU0" | bc) s for connecting"
grep -E 'error|warn' "$RUN/pushd.log" | head -5 || true
