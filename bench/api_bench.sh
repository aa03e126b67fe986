#!/usr/bin/env bash
# api_bench.sh: crm-api benchmark (sendMessage over FastCGI under lighttpd).
#
#   bench/api_bench.sh [SECONDS=15]
#   env: CRM_API_PROCS (16) FastCGI processes, the same for crm-api and the ceiling
#        CONNS (64)         wrk connections for sendMessage and the ceiling
#        USERS (8)          benchmark users (tokens rotate per request)
#        LOGIN_CONNS (8)    wrk connections of the login load
#        BUILD (build/bench) an optimised build without sanitizers (CFLAGS=-O2 -g)
#        API_BIN            the crm-api to run (default BUILD/crm-api): compare builds
#        REDIS_ARGS         extra redis-server arguments ("--appendfsync everysec":
#                           the documented faster option; the default is the shipped
#                           etc/redis.conf, appendfsync always)
#        REDIS_UNIX=1       crm-api reaches Redis by a Unix socket (CRM_REDIS_HOST is
#                           its path) instead of loopback TCP
#        SKIP_LOGIN=1       only the sendMessage and ceiling runs
#        HOLD=1             set up the stack, print its ports, keep it up for
#                           HOLD_SECONDS (600) to profile by hand; no runs
#
# Starts its own PostgreSQL, Redis (the shipped etc/redis.conf: appendfsync
# always) and lighttpd (etc/lighttpd.conf plus /hello, bench/fcgi_hello, with the
# same max-procs) on free loopback ports in a temporary folder, creates users and a
# room, then runs wrk (2 threads) for SECONDS after a 3 s warm-up against:
#   1. /hello   the ceiling: a hello-world FastCGI responder, same requests
#   2. /graphql sendMessage, a unique idempotency key per request
# and prints req/s, p50, p99 and the ratio; the floor of a durable send (the
# ceiling's CPU plus Redis's for a bare XADD of the same size, fsync always, from
# CRM_API_PROCS clients: redis-benchmark) and sendMessage's CPU in floors; then login throughput (Argon2id
# parameters and hash slot cap printed) and the latency of `{ me { id } }` alone
# and while logins run. crm-pushd and crm-worker are not started: the numbers are
# crm-api's alone. Everything it starts is stopped on exit, by PID.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib.sh"
SECS=${1:-15}
WARM=3
PROCS=${CRM_API_PROCS:-16}
CONNS=${CONNS:-64}
USERS=${USERS:-8}
LOGIN_CONNS=${LOGIN_CONNS:-8}
BUILD=${BUILD:-$ROOT/build/bench}
PASSWORD=bench-password-1

# ---- build (no sanitizers) --------------------------------------------------------
bench_configure
make -C "$BUILD" -j"$(nproc)" crm-api crm-admin crm-migrate >/dev/null
HELLO=$BUILD/bench/fcgi_hello
make -C "$BUILD" bench/fcgi_hello >/dev/null # not in the default build (bench/local.mk)

# ---- the stack ----------------------------------------------------------------------
RUN=$(mktemp -d /tmp/crm-apibench.XXXXXX)
chmod 755 "$RUN"
mkdir -p "$RUN/logs" "$RUN/redis" "$RUN/www" "$RUN/pg"
chmod 700 "$RUN/pg"
if [ "$(id -u)" = 0 ]; then chown postgres: "$RUN/logs" "$RUN/pg"; fi
PG_PORT=$(free_port); REDIS_PORT=$(free_port); HTTP_PORT=$(free_port)

