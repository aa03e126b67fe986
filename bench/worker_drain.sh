#!/usr/bin/env bash
# crm-worker drain benchmark: queue N messages (default 200,000) in Redis, start
# crm-worker, measure rows per second until all are in PostgreSQL; then load the
# same rows with plain COPY in batches of the same size (one durable commit per
# batch) into a table with the same indexes and keys: the ceiling. Prints the ratio.
#
#   bench/worker_drain.sh [N]        env: CRM_WORKER_BATCH (500), CRM_WORKER_BATCH_WAIT_MS (20)
#
# Builds build/dev (no sanitizers) with ./dev build; PostgreSQL and Redis
# (etc/redis.conf: appendfsync always) run in a temporary folder on free ports.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib.sh"
N=${1:-200000}
BATCH=${CRM_WORKER_BATCH:-500}
WAIT=${CRM_WORKER_BATCH_WAIT_MS:-20}
BIN=$ROOT/build/dev
# Only what the bench runs, so that work in progress elsewhere does not stop it.
"$ROOT/dev" build >/dev/null 2>&1 || make -C "$BIN" crm-worker crm-migrate >/dev/null

RUN=$(mktemp -d /tmp/crm-bench.XXXXXX)
chmod 755 "$RUN"
mkdir -p "$RUN/logs" "$RUN/redis"
PG_PORT=$(free_port); REDIS_PORT=$(free_port)
[ "$(id -u)" = 0 ] && chown postgres: "$RUN" "$RUN/logs"

WORKER_PID=
cleanup() {
  [ -n "$WORKER_PID" ] && kill "$WORKER_PID" 2>/dev/null && wait "$WORKER_PID" 2>/dev/null || true
  bench_pg_stop
  [ -f "$RUN/redis.pid" ] && kill "$(cat "$RUN/redis.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$RUN"
}
trap cleanup EXIT

bench_pg_start
PSQL=(psql -X -q -tA -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres)
CRM_MIGRATE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=postgres" "$BIN/crm-migrate" "$ROOT/sql" >/dev/null
redis-server "$ROOT/etc/redis.conf" --port "$REDIS_PORT" --dir "$RUN/redis" --bind 127.0.0.1 \
  --pidfile "$RUN/redis.pid" >"$RUN/logs/redis.log" 2>&1 &
bench_redis_wait

SENDER=$("${PSQL[@]}" -d crm -c "INSERT INTO users (email, display_name, role, password_hash)
  VALUES ('bench@bench.test', 'Bench', 'STAFF', 'x') RETURNING id")
ROOM1=$("${PSQL[@]}" -d crm -c "INSERT INTO rooms (name, created_by)
  SELECT 'bench ' || g, $SENDER FROM generate_series(1, 50) g RETURNING id" | head -1)

echo "queueing $N messages (50 rooms) ..."
node "$ROOT/bench/worker_drain_gen.mjs" "$N" "$SENDER" "$ROOM1" 50 | redis-cli -p "$REDIS_PORT" --pipe >/dev/null
echo "stream length: $(redis-cli -p "$REDIS_PORT" XLEN crm:msg:0)"

count() { "${PSQL[@]}" -d crm -c "SELECT count(*) FROM $1"; }
now() { date +%s.%N; }

T0=$(now)
CRM_ENV=test CRM_DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app" \
  CRM_REDIS_HOST=127.0.0.1 CRM_REDIS_PORT=$REDIS_PORT CRM_WORKER_METRICS_PORT=0 \
  CRM_WORKER_BATCH=$BATCH CRM_WORKER_BATCH_WAIT_MS=$WAIT CRM_LOG_LEVEL=warn \
  "$BIN/crm-worker" >"$RUN/logs/worker.log" 2>&1 &
WORKER_PID=$!
while [ "$(count messages)" -lt "$N" ]; do sleep 0.05; done
T1=$(now)
kill "$WORKER_PID"; wait "$WORKER_PID" || true; WORKER_PID=

# The ceiling: the same rows, COPY in batches of $BATCH, each its own durable
# transaction, into a table with the same constraints and indexes.
"${PSQL[@]}" -d crm -c "CREATE TABLE ceiling (LIKE messages INCLUDING ALL);
  ALTER TABLE ceiling ADD FOREIGN KEY (room_id) REFERENCES rooms (id),
                      ADD FOREIGN KEY (sender_id) REFERENCES users (id);"
"${PSQL[@]}" -d crm -c "COPY (SELECT room_id, sender_id, body, idempotency_key, stream_ms, stream_seq,
  created_at FROM messages ORDER BY id) TO STDOUT" > "$RUN/rows.tsv"
awk -v b="$BATCH" 'NR % b == 1 { if (NR > 1) print "\\."; print "COPY ceiling (room_id, sender_id, body, idempotency_key, stream_ms, stream_seq, created_at) FROM STDIN;" }
  { print } END { print "\\." }' "$RUN/rows.tsv" > "$RUN/ceiling.sql"
T2=$(now)
"${PSQL[@]}" -d crm -f "$RUN/ceiling.sql" >/dev/null
T3=$(now)
[ "$(count ceiling)" -eq "$N" ] || { echo "ceiling load incomplete" >&2; exit 1; }

awk -v n="$N" -v t0="$T0" -v t1="$T1" -v t2="$T2" -v t3="$T3" -v b="$BATCH" 'BEGIN {
  w = n / (t1 - t0); c = n / (t3 - t2);
  printf "crm-worker drain:  %d rows in %.2f s = %.0f rows/s (batch %d)\n", n, t1 - t0, w, b;
  printf "COPY ceiling:      %d rows in %.2f s = %.0f rows/s (batches of %d, one commit each)\n", n, t3 - t2, c, b;
  printf "ratio:             %.0f%%\n", 100 * w / c }'
