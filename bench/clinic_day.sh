#!/usr/bin/env bash
# clinic_day.sh: a clinic's day end to end (issue 16, item 3): sendMessage over
# HTTP through lighttpd and crm-api, delivered by crm-pushd over WebSocket to the
# other member of the room, persisted by crm-worker, Redis with fsync always.
#
#   bench/clinic_day.sh [ROOMS=10000] [SECONDS=15]
#   env: RATE (500 messages/s)  HTTP_CONNS (64 keep-alive connections of the sender)
#        CRM_API_PROCS (16)  PUSHD_PROCS, LOAD_PROCS (max(2, ceil(2*ROOMS/15000)))
#        CONNECT_WINDOW (180 s)  SKIP_BUILD=1  KEEP=1 (keep the run folder)
#        API_BIN (BUILD/crm-api), PUSHD_BIN (BUILD/crm-pushd) the programs to run: compare builds
#        LOAD_NICE (-10) the clients' priority (0: the servers')
#
# Starts its own PostgreSQL, Redis (the shipped etc/redis.conf: appendonly,
# appendfsync always), lighttpd (etc/lighttpd.conf with CRM_API_PROCS crm-api
# processes, plus /hello: bench/fcgi_hello, the ceiling), crm-pushd and
# crm-worker (optimised build in build/bench, no sanitizers) on free loopback
# ports in a temporary folder. Seeds ROOMS conversations of two (a patient and
# the assignee: 2*ROOMS users, one token each), then bench/clinic_load -M 2 -A -H:
# one WebSocket per member (2*ROOMS sockets, straight to crm-pushd), every one
# subscribed to messageAdded of its room; RATE sendMessage/s for SECONDS, each
# from a random member of a random room with that member's token, over
# HTTP_CONNS connections to lighttpd. Reports p50/p99 from just before the
# request is written to the other member's receipt of the frame, the HTTP
# answer's own p50/p99, the CPU of each server per message, and the ceiling's
# CPU per request (wrk at the same rate on /hello, the same lighttpd, in the same
# run). Two floors are measured during the sends: the disk's own durable write
# (bench/fsync_probe: 100 bytes + fdatasync, 100 a second, beside Redis's AOF),
# and crm-pushd's delivery lag histogram (XADD to the hand-over to its sockets,
# scraped from every process's /metrics). Then it waits for crm-worker and
# checks every accepted message is a row of messages. Everything it starts is stopped on exit, by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib.sh"
ROOMS=${1:-10000}
SECS=${2:-15}
RATE=${RATE:-500}
# The clients (the generator, and wrk for the ceiling) run at this priority: they
# stand for browsers on other machines, so their own turn for a CPU must not be
# part of the latency measured (at 0 it was: see docs/BENCHMARKS.md).
LOAD_NICE=${LOAD_NICE:--10}
HTTP_CONNS=${HTTP_CONNS:-64}
N=$((ROOMS * 2))
BUILD=${BUILD:-$ROOT/build/bench}
WINDOW=${CONNECT_WINDOW:-180}
API_PROCS=${CRM_API_PROCS:-16}
PROCS=${PUSHD_PROCS:-$(procs_for "$N")}
LOAD_PROCS=${LOAD_PROCS:-$(procs_for "$N")}

bench_configure
[ -n "${SKIP_BUILD:-}" ] || make -C "$BUILD" -j"$(nproc)" crm-api crm-pushd crm-worker crm-migrate \
  bench/clinic_load bench/fcgi_hello bench/fsync_probe >/dev/null

RUN=$(mktemp -d /tmp/crm-clinicday.XXXXXX)
chmod 755 "$RUN"
mkdir -p "$RUN/logs" "$RUN/pg" "$RUN/redis" "$RUN/www"
chmod 700 "$RUN/pg"
if [ "$(id -u)" = 0 ]; then chown postgres: "$RUN/logs" "$RUN/pg"; fi
PG_PORT=$(free_port); REDIS_PORT=$(free_port); WS_PORT=$(free_port); HTTP_PORT=$(free_port)
METRICS_PORT=$(free_port); WS_METRICS_PORT=$(free_port)