PIDS=() # background programs we started (wrk, redis, lighttpd), stopped on exit
cleanup() {
  local p kids=()
  if [ -f "$RUN/lighttpd.main.pid" ]; then # its FastCGI children, by PID
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

bench_pg_start

export CRM_ENV=test CRM_LOG_LEVEL=info
export CRM_DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app"
export CRM_MIGRATE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=postgres"
export CRM_REDIS_HOST=127.0.0.1 CRM_REDIS_PORT=$REDIS_PORT
export CRM_HTTP_PORT=$HTTP_PORT CRM_WS_PORT=1 CRM_SCHEMA_PATH=$ROOT/schema.graphql
export CRM_RUN_DIR=$RUN CRM_WEB_ROOT=$RUN/www CRM_API_BIN=${API_BIN:-$BUILD/crm-api} CRM_API_PROCS=$PROCS
export CRM_BENCH_HELLO_BIN=$HELLO
# etc/lighttpd.conf's header settings (no HSTS over plain HTTP).
export CRM_CSP_CONNECT="ws://127.0.0.1:$HTTP_PORT" CRM_HSTS=
# Limits raised for the benchmark users: 1,000,000 messages per 10 s per sender
# (the maximum the setting takes) and logins without the per-email/address caps.
export CRM_SEND_RATE=1000000 CRM_LOGIN_PER_EMAIL=100000 CRM_LOGIN_PER_ADDR=1000000
"$BUILD/crm-migrate" "$ROOT/sql" >"$RUN/logs/migrate.log" 2>&1

REDIS_SOCKET=()
if [ -n "${REDIS_UNIX:-}" ]; then
  REDIS_SOCKET=(--unixsocket "$RUN/redis.sock" --unixsocketperm 700)
  export CRM_REDIS_HOST=$RUN/redis.sock
fi
redis-server "$ROOT/etc/redis.conf" --port "$REDIS_PORT" --dir "$RUN/redis" --bind 127.0.0.1 \
  "${REDIS_SOCKET[@]}" ${REDIS_ARGS:-} >"$RUN/logs/redis.log" 2>&1 < /dev/null &
PIDS+=($!)
bench_redis_wait

bench_front_conf # the shipped front plus the /hello ceiling (bench/lib.sh)
lighttpd -D -f "$RUN/lighttpd.conf" >"$RUN/logs/lighttpd.log" 2>&1 < /dev/null &
PIDS+=($!)
echo "${PIDS[-1]}" > "$RUN/lighttpd.main.pid"
URL=http://127.0.0.1:$HTTP_PORT
for _ in $(seq 100); do curl -fsS "$URL/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$URL/health" >/dev/null
curl -fsS -X POST -d '{}' "$URL/hello" | grep -q hello

# ---- users, tokens, a room ----------------------------------------------------------
bench_staff_users "$USERS" "$PASSWORD"
TOKEN1=$(head -1 "$RUN/tokens")
ROOM=$(bench_gql "$TOKEN1" 'mutation($m:[ID!]){createRoom(name:"bench room",memberIds:$m){id}}' \
  "$(printf '%s\n' "${IDS[@]}" | jq -cR . | jq -cs '{m: .}')" | jq -er .data.createRoom.id)
STREAM=crm:msg:0 # CRM_STREAMS=1

if [ -n "${HOLD:-}" ]; then # keep the stack up for profiling until interrupted
  printf 'URL=%s\nRUN=%s\nROOM=%s\nREDIS_PORT=%s\nPG_PORT=%s\n' "$URL" "$RUN" "$ROOM" "$REDIS_PORT" "$PG_PORT" | tee "$RUN/env"
  sleep "${HOLD_SECONDS:-600}" & PIDS+=($!); wait "${PIDS[-1]}" || true
  exit 0
fi

# ---- the runs ---------------------------------------------------------------------------
# run_wrk NAME CONNS SECONDS SCRIPT PATH ARGS...: wrk's RESULT line into $RUN/NAME.result.
run_wrk() {
  local name=$1 c=$2 d=$3 script=$4 path=$5; shift 5
  local t=2; [ "$c" -lt 2 ] && t=1
  wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s --latency -s "$ROOT/bench/$script" "$URL$path" -- "$@" \
    > "$RUN/$name.out" 2>&1
  grep '^RESULT' "$RUN/$name.out" | sed 's/^RESULT //' > "$RUN/$name.result"
}
field() { tr ' ' '\n' < "$RUN/$1.result" | sed -n "s/^$2=//p"; }
rps() { awk -v n="$(field "$1" requests)" -v d="$(field "$1" duration_us)" 'BEGIN { printf "%.0f", n / (d / 1e6) }'; }
ms() { awk -v u="$(field "$1" "$2")" 'BEGIN { printf "%.2f", u / 1000 }'; }
errs() { local f s=0; for f in connect read write status timeout; do s=$((s + $(field "$1" errors_$f))); done; echo $s; }
xlen() { redis-cli -p "$REDIS_PORT" XLEN "$STREAM"; }
line() { # name label
  printf '%-34s %8s req/s  p50 %7s ms  p99 %7s ms  errors %s\n' "$2" "$(rps "$1")" "$(ms "$1" p50_us)" \
    "$(ms "$1" p99_us)" "$(errs "$1")"
}

# CPU spent per request by each server, from /proc (user + system).
LPID=$(cat "$RUN/lighttpd.main.pid")
API_PIDS=(); HELLO_PIDS=()
for p in $(pgrep -P "$LPID"); do
  case $(readlink "/proc/$p/exe") in *fcgi_hello) HELLO_PIDS+=("$p") ;; *) API_PIDS+=("$p") ;; esac
