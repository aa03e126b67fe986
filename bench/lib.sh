# bench/lib.sh: what the bench scripts share, sourced by them after they set ROOT
# (and BUILD, RUN, PG_PORT, REDIS_PORT before calling what uses them): free
# loopback ports, the optimised build, a throwaway PostgreSQL in $RUN/pg and the
# wait for a Redis the script started. Defines functions only (and PGBIN).

# A free loopback TCP port (20000-39999).
# Below the ephemeral range, as ./dev's free_port: an outgoing connection can take one in it.
PORTS_BELOW=$(awk '{ print ($1 > 21000 ? $1 : 40000) }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() { local p; while :; do p=$((20000 + RANDOM % (PORTS_BELOW - 20000))); ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }; done; }

# Processes per crm-pushd or generator for N sockets: one holds at most ~20,000 descriptors here.
procs_for() { local p=$(( ($1 + 14999) / 15000 )); [ "$p" -ge 2 ] || p=2; echo $p; }

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1) || true # none: a script without PostgreSQL
# Runs a PostgreSQL program as postgres when we are root (initdb refuses root).
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Configures $BUILD once: an optimised build without sanitizers.
bench_configure() {
  if [ ! -f "$BUILD/Makefile" ]; then
    mkdir -p "$BUILD"
    (cd "$BUILD" && "$ROOT/configure" CFLAGS="-O2 -g" >/dev/null)
  fi
}

# Creates and starts PostgreSQL in $RUN/pg on $PG_PORT (loopback, trust) with
# the crm database; extra arguments are server options ("-c max_connections=200").
bench_pg_start() {
  as_pg "$PGBIN/initdb" -D "$RUN/pg" -U postgres --auth=trust -E UTF8 --no-locale >"$RUN/logs/initdb.log" 2>&1
  as_pg "$PGBIN/pg_ctl" -D "$RUN/pg" -l "$RUN/logs/postgres.log" -w start \
    -o "-p $PG_PORT -k $RUN/pg -c listen_addresses=127.0.0.1${*:+ $*}" >/dev/null
  psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE crm" >/dev/null
}

# Stops it (on exit; a no-op when it is not running).
bench_pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$RUN/pg" -m fast -w stop >/dev/null 2>&1 || true; }

# psql on the crm database as postgres.
sql() { psql -X -q -v ON_ERROR_STOP=1 -tA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d crm "$@"; }

# Waits (5 s at most) until the Redis on $REDIS_PORT answers.
bench_redis_wait() { for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done; }

# Writes $RUN/www/index.html and $RUN/lighttpd.conf: the shipped front
# (etc/lighttpd.conf, crm-api from the CRM_* environment) plus the ceiling, a
# hello-world FastCGI responder ($CRM_BENCH_HELLO_BIN) at /hello behind the
# same lighttpd with the same number of processes; then checks the config.
bench_front_conf() {
  echo '<!doctype html><title>bench</title>' > "$RUN/www/index.html"
  cat > "$RUN/lighttpd.conf" <<CONF
include "$ROOT/etc/lighttpd.conf"
url.rewrite-if-not-file := ("^/(?!graphql|health|ws|hello)[^?]*(\\?.*)?\$" => "/index.html")
\$HTTP["url"] =~ "^/hello(\\?.*)?\$" {
  fastcgi.server = ("/" => ((
    "socket" => env.CRM_RUN_DIR + "/hello.sock",
    "bin-path" => env.CRM_BENCH_HELLO_BIN,
    "max-procs" => env.CRM_API_PROCS,
    "min-procs" => env.CRM_API_PROCS,
    "check-local" => "disable",
  )))
}
CONF
  lighttpd -tt -f "$RUN/lighttpd.conf" >/dev/null
}

# Seeds $1 conversations of $2 members each (user g = $2*room + m: m 0 the
# patient, 1 the assignee, any further one staff; emails <$3>g@clinic.bench) and
# writes "room user role" per member, in order, to $RUN/members.
bench_seed_rooms() {
  sql -v rooms="$1" -v per="$2" -v pfx="$3" <<'SQL'
SET synchronous_commit = off;
INSERT INTO users (email, display_name, role, password_hash)
SELECT :'pfx' || g || '@clinic.bench', CASE WHEN g % :per = 0 THEN 'Patient ' ELSE 'Staff ' END || g,
       CASE WHEN g % :per = 0 THEN 'PATIENT' ELSE 'STAFF' END::user_role, 'not-a-hash'
FROM generate_series(0, :per * :rooms - 1) g;
CREATE TEMP TABLE u AS SELECT id, substring(email FROM 2 FOR position('@' IN email) - 2)::int AS g FROM users;
CREATE INDEX ON u (g);
ANALYZE u;
INSERT INTO rooms (name, created_by, patient_id, assignee_id, status)
SELECT 'Clinic room ' || p.g / :per, a.id, p.id, a.id, 'OPEN'
FROM u p JOIN u a ON a.g = p.g + 1 WHERE p.g % :per = 0 ORDER BY p.g;
CREATE TEMP TABLE rr AS SELECT id, substring(name FROM 13)::int AS r FROM rooms;
INSERT INTO room_members (room_id, user_id, member_role)
SELECT rr.id, u.id, CASE WHEN u.g % :per = 0 THEN 'PATIENT' ELSE 'STAFF' END::user_role
FROM rr JOIN u ON u.g / :per = rr.r;
ANALYZE;
SQL
  sql -F ' ' -c "SELECT rr.id, u.id, lower(u.role::text) FROM rooms rr JOIN room_members m ON m.room_id = rr.id
    JOIN users u ON u.id = m.user_id ORDER BY substring(rr.name FROM 13)::int, substring(u.email FROM 2 FOR position('@' IN u.email) - 2)::int" \
    > "$RUN/members"
}

