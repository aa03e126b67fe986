#!/usr/bin/env bash
# ws_bench.sh: crm-pushd fan-out benchmark. Starts its own Redis and crm-pushd
# (an optimised build without sanitizers, in build/bench) on free ports, holds N
# subscribed WebSockets to one room with bench/ws_load, XADDs RATE messages per
# second for SECONDS, and reports: sockets held and connect time, crm-pushd RSS
# per socket (sum over its processes), deliveries/s, latency p50/p99/p99.9 (XADD
# to frame parsed), and the CPU time of crm-pushd and of the load generator
# during publishing, per delivery. bench/ws_calibrate first prints what one small
# loopback write costs here: the floor under the CPU time per delivery.
#
#   bench/ws_bench.sh [N=10000] [RATE=10] [SECONDS=20]
#
# Environment: CONNECT_WINDOW (seconds to get every socket subscribed, default
# 180); PUSHD_PROCS, LOAD_PROCS (default max(2, ceil(N/15000)) each: one
# process holds at most ~20,000 descriptors here); BENCH_NICE=-10 runs Redis,
# crm-pushd and the generator at that priority (on a machine shared with other
# work: an approximation of a dedicated one); SKIP_BUILD=1; KEEP=1 keeps the run
# folder. Membership is pre-seeded in Redis and the selection reads only `body`,
# so PostgreSQL is not needed. Bounded: the generator gets CONNECT_WINDOW to
# connect and is killed after CONNECT_WINDOW + SECONDS + 60 s; everything
# started is stopped on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
N=${1:-10000}
RATE=${2:-10}
SECS=${3:-20}
BUILD=$ROOT/build/bench
RUN=$(mktemp -d /tmp/crm-bench.XXXXXX)
WS_PORT=$(free_port); REDIS_PORT=$(free_port); METRICS_PORT=$(free_port)
PROCS=${PUSHD_PROCS:-$(procs_for "$N")}
LOAD_PROCS=${LOAD_PROCS:-$(procs_for "$N")}
NICE=${BENCH_NICE:-0}
WINDOW=${CONNECT_WINDOW:-180}

bench_configure
[ -n "${SKIP_BUILD:-}" ] || make -C "$BUILD" -j"$(nproc)" crm-pushd bench/ws_load bench/ws_calibrate >/dev/null

cleanup() {
  [ -n "${LOAD:-}" ] && kill "$LOAD" 2>/dev/null || true
  [ -f "$RUN/pushd.pid" ] && kill "$(cat "$RUN/pushd.pid")" 2>/dev/null || true
  [ -f "$RUN/redis.pid" ] && kill "$(cat "$RUN/redis.pid")" 2>/dev/null || true
  sleep 1; [ -n "${KEEP:-}" ] || rm -rf "$RUN"
}
trap cleanup EXIT

nice -n "$NICE" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$RUN" --maxclients 1000 >"$RUN/redis.log" 2>&1 &
echo $! > "$RUN/redis.pid"
bench_redis_wait

ROOM=1; USER=1
redis-cli -p "$REDIS_PORT" SADD crm:members:$ROOM 0 $USER >/dev/null
redis-cli -p "$REDIS_PORT" SET crm:members:$ROOM:p 0 >/dev/null # no patient: see push/membership.c
TOKEN=$(node -e '
const c=require("crypto");const s=process.argv[1];const n=Math.floor(Date.now()/1000);
const e=(o)=>Buffer.from(JSON.stringify(o)).toString("base64url");
const h=e({alg:"HS256",typ:"JWT"}), b=e({sub:"1",role:"STAFF",jti:c.randomBytes(16).toString("hex"),iat:n,exp:n+7200});
console.log(h+"."+b+"."+c.createHmac("sha256",s).update(h+"."+b).digest("base64url"));' \
  "${CRM_JWT_SECRET:-dev-only-jwt-secret-do-not-use-in-production}")

export CRM_ENV=development CRM_LOG_LEVEL=warn CRM_REDIS_HOST=127.0.0.1 CRM_REDIS_PORT=$REDIS_PORT
export CRM_WS_BIND=127.0.0.1 CRM_WS_PORT=$WS_PORT CRM_WS_PROCESSES=$PROCS
# Every socket is the same user's: no per-user cap (0); /metrics on a free port.
export CRM_WS_MAX_SOCKETS_PER_USER=0 CRM_WS_METRICS_PORT=$METRICS_PORT
export CRM_SCHEMA_PATH=$ROOT/schema.graphql CRM_DATABASE_URL="host=127.0.0.1 port=1 dbname=none connect_timeout=1"
setsid nice -n "$NICE" "$BUILD/crm-pushd" >"$RUN/pushd.log" 2>&1 < /dev/null &
echo $! > "$RUN/pushd.pid"
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$WS_PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done

rss_kib() {
  local t=0 p
  for p in $(pgrep -P "$(cat "$RUN/pushd.pid")"); do
    t=$((t + $(awk '/VmRSS/ {print $2}' "/proc/$p/status")))
  done
  echo $t
}

echo "crm-pushd: $PROCS process(es) on :$WS_PORT; idle RSS $(rss_kib) KiB; load generator: $LOAD_PROCS process(es); nice $NICE"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
nice -n "$NICE" "$BUILD/bench/ws_calibrate" 1000 20 | tee "$RUN/calibrate.out"
timeout $((WINDOW + SECS + 60)) nice -n "$NICE" "$BUILD/bench/ws_load" -p "$WS_PORT" -n "$N" -P "$LOAD_PROCS" \
  -t "$TOKEN" -r "$ROOM" -R "$REDIS_PORT" -m "$RATE" -d "$SECS" -w "$WINDOW" -C "$(cat "$RUN/pushd.pid")" \
  > "$RUN/load.out" &
LOAD=$!
HELD_RSS=0
while kill -0 $LOAD 2>/dev/null; do
  if [ "$HELD_RSS" = 0 ] && grep -qs '^holding' "$RUN/load.out"; then
    HELD_RSS=$(rss_kib)
    SOCKS=$(grep '^holding' "$RUN/load.out" | awk '{print $2}')
  fi
  sleep 1
done
wait $LOAD || true
LOAD=
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E '^(holding|RESULT)' "$RUN/load.out" || tail -5 "$RUN/load.out"
echo "pushd RSS with sockets held: ${HELD_RSS} KiB = $(echo "scale=2; $HELD_RSS / ${SOCKS:-1}" | bc) KiB per socket"
# The floor under one message's fan-out: its N writes alone, at the calibrated
# CPU per write, spread over every core with nothing else to do.
W=$(sed -n 's/^loopback write of 100 bytes: \([0-9.]*\) us CPU.*/\1/p' "$RUN/calibrate.out")
P99=$(sed -n 's/^RESULT .*p99_ms=\([0-9.]*\).*/\1/p' "$RUN/load.out" | head -1)
[ -n "$W" ] && [ -n "$P99" ] && awk -v n="$N" -v w="$W" -v c="$(nproc)" -v p="$P99" 'BEGIN {
  f = n * w / c / 1000; printf "floor of one message to %d sockets: %d writes x %.2f us / %d cores = %.1f ms; p99 %.1f ms = %.1f floors\n", n, n, w, c, f, p, p / f }'
grep -E 'error|warn' "$RUN/pushd.log" | head -5 || true