PIDS=() # redis, lighttpd, crm-pushd, crm-worker, the generator: stopped on exit, by PID
cleanup() {
  local p kids=()
  if [ -n "${LPID:-}" ]; then mapfile -t kids < <(pgrep -P "$LPID" 2>/dev/null || true); fi
  bench_stop_pids
  sleep 0.3
  for p in "${kids[@]}"; do kill "$p" 2>/dev/null || true; done
  bench_pg_stop
  [ -n "${KEEP:-}" ] && echo "kept $RUN" || rm -rf "$RUN"
}
trap cleanup EXIT

bench_pg_start -c max_connections=200
export CRM_ENV=test CRM_LOG_LEVEL=warn
export CRM_DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app"
export CRM_MIGRATE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=postgres"
"$BUILD/crm-migrate" "$ROOT/sql" >"$RUN/logs/migrate.log" 2>&1

T0=$(date +%s)
bench_seed_rooms "$ROOMS" 2 d
export CRM_JWT_SECRET=${CRM_JWT_SECRET:-bench-only-jwt-secret-of-clinic-day-0123456789}
# One token per member (the claims crm-api's login signs).
node -e '
const c=require("crypto"),fs=require("fs");const s=process.argv[1];const n=Math.floor(Date.now()/1000);
const e=(o)=>Buffer.from(JSON.stringify(o)).toString("base64url");const h=e({alg:"HS256",typ:"JWT"});
const out=fs.readFileSync(process.argv[2],"utf8").trim().split("\n").map((l)=>{const [room,user,role]=l.split(" ");
const b=e({sub:user,role:role.toUpperCase(),jti:c.randomBytes(16).toString("hex"),iat:n,exp:n+7200});
return room+" "+user+" "+h+"."+b+"."+c.createHmac("sha256",s).update(h+"."+b).digest("base64url");});
fs.writeFileSync(process.argv[3],out.join("\n")+"\n");' "$CRM_JWT_SECRET" "$RUN/members" "$RUN/conns"
# crm-pushd's membership cache, as it fills it itself on a miss.
awk '{ m[$1] = m[$1] " " $2 } END { for (r in m) { print "SADD crm:members:" r " 0" m[r]; print "SET crm:members:" r ":p 0" } }' "$RUN/members" > "$RUN/members.redis"
echo "seeded $ROOMS rooms, $N users in $(( $(date +%s) - T0 )) s"

redis-server "$ROOT/etc/redis.conf" --port "$REDIS_PORT" --dir "$RUN/redis" --bind 127.0.0.1 \
  --maxclients 2000 >"$RUN/logs/redis.log" 2>&1 < /dev/null &
PIDS+=($!)
RPID=$!
bench_redis_wait
redis-cli -p "$REDIS_PORT" < "$RUN/members.redis" >/dev/null

export CRM_REDIS_HOST=127.0.0.1 CRM_REDIS_PORT=$REDIS_PORT CRM_STREAMS=1
export CRM_HTTP_PORT=$HTTP_PORT CRM_SCHEMA_PATH=$ROOT/schema.graphql
export CRM_RUN_DIR=$RUN CRM_WEB_ROOT=$RUN/www CRM_API_BIN=${API_BIN:-$BUILD/crm-api} CRM_API_PROCS=$API_PROCS
export CRM_BENCH_HELLO_BIN=$BUILD/bench/fcgi_hello
export CRM_CSP_CONNECT="ws://127.0.0.1:$WS_PORT" CRM_HSTS=
# A patient's conversation limit is per patient and per 10 s: raised, as the
# send rate, so that the random choice of senders is never refused.
export CRM_SEND_RATE=1000000 CRM_CONVERSATION_RATE=1000000
export CRM_WS_BIND=127.0.0.1 CRM_WS_PORT=$WS_PORT CRM_WS_PROCESSES=$PROCS CRM_WS_METRICS_PORT=$WS_METRICS_PORT
export CRM_WORKER_METRICS_PORT=$METRICS_PORT