# pushd_lag_snap PORT PROCS: the cumulative crm_pushd_delivery_lag_seconds
# buckets (13 numbers, +Inf last) summed over PROCS crm-pushd processes, each
# scraped once: the processes share the metrics port, so scrape until every
# process id was seen (at most 400 tries; fewer seen is said on stderr).
pushd_lag_snap() {
  local port=$1 procs=$2 i out seen="" n=0 sum
  sum=$(printf '0 %.0s' $(seq 13))
  for i in $(seq 400); do
    out=$(curl -fsS "http://127.0.0.1:$port/metrics" 2>/dev/null) || continue
    local pid; pid=$(sed -n 's/^crm_pushd_process_id //p' <<< "$out")
    case " $seen " in *" $pid "*) continue ;; esac
    seen="$seen $pid"; n=$((n + 1))
    sum=$(awk -v s="$sum" '/^crm_pushd_delivery_lag_seconds_bucket/ { v[++k] = $2 }
      END { split(s, a, " "); for (i = 1; i <= 13; i++) printf "%d ", a[i] + v[i] }' <<< "$out")
    [ "$n" -ge "$procs" ] && break
  done
  [ "$n" -ge "$procs" ] || echo "pushd_lag_snap: $n of $procs processes scraped" >&2
  echo "$sum"
}

# lag_line LABEL BEFORE AFTER: the entries counted between two pushd_lag_snap
# and the bucket holding their p50 and p99 (the histogram's bounds, in ms).
lag_line() {
  awk -v l="$1" -v a="$2" -v b="$3" 'BEGIN { split(a, x, " "); split(b, y, " ");
    split("1 2 5 10 25 50 100 250 500 1000 2500 10000 inf", ub, " "); n = y[13] - x[13];
    if (n <= 0) { printf "  %s: no entries\n", l; exit }
    for (i = 1; i <= 13; i++) { c = y[i] - x[i];
      if (p50 == "" && c >= 0.5 * n) p50 = (i > 1 ? ub[i - 1] : 0) "-" ub[i];
      if (p99 == "" && c >= 0.99 * n) p99 = (i > 1 ? ub[i - 1] : 0) "-" ub[i] }
    printf "  %s: %d entries, p50 in %s ms, p99 in %s ms (crm_pushd_delivery_lag_seconds)\n", l, n, p50, p99 }'
}

# Stops the programs a script started, by the PIDs in its PIDS array: all are
# signalled first, then each is waited for.
bench_stop_pids() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}

# cpu_ms PID...: the CPU time (user + system) of these processes, in ms, from /proc.
CLK_HZ=$(getconf CLK_TCK)
cpu_ms() { local p t=0; for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $((t * 1000 / CLK_HZ)); }

# bench_gql TOKEN QUERY VARIABLES-JSON: one GraphQL request to $URL ("" TOKEN: none).
bench_gql() {
  curl -fsS "$URL/graphql" -H 'Content-Type: application/json' ${1:+-H "Authorization: Bearer $1"} \
    -d "$(jq -cn --arg q "$2" --argjson v "$3" '{query: $q, variables: $v}')"
}

# bench_staff_users N PASSWORD: N STAFF users bench1..N@bench.test (crm-admin
# from $BUILD), each signed in once: their emails in $RUN/emails, their tokens
# in $RUN/tokens (one a line, in order), their ids in the array IDS.
bench_staff_users() {
  local i email
  : > "$RUN/emails"; : > "$RUN/tokens"
  IDS=()
  for i in $(seq "$1"); do
    email="bench$i@bench.test"
    IDS+=("$(CRM_ADMIN_PASSWORD=$2 "$BUILD/crm-admin" create-user --email "$email" \
      --name "Bench Staff $i" --role STAFF)")
    echo "$email" >> "$RUN/emails"
    bench_gql "" 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}' \
      "$(jq -cn --arg e "$email" --arg p "$2" '{e: $e, p: $p}')" | jq -er .data.login.token >> "$RUN/tokens"
  done
}
