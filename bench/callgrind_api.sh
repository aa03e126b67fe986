#!/usr/bin/env bash
# callgrind_api.sh: crm-api's instructions per request, counted by callgrind
# (valgrind), which the load of a shared machine does not move.
#
#   HOLD=1 bench/inbox_bench.sh &          # a seeded stack; prints RUN=...
#   bench/callgrind_api.sh RUN BODY [N=25]  # BODY: inbox-first, inbox-deep, patients, search
#   env: API_BIN (build/bench/crm-api) the crm-api to count
#        KEEP_OUT=FILE                     keep the callgrind profile of the N-request run
#        SCHEMA (schema.graphql)           the schema crm-api loads (another commit's, with its crm-api)
# "@N@" in the body becomes a number unique to the request (idempotency keys).
#
# Starts one crm-api under valgrind --tool=callgrind behind a lighttpd of its
# own (etc/lighttpd.conf, 1 process) on a free loopback port, using the held
# stack's PostgreSQL, Redis and token; sends 5, then (a fresh process) N
# requests of RUN/BODY.json one after the other, and prints (Ir(N) - Ir(5)) /
# (N - 5): start-up (the schema, libsodium's calibration) cancels out. The
# answers of both binaries can be compared with ANSWER=FILE (the last one).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELD=$1 BODY=$2 N=${3:-25}
API_BIN=${API_BIN:-$ROOT/build/bench/crm-api}
# shellcheck disable=SC1091
source "$HELD/env" # URL RUN REDIS_PORT PG_PORT STAFF

count() { # requests -> total Ir of one crm-api process serving them
  local d port lp kid
  d=$(mktemp -d /tmp/crm-callgrind.XXXXXX)
  printf '#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s/cg.out %s\n' "$d" "$API_BIN" > "$d/api.sh"
  chmod +x "$d/api.sh"
  while :; do port=$((20000 + RANDOM % 20000)); ss -Hltn "sport = :$port" | grep -q . || break; done
  CRM_ENV=test CRM_LOG_LEVEL=warn CRM_DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app" \
    CRM_REDIS_HOST=127.0.0.1 CRM_REDIS_PORT=$REDIS_PORT CRM_HTTP_PORT=$port CRM_WS_PORT=1 \
    CRM_SCHEMA_PATH=${SCHEMA:-$ROOT/schema.graphql} CRM_RUN_DIR=$d CRM_WEB_ROOT=$d CRM_API_BIN=$d/api.sh CRM_API_PROCS=1 \
    CRM_CSP_CONNECT= CRM_HSTS= lighttpd -D -f "$ROOT/etc/lighttpd.conf" > "$d/lighttpd.log" 2>&1 &
  lp=$!
  for _ in $(seq 150); do curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
  for i in $(seq "$1"); do
    sed "s/@N@/$NONCE-$1-$i/g" "$HELD/$BODY.json" > "$d/body"
    curl -fsS "http://127.0.0.1:$port/graphql" -H 'Content-Type: application/json' \
      -H "Authorization: Bearer $(cat "$HELD/token")" -d @"$d/body" > "$d/answer"
  done
  kid=$(pgrep -P "$lp" || true)
  kill "$lp"; wait "$lp" 2>/dev/null || true # lighttpd stops its FastCGI child
  for _ in $(seq 100); do [ -n "$kid" ] && kill -0 "$kid" 2>/dev/null || break; sleep 0.2; done
  [ -n "${ANSWER:-}" ] && cp "$d/answer" "$ANSWER"
  [ -n "${KEEP_OUT:-}" ] && [ "$1" = "$N" ] && cp "$d/cg.out" "$KEEP_OUT"
  awk '$1 == "summary:" || $1 == "totals:" { print $2; exit }' "$d/cg.out"
  rm -rf "$d"
}
NONCE=$(date +%s%N)
A=$(count 5)
B=$(count "$N")
echo "$BODY: $(( (B - A) / (N - 5) )) instructions per request in crm-api ($(basename "$API_BIN"))"