bench_front_conf # the shipped front plus the /hello ceiling (bench/lib.sh)
lighttpd -D -f "$RUN/lighttpd.conf" >"$RUN/logs/lighttpd.log" 2>&1 < /dev/null &
PIDS+=($!)
LPID=$!
setsid "${PUSHD_BIN:-$BUILD/crm-pushd}" >"$RUN/logs/pushd.log" 2>&1 < /dev/null &
PIDS+=($!)
PUSHD=$!
setsid "$BUILD/crm-worker" >"$RUN/logs/worker.log" 2>&1 < /dev/null &
PIDS+=($!)
WORKER=$!
URL=http://127.0.0.1:$HTTP_PORT
for _ in $(seq 100); do curl -fsS "$URL/health" >/dev/null 2>&1 && break; sleep 0.1; done
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$WS_PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS -X POST -d '{}' "$URL/hello" | grep -q hello

# CPU of each server from /proc (user + system), milliseconds.
API_PIDS=(); HELLO_PIDS=()
for p in $(pgrep -P "$LPID"); do
  case $(readlink "/proc/$p/exe") in *fcgi_hello) HELLO_PIDS+=("$p") ;; *) API_PIDS+=("$p") ;; esac
done
PGMAIN=$(head -1 "$RUN/pg/postmaster.pid")
NAMES="crm-api lighttpd redis crm-pushd crm-worker postgres fcgi_hello"
cpu_snap() {
  echo "$(cpu_ms "${API_PIDS[@]}") $(cpu_ms "$LPID") $(cpu_ms "$RPID") $(cpu_ms $(pgrep -P "$PUSHD") "$PUSHD")" \
    "$(cpu_ms "$WORKER" $(pgrep -P "$WORKER")) $(cpu_ms "$PGMAIN" $(pgrep -P "$PGMAIN")) $(cpu_ms "${HELLO_PIDS[@]}")"
}
cpu_line() { # label before after count
  awk -v a="$2" -v b="$3" -v n="$4" -v l="$1" -v names="$NAMES" 'BEGIN { split(a, x, " "); split(b, y, " ");
    split(names, nm, " "); printf "  CPU us per %s:", l;
    for (i = 1; i <= 7; i++) { d = (y[i] - x[i]) * 1000 / n; t += d; if (d >= 1) printf " %s %.0f,", nm[i], d }
    printf " total %.0f\n", t }'
}

echo "clinic day: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $ROOMS rooms of 2, $N sockets;" \
  "$RATE sendMessage/s over $HTTP_CONNS HTTP connections for ${SECS}s; crm-api ${#API_PIDS[@]} processes," \
  "crm-pushd $PROCS, generator $LOAD_PROCS; redis appendfsync $(redis-cli -p "$REDIS_PORT" CONFIG GET appendfsync | tail -1)"

# The ceiling at the same rate: wrk2 is not here, so wrk with as many
# connections as the generator and a request rate capped by its script.
cat > "$RUN/hello_rate.lua" <<EOF
local gap = $HTTP_CONNS / $RATE
function delay() return gap * 1000 end
wrk.method = "POST"
wrk.body = '{"query":"mutation{sendMessage}"}'
wrk.headers["Content-Type"] = "application/json"
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d p50_us=%d p99_us=%d\n", summary.requests,
    latency:percentile(50), latency:percentile(99)))
end
EOF
H0=$(cpu_snap)
nice -n "$LOAD_NICE" wrk -t1 -c"$HTTP_CONNS" -d"${SECS}s" -s "$RUN/hello_rate.lua" "$URL/hello" > "$RUN/hello.out" 2>&1
H1=$(cpu_snap)
HREQ=$(sed -n 's/^RESULT requests=\([0-9]*\).*/\1/p' "$RUN/hello.out")
echo "ceiling (/hello, fcgi_hello, wrk at ~$RATE req/s): $HREQ requests in ${SECS}s," \
  "$(sed -n 's/^RESULT .* p50_us=\([0-9]*\) p99_us=\([0-9]*\).*/p50 \1 us, p99 \2 us/p' "$RUN/hello.out")"