done
PGMAIN=$(head -1 "$RUN/pg/postmaster.pid")
cpu_snap() { echo "$(cpu_ms "${API_PIDS[@]}") $(cpu_ms "${HELLO_PIDS[@]}") $(cpu_ms "$LPID") $(cpu_ms "${PIDS[0]}") $(cpu_ms "$PGMAIN" $(pgrep -P "$PGMAIN"))"; }
cpu_line() { # label before after requests
  awk -v a="$2" -v b="$3" -v n="$4" -v l="$1" 'BEGIN { split(a, x, " "); split(b, y, " ");
    split("crm-api fcgi_hello lighttpd redis postgres", nm, " "); printf "  CPU us/request (%s):", l;
    for (i = 1; i <= 5; i++) { d = (y[i] - x[i]) * 1000 / n; t += d; if (d >= 1) printf " %s %.0f,", nm[i], d }
    printf " total %.0f\n", t }'
}

echo "crm-api benchmark: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), max-procs $PROCS" \
  "(running: ${#API_PIDS[@]} crm-api, ${#HELLO_PIDS[@]} fcgi_hello)," \
  "redis $(redis-cli -p "$REDIS_PORT" CONFIG GET appendfsync | tail -1) fsync" \
  "over $([ -n "${REDIS_UNIX:-}" ] && echo "a Unix socket" || echo "loopback TCP")," \
  "$CONNS connections, ${SECS}s per run after ${WARM}s warm-up, $USERS users"
NONCE=$(date +%s%N)
run_wrk hello-warm "$CONNS" "$WARM" send_message.lua /hello "$RUN/tokens" "$ROOM" "w$NONCE"
C0=$(cpu_snap)
run_wrk hello "$CONNS" "$SECS" send_message.lua /hello "$RUN/tokens" "$ROOM" "h$NONCE"
C1=$(cpu_snap)
run_wrk send-warm "$CONNS" "$WARM" send_message.lua /graphql "$RUN/tokens" "$ROOM" "w$NONCE"
X0=$(xlen)
redis-cli -p "$REDIS_PORT" CONFIG SET latency-monitor-threshold 2 >/dev/null
redis-cli -p "$REDIS_PORT" LATENCY RESET >/dev/null
C2=$(cpu_snap)
run_wrk send "$CONNS" "$SECS" send_message.lua /graphql "$RUN/tokens" "$ROOM" "s$NONCE"
C3=$(cpu_snap)
X1=$(xlen)
# The size of a benchmark entry (its fields and values), for the floor's XADD below.
ENTRY=$(redis-cli -p "$REDIS_PORT" --raw XREVRANGE "$STREAM" + - COUNT 1 | awk 'NR > 1 { n += length($0) } END { print n }')
line hello "ceiling (/hello, fcgi_hello)"
line send "sendMessage (/graphql)"
awk -v s="$(rps send)" -v h="$(rps hello)" -v p="$(ms send p99_us)" 'BEGIN {
  printf "ratio sendMessage / ceiling:        %.0f %%   (issue 16: >= 10,000 sends/s with p99 < 15 ms: %s)\n",
    100 * s / h, (s >= 10000 && p < 15) ? "met" : "NOT met" }'
cpu_line ceiling "$C0" "$C1" "$(field hello requests)"
cpu_line sendMessage "$C2" "$C3" "$(field send requests)"
redis-cli -p "$REDIS_PORT" LATENCY LATEST | paste - - - - | awk '{ printf "  redis latency events >= 2 ms during sendMessage: %s max %s ms\n", $1, $4 }'
echo "entries added to $STREAM during the run: $((X1 - X0)) (wrk counted $(field send requests) answers)"
# Every answer must be an accepted message, not an error with status 200.
curl -fsS "$URL/graphql" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN1" \
  -d "{\"query\":\"mutation{sendMessage(input:{roomId:\\\"$ROOM\\\",body:\\\"check\\\",idempotencyKey:\\\"c$NONCE\\\"}){status}}\"}" |
  grep -q PENDING || { echo "sendMessage does not answer PENDING after the run" >&2; exit 1; }

# The floor of a durable send: the ceiling's HTTP and FastCGI, plus a bare XADD
# of the same size with appendfsync always from as many clients as crm-api has
# processes (the most sends it keeps in flight), Redis's CPU per XADD from /proc.
FILL=$(head -c "${ENTRY:-200}" /dev/zero | tr '\0' x)
R0=$(cpu_ms "${PIDS[0]}")
redis-benchmark -p "$REDIS_PORT" -c "$PROCS" -n $((PROCS * 4000)) XADD crm:bench:floor '*' entry "$FILL" \
  key __rand_int__ > "$RUN/floor.out" 2>&1
R1=$(cpu_ms "${PIDS[0]}")
redis-cli -p "$REDIS_PORT" DEL crm:bench:floor >/dev/null
awk -v c0="$C0" -v c1="$C1" -v n="$(field hello requests)" -v r="$((R1 - R0))" -v x=$((PROCS * 4000)) \
  -v s0="$C2" -v s1="$C3" -v sn="$(field send requests)" -v e="${ENTRY:-200}" -v p="$PROCS" 'BEGIN {
  split(c0, a, " "); split(c1, b, " "); split(s0, u, " "); split(s1, v, " ");
  ceil = ((b[2] - a[2]) + (b[3] - a[3])) * 1000 / n; xadd = r * 1000 / x;
  send = ((v[1] - u[1]) + (v[3] - u[3]) + (v[4] - u[4])) * 1000 / sn;
  printf "floor of a durable send: ceiling %.0f + bare XADD (%d bytes, fsync always, %d clients) %.0f = %.0f us;", ceil, e, p, xadd, ceil + xadd
  printf " sendMessage %.0f us = %.2f floors\n", send, send / (ceil + xadd) }'
sed -n 's/^ *throughput summary: \(.*\)/  bare XADD: \1/p' "$RUN/floor.out"

[ -n "${SKIP_LOGIN:-}" ] && exit 0
# Logins: Argon2id at libsodium's INTERACTIVE limits, bounded host-wide by hash slots.
H=/usr/include/sodium/crypto_pwhash_argon2id.h
OPS=$(sed -n 's/.*define crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE \([0-9]*\)U.*/\1/p' "$H")
MEM=$(sed -n 's/.*define crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE \([0-9]*\)U.*/\1/p' "$H")
SLOTS=${CRM_API_HASH_SLOTS:-$("$BUILD/crm-admin" config | awk -F'`' '$2 == "CRM_API_HASH_SLOTS" {print $4}')}
SLOT_WAIT=$(sed -n 's/.*define CRM_HASH_WAIT_MS \([0-9]*\).*/\1/p' "$ROOT/fcgi/hash_slots.h")
run_wrk me-alone 4 10 me.lua /graphql "$RUN/tokens"
run_wrk login "$LOGIN_CONNS" "$SECS" login.lua /graphql "$RUN/emails" "$PASSWORD" &
LOGIN_WRK=$!
sleep 2
run_wrk me-during 4 10 me.lua /graphql "$RUN/tokens"
wait "$LOGIN_WRK"
echo "login: Argon2id opslimit $OPS, memlimit $((MEM / 1048576)) MiB (INTERACTIVE), $SLOTS hash slots per host" \
  "(wait for a slot up to $SLOT_WAIT ms), $LOGIN_CONNS connections"
line login "login"
echo "  signed in $(field login signed_in), busy (RATE_LIMITED) $(field login busy), other $(field login other):" \
  "$(awk -v n="$(field login signed_in)" -v d="$(field login duration_us)" 'BEGIN { printf "%.1f", n / (d / 1e6) }') logins/s"
line me-alone "{ me { id } } alone (4 conns)"
line me-during "{ me { id } } during logins (4 conns)"