cpu_line "ceiling request" "$H0" "$H1" "$HREQ"

redis-cli -p "$REDIS_PORT" CONFIG SET latency-monitor-threshold 2 >/dev/null
redis-cli -p "$REDIS_PORT" LATENCY RESET >/dev/null
nice -n "$LOAD_NICE" "$BUILD/bench/clinic_load" -p "$WS_PORT" -f "$RUN/conns" -P "$LOAD_PROCS" -R "$REDIS_PORT" \
  -D "host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app" -m "$RATE" -y 0 -d "$SECS" -w "$WINDOW" \
  -C "$PUSHD" -M 2 -A -H "$HTTP_PORT" -k "$HTTP_CONNS" > "$RUN/load.out" 2>"$RUN/logs/load.err" &
LOAD=$!
PIDS+=($LOAD)
C0=
while kill -0 $LOAD 2>/dev/null; do # the CPU from the first send (0.2 s after "sending")
  if [ -z "$C0" ] && grep -qs '^sending' "$RUN/load.out"; then
    C0=$(cpu_snap); L0=$(pushd_lag_snap "$WS_METRICS_PORT" "$PROCS")
    redis-cli -p "$REDIS_PORT" LATENCY RESET >/dev/null # the sends' events only
    # The floor of a durable write: the disk's own fdatasync, on Redis's disk, meanwhile.
    "$BUILD/bench/fsync_probe" "$RUN/redis/fsync_probe" 100 "$((SECS - 1))" > "$RUN/fsync.out" 2>&1 &
    PIDS+=($!)
  fi
  sleep 0.05
done
wait $LOAD || true
C1=$(cpu_snap)
L1=$(pushd_lag_snap "$WS_METRICS_PORT" "$PROCS")
grep -E '^(holding|RESULT)' "$RUN/load.out" || tail -5 "$RUN/load.out"
redis-cli -p "$REDIS_PORT" LATENCY LATEST | paste - - - - |
  awk '{ printf "  redis latency events >= 2 ms during the sends: %s max %s ms\n", $1, $4 }'
# LATENCY HISTORY keeps each second's longest event: the seconds in which some
# fsync of Redis's held every send of its loop turn past 10 ms.
redis-cli -p "$REDIS_PORT" LATENCY HISTORY aof-fsync-always | paste - - |
  awk '{ n++; if ($2 >= 10) k++ } END { printf "  seconds with an aof-fsync-always over 10 ms: %d (of %d with one over 2 ms)\n", k, n }'
wait "${PIDS[-1]}" 2>/dev/null || true
sed -n 's/^RESULT /  the disk meanwhile (bench\/fsync_probe, 100 write + fdatasync per s beside Redis'"'"'s AOF): /p' "$RUN/fsync.out"
[ -n "${L0:-}" ] && lag_line "XADD to crm-pushd's hand-over, every process" "$L0" "$L1"
SENT=$(sed -n 's/^RESULT .*http_pending=\([0-9]*\).*/\1/p' "$RUN/load.out")
[ -n "$C0" ] && [ -n "$SENT" ] && [ "$SENT" -gt 0 ] && cpu_line "message (send to delivery, both sockets)" "$C0" "$C1" "$SENT"

# Every accepted message persisted by crm-worker.
ROWS=0
for _ in $(seq 120); do
  ROWS=$(sql -c "SELECT count(*) FROM messages WHERE idempotency_key LIKE 'bench-%'")
  [ "$ROWS" -ge "${SENT:-0}" ] && break
  sleep 0.5
done
echo "persisted by crm-worker: $ROWS rows of ${SENT:-0} accepted sends" \
  "($([ "$ROWS" -ge "${SENT:-0}" ] && echo all || echo "NOT all"))"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E 'error' "$RUN/logs/pushd.log" "$RUN/logs/worker.log" | sort | uniq -c | sort -rn | head -5 || true
head -3 "$RUN/logs/load.err" || true
