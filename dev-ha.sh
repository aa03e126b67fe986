# dev-ha.sh: the high-availability topology of `./dev up --ha` and `./dev test ha`
# (docs/HA.md), sourced by ./dev, whose helpers it uses (start_daemon, stop_pid,
# wait_for, as_pg, pg_bindir, migrate...). On one machine, every server on
# 127.0.0.1 with a port of its own, from a base port HA_BASE:
#
#   HAProxy        BASE+0 HTTP (the fronts), BASE+1 WebSocket (crm-pushd)
#   Redis          BASE+10 (first primary), BASE+11, BASE+12 (replicas): master "crm",
#                  shard 0 (every key but stream 1); BASE+13 (first primary), BASE+14
#                  (replica): master "crm2", shard 1 (CRM_REDIS_SHARDS=crm2, stream 1)
#   Sentinel       BASE+20, BASE+21, BASE+22 (quorum 2, master names "crm", "crm2")
#   PostgreSQL     BASE+30 (first primary), BASE+31 (synchronous standby)
#   fronts         BASE+40, BASE+41 (lighttpd, each spawning its crm-api)
#   crm-pushd      BASE+50, BASE+51 (metrics BASE+55, BASE+56)
#   crm-worker     2 (metrics BASE+60, BASE+61)
#
# Folders under $RUN: redisN, sentinelN, pgN, frontN, logs. PIDs in $RUN/*.pid.

HA_REDIS_N=5 # redis1..3: master crm; redis4..5: master crm2
HA_SENTINEL_N=3

ha_ports() { # sets the port variables from HA_BASE
  HA_HTTP=$((HA_BASE + 0)) HA_WS=$((HA_BASE + 1))
  HA_PG1=$((HA_BASE + 30)) HA_PG2=$((HA_BASE + 31))
}

ha_redis_port() { echo $((HA_BASE + 10 + $1 - 1)); }
ha_redis_master() { if [ "$1" -le 3 ]; then echo crm; else echo crm2; fi; } # N -> its master name
ha_redis_first() { if [ "$1" = crm ]; then echo 1; else echo 4; fi; }      # name -> first primary
ha_sentinel_port() { echo $((HA_BASE + 20 + $1 - 1)); }
ha_pg_port() { echo $((HA_BASE + 30 + $1 - 1)); }
ha_front_port() { echo $((HA_BASE + 40 + $1 - 1)); }
ha_pushd_port() { echo $((HA_BASE + 50 + $1 - 1)); }

ha_all_ports() {
  local i
  echo "$((HA_BASE)) $((HA_BASE + 1))"
  for i in 1 2 3; do echo "$(ha_redis_port $i) $(ha_sentinel_port $i)"; done
  echo "$(ha_redis_port 4) $(ha_redis_port 5)"
  for i in 1 2; do echo "$(ha_pg_port $i) $(ha_front_port $i) $(ha_pushd_port $i) $((HA_BASE + 54 + i)) $((HA_BASE + 59 + i))"; done
}

# A base whose ports are all free (tests).
ha_free_base() {
  local b p ok
  while :; do
    b=$((20000 + (RANDOM % ((PORTS_BELOW - 20100) / 100)) * 100)) # see free_port
    ok=1
    for p in $(ha_all_ports_of "$b"); do port_taken "$p" && { ok=0; break; }; done
    [ $ok = 1 ] && { echo "$b"; return; }
  done
}
ha_all_ports_of() { local HA_BASE=$1; ha_all_ports; }

ha_ops_auth() { cat "$RUN/redis/users/crm-ops"; }

ha_redis_cli() { # port args...
  local port=$1; shift
  REDISCLI_AUTH=$(ha_ops_auth) redis-cli --no-auth-warning --user crm-ops -p "$port" "$@"
}

ha_sentinel_cli() { # port args...
  local port=$1; shift
  REDISCLI_AUTH=$(cat "$RUN/redis/sentinel.pass") redis-cli --no-auth-warning -p "$port" "$@"
}

# The primary the Sentinels name now for master NAME (crm): "host port".
ha_redis_primary() {
  local i out name=${1:-crm}
  for i in 1 2 3; do
    out=$(ha_sentinel_cli "$(ha_sentinel_port $i)" SENTINEL get-master-addr-by-name "$name" 2>/dev/null | tr '\n' ' ') || continue
    [ -n "${out// /}" ] && { echo "$out"; return 0; }
  done
  return 1
}

# ha_redis_start N [replicaof-port]: server N, a replica of that port when given.
ha_redis_start() {
  local n=$1 of=${2:-} port dir
  port=$(ha_redis_port "$n") dir=$RUN/redis$n
  pid_alive "$RUN/redis$n.pid" && return 0
  mkdir -p "$dir"
  # A copy of its own: Sentinel has each server rewrite its file (CONFIG
  # REWRITE) when it changes its role.
  [ -f "$dir/redis.conf" ] || cp "$ROOT/etc/redis.conf" "$dir/redis.conf"
  # Every server may become a replica (after a failover): each knows how to
  # sign in to a primary (the crm-replica ACL user).
  local args=("$dir/redis.conf" --port "$port" --dir "$dir" --bind 127.0.0.1
    --aclfile "$RUN/redis/users.acl" --masteruser crm-replica --masterauth "$(cat "$RUN/redis/users/crm-replica")"
    --replica-announce-ip 127.0.0.1 --maxmemory 256mb)
  [ -z "$of" ] || args+=(--replicaof 127.0.0.1 "$of")
  start_daemon "redis$n" "$RUN/redis$n.pid" redis-server "${args[@]}"
  wait_for "Redis $n" 20 sh -c "REDISCLI_AUTH=\$(cat '$RUN/redis/users/crm-ops') redis-cli --no-auth-warning --user crm-ops -p $port ping | grep -qx PONG"
}

ha_sentinel_start() {
  local n=$1 port dir conf
  port=$(ha_sentinel_port "$n") dir=$RUN/sentinel$n conf=$RUN/sentinel$n/sentinel.conf
  pid_alive "$RUN/sentinel$n.pid" && return 0
  mkdir -p "$dir"
  # Sentinel rewrites its file (what it learnt of replicas and failovers): it
  # is written once per folder.
  if [ ! -f "$conf" ]; then
    local spw; spw=$(cat "$RUN/redis/sentinel.pass")
    cat > "$conf" <<EOF
port $port
bind 127.0.0.1
dir $dir
requirepass $spw
sentinel sentinel-pass $spw
sentinel monitor crm 127.0.0.1 $(ha_redis_port 1) 2
sentinel auth-user crm crm-sentinel
sentinel auth-pass crm $(cat "$RUN/redis/users/crm-sentinel")
sentinel down-after-milliseconds crm 1000
sentinel failover-timeout crm 4000
sentinel parallel-syncs crm 2
EOF
    chmod 600 "$conf"
  fi
  # The second shard's master (a file written before it existed gets it too).
  if ! grep -q '^sentinel monitor crm2 ' "$conf"; then
    cat >> "$conf" <<EOF
sentinel monitor crm2 127.0.0.1 $(ha_redis_port 4) 2
sentinel auth-user crm2 crm-sentinel
sentinel auth-pass crm2 $(cat "$RUN/redis/users/crm-sentinel")
sentinel down-after-milliseconds crm2 1000
sentinel failover-timeout crm2 4000
sentinel parallel-syncs crm2 2
EOF
  fi
  start_daemon "sentinel$n" "$RUN/sentinel$n.pid" redis-server "$conf" --sentinel
  wait_for "Sentinel $n" 20 sh -c "REDISCLI_AUTH=\$(cat '$RUN/redis/sentinel.pass') redis-cli --no-auth-warning -p $port ping | grep -qx PONG"
}

# ---- PostgreSQL: a primary and a synchronous standby ----

ha_pg_opts() { # port
  echo "-p $1 -k $2 -c listen_addresses=127.0.0.1 -c wal_log_hints=on -c wal_keep_size=256MB"
}

ha_pg_start_dir() { # N: start pgN's data folder as it is (primary or standby)
  local n=$1 bin data port
  bin=$(pg_bindir) data=$RUN/pg$n port=$(ha_pg_port "$n")
  as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1 && return 0
  rm -f "$data/postmaster.pid"
  as_pg "$bin/pg_ctl" -D "$data" -l "$RUN/logs/pg$n.log" -w -t 60 start -o "$(ha_pg_opts "$port" "$data")" >/dev/null ||
    die "PostgreSQL $n did not start: $RUN/logs/pg$n.log"
}

ha_pg_is_primary() { # N -> 0 when it answers and is not in recovery
  [ "$(psql -X -qtA -h 127.0.0.1 -p "$(ha_pg_port "$1")" -U postgres -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]
}

ha_pg_init_primary() {
  local bin data=$RUN/pg1
  bin=$(pg_bindir)
  mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres: "$data"; chmod 700 "$data"
  as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >"$RUN/logs/initdb.log" 2>&1 ||
    die "initdb failed: $RUN/logs/initdb.log"
  # dev-only trust on loopback, replication included. Commits wait for the
  # standby once it exists (ha_pg_make_standby). wal_log_hints in the file,
  # not only on the command line: pg_rewind needs every run of the folder
  # (its single-user crash recovery too) to have had it.
  printf "wal_log_hints = on\n" >> "$data/postgresql.conf"
  ha_pg_start_dir 1
  psql -X -q -h 127.0.0.1 -p "$(ha_pg_port 1)" -U postgres -d postgres -c "CREATE DATABASE crm" >/dev/null
}

# ha_pg_make_standby N FROM: pgN becomes a standby of pgFROM (pg_rewind when it
# has a data folder that diverged, else a fresh pg_basebackup).
ha_pg_make_standby() {
  local n=$1 from=$2 bin data fport
  bin=$(pg_bindir) data=$RUN/pg$n fport=$(ha_pg_port "$from")
  as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  rm -f "$data/postmaster.pid"
  local rewound=0
  if [ -f "$data/PG_VERSION" ]; then
    # pg_rewind wants a cleanly shut down folder: a crashed one recovers first.
    as_pg "$bin/postgres" --single -D "$data" postgres </dev/null >>"$RUN/logs/pg$n-recover.log" 2>&1 || true
    # A just-promoted source names its new timeline only after a checkpoint:
    # without it pg_rewind sees one timeline and rewinds nothing.
    psql -X -q -h 127.0.0.1 -p "$fport" -U postgres -d postgres -c CHECKPOINT >/dev/null
    if as_pg "$bin/pg_rewind" -D "$data" --source-server="host=127.0.0.1 port=$fport user=postgres dbname=postgres" \
        >>"$RUN/logs/pg$n-rewind.log" 2>&1; then
      rewound=1
    fi
  fi
  if [ $rewound = 0 ]; then
    rm -rf "$data"
    mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres: "$data"; chmod 700 "$data"
    as_pg "$bin/pg_basebackup" -h 127.0.0.1 -p "$fport" -U postgres -D "$data" -X stream --checkpoint=fast >>"$RUN/logs/pg$n-basebackup.log" 2>&1 ||
      die "pg_basebackup failed: $RUN/logs/pg$n-basebackup.log"
  fi
  as_pg sh -c "touch '$data/standby.signal' && printf \"primary_conninfo = 'host=127.0.0.1 port=$fport user=postgres application_name=pg$n'\n\" >> '$data/postgresql.auto.conf'"
  ha_pg_start_dir "$n"
  # The primary waits for this standby again (ha_pg_promote had it stop
  # waiting), once it streams: a standby that cannot follow would hang every commit.
  local i
  for ((i = 0; i < 300; i++)); do
    [ "$(psql -X -qtA -h 127.0.0.1 -p "$fport" -U postgres -d postgres -c "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" = 1 ] && break
    sleep 0.1
  done
  [ $i -lt 300 ] || die "pg$n does not stream from pg$from (logs: $RUN/logs/pg$n.log); the primary stays without a synchronous standby"
  psql -X -q -h 127.0.0.1 -p "$fport" -U postgres -d postgres -c "ALTER SYSTEM SET synchronous_standby_names = '*'" -c "SELECT pg_reload_conf()" >/dev/null
  echo "pg$n: standby of pg$from ($([ $rewound = 1 ] && echo pg_rewind || echo pg_basebackup))"
}

ha_pg_current() { # the number of the primary, or nothing
  local i
  for i in 1 2; do ha_pg_is_primary "$i" && { echo "$i"; return 0; }; done
  return 1
}

# ./dev ha promote: the standby becomes the primary (the old one dead or stopped).
ha_pg_promote() {
  local i bin; bin=$(pg_bindir)
  for i in 1 2; do
    if as_pg "$bin/pg_ctl" -D "$RUN/pg$i" status >/dev/null 2>&1 && [ -f "$RUN/pg$i/standby.signal" ]; then
      # A primary alive beside the promoted one would split the brain: it is
      # stopped first (a real deployment fences the host).
      local o=$((3 - i))
      as_pg "$bin/pg_ctl" -D "$RUN/pg$o" -m immediate -w stop >/dev/null 2>&1 || true
      as_pg "$bin/pg_ctl" -D "$RUN/pg$i" -w promote >/dev/null || die "pg_ctl promote failed"
      # Alone, it must not wait for a standby that is gone: commits would hang.
      psql -X -q -h 127.0.0.1 -p "$(ha_pg_port "$i")" -U postgres -d postgres \
        -c "ALTER SYSTEM SET synchronous_standby_names = ''" -c "SELECT pg_reload_conf()" >/dev/null
      echo "pg$i: promoted"
      return 0
    fi
  done
  die "no running standby to promote"
}

# ./dev ha rebuild: the server that is not the primary becomes its standby.
ha_pg_rebuild() {
  local p; p=$(ha_pg_current) || die "no primary running"
  ha_pg_make_standby $((3 - p)) "$p"
}

# ---- the programs ----

ha_env() { # the settings every program of the topology shares
  export CRM_ENV=$MODE
  export CRM_DATABASE_URL="host=127.0.0.1,127.0.0.1 port=$HA_PG1,$HA_PG2 dbname=crm user=crm_app target_session_attrs=read-write connect_timeout=2"
  export CRM_MIGRATE_URL="host=127.0.0.1,127.0.0.1 port=$HA_PG1,$HA_PG2 dbname=crm user=postgres target_session_attrs=read-write"
  export CRM_REDIS_SENTINELS="127.0.0.1:$(ha_sentinel_port 1),127.0.0.1:$(ha_sentinel_port 2),127.0.0.1:$(ha_sentinel_port 3)"
  export CRM_REDIS_MASTER_NAME=crm CRM_REDIS_SENTINEL_PASSWORD_FILE=$RUN/redis/sentinel.pass
  # Two stream shards: stream 1 (odd rooms) on master crm2 (docs/HA.md).
  export CRM_STREAMS=2 CRM_REDIS_SHARDS=crm2
  export CRM_REDIS_MIN_REPLICAS=${CRM_REDIS_MIN_REPLICAS:-1} CRM_REDIS_WAIT_TIMEOUT_MS=${CRM_REDIS_WAIT_TIMEOUT_MS:-1000}
  export CRM_REDIS_PASSWORD_FILE=$RUN/redis/users
  unset CRM_REDIS_HOST CRM_REDIS_PORT CRM_API_LISTEN
  export CRM_WS_BIND=127.0.0.1 CRM_WS_ORIGINS="http://127.0.0.1:$HA_HTTP,http://localhost:$HA_HTTP"
  export CRM_CSP_CONNECT="ws://127.0.0.1:$HA_HTTP ws://localhost:$HA_HTTP ws://127.0.0.1:$HA_WS ws://localhost:$HA_WS"
  export CRM_HSTS=${CRM_HSTS:-}
  export CRM_SCHEMA_PATH=$ROOT/schema.graphql CRM_API_BIN=$BIN/crm-api CRM_API_PROCS=${CRM_API_PROCS:-2}
  export CRM_API_HASH_SLOTS=2
  if [ "$MODE" = test ]; then
    export CRM_LOGIN_PER_ADDR=100000 CRM_SEND_RATE=${CRM_SEND_RATE:-100000} CRM_REGISTER_PER_ADDR=1000
    export CRM_WORKER_CLAIM_IDLE_MS=${CRM_WORKER_CLAIM_IDLE_MS:-3000}
  fi
  if [ -f "$ROOT/web/dist/index.html" ]; then export CRM_WEB_ROOT=$ROOT/web/dist
  else mkdir -p "$RUN/www"; printf '<!doctype html><title>CRM</title><p>API at /graphql.</p>\n' > "$RUN/www/index.html"; export CRM_WEB_ROOT=$RUN/www; fi
}

ha_front_start() { # N: lighttpd with its crm-api, in a folder of its own
  local n=$1
  pid_alive "$RUN/front$n.pid" && return 0
  mkdir -p "$RUN/front$n"
  # lighttpd's /ws goes to HAProxy's WebSocket side, like a browser.
  CRM_RUN_DIR=$RUN/front$n CRM_HTTP_PORT=$(ha_front_port "$n") CRM_WS_PORT=$HA_WS \
    start_daemon "front$n" "$RUN/front$n.pid" lighttpd -D -f "$ROOT/etc/lighttpd.conf"
  wait_for "front $n" 30 curl -fsS "http://127.0.0.1:$(ha_front_port "$n")/health"
}

ha_pushd_start() {
  local n=$1
  pid_alive "$RUN/pushd$n.pid" && return 0
  CRM_WS_PORT=$(ha_pushd_port "$n") CRM_WS_METRICS_PORT=$((HA_BASE + 54 + n)) \
    start_daemon "pushd$n" "$RUN/pushd$n.pid" "$BIN/crm-pushd"
  wait_for "crm-pushd $n" 30 curl -fsS "http://127.0.0.1:$(ha_pushd_port "$n")/health"
}

ha_worker_start() {
  local n=$1
  pid_alive "$RUN/worker$n.pid" && return 0
  CRM_WORKER_NAME=worker$n CRM_WORKER_METRICS_PORT=$((HA_BASE + 59 + n)) \
    start_daemon "worker$n" "$RUN/worker$n.pid" "$BIN/crm-worker"
}

ha_haproxy_start() {
  pid_alive "$RUN/haproxy.pid" && return 0
  command -v haproxy >/dev/null || die "haproxy is not installed (./dev installs it)"
  sed -e "s#@HTTP_BIND@#127.0.0.1:$HA_HTTP#" -e "s#@WS_BIND@#127.0.0.1:$HA_WS#" \
      -e "s#@FRONT1@#127.0.0.1:$(ha_front_port 1)#" -e "s#@FRONT2@#127.0.0.1:$(ha_front_port 2)#" \
      -e "s#@PUSHD1@#127.0.0.1:$(ha_pushd_port 1)#" -e "s#@PUSHD2@#127.0.0.1:$(ha_pushd_port 2)#" \
      "$ROOT/etc/haproxy.cfg.in" > "$RUN/haproxy.cfg"
  ! grep -q '@[A-Z0-9]*@' "$RUN/haproxy.cfg" || die "etc/haproxy.cfg.in: a placeholder is left"
  haproxy -c -q -f "$RUN/haproxy.cfg" >"$RUN/logs/haproxy-check.log" 2>&1 ||
    { cat "$RUN/logs/haproxy-check.log" >&2; die "etc/haproxy.cfg.in does not load"; }
  start_daemon haproxy "$RUN/haproxy.pid" haproxy -db -f "$RUN/haproxy.cfg"
  wait_for HAProxy 30 curl -fsS "http://127.0.0.1:$HA_HTTP/health"
  wait_for "HAProxy (WebSocket side)" 30 curl -fsS "http://127.0.0.1:$HA_WS/health"
}

ha_write_env() { # what the tests and operators need to reach the topology
  {
    echo "HA_BASE=$HA_BASE"
    echo "HA_HTTP=$HA_HTTP"
    echo "HA_WS=$HA_WS"
    echo "HA_PG_PORTS=$HA_PG1,$HA_PG2"
    echo "HA_REDIS_PORTS=$(ha_redis_port 1),$(ha_redis_port 2),$(ha_redis_port 3)"
    echo "HA_REDIS2_PORTS=$(ha_redis_port 4),$(ha_redis_port 5)"
    echo "HA_SENTINEL_PORTS=$(ha_sentinel_port 1),$(ha_sentinel_port 2),$(ha_sentinel_port 3)"
    echo "HA_FRONT_PORTS=$(ha_front_port 1),$(ha_front_port 2)"
    echo "HA_PUSHD_PORTS=$(ha_pushd_port 1),$(ha_pushd_port 2)"
  } > "$RUN/ha.env"
}

ha_up() {
  mkdir -p "$RUN/logs" "$RUN/redis"
  [ "$(id -u)" = 0 ] && chown postgres: "$RUN/logs"
  ha_ports
  local p
  if [ ! -f "$RUN/ha.env" ]; then
    for p in $(ha_all_ports); do port_taken "$p" && die "port $p of the HA topology is taken; set CRM_HA_BASE to another base"; done
  fi
  ha_write_env
  "$ROOT/etc/redis-acl.sh" --generate "$ROOT/etc/redis-users.acl.in" "$RUN/redis/users" > "$RUN/redis/users.acl"
  [ -s "$RUN/redis/sentinel.pass" ] || (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$RUN/redis/sentinel.pass")
  ha_env
  # Redis: a primary and two replicas (crm), a primary and a replica (crm2, the
  # second stream shard), then the Sentinels. A topology started
  # before keeps the primary its Sentinels last named (their rewritten file).
  local i primary_port
  for i in 1 2 3 4 5; do
    # (|| true: on a first start there is no file, and ./dev runs under set -e.)
    primary_port=$(sed -n "s/^sentinel monitor $(ha_redis_master $i) 127\.0\.0\.1 \([0-9]*\).*/\1/p" "$RUN/sentinel1/sentinel.conf" 2>/dev/null || true)
    [ -n "$primary_port" ] || primary_port=$(ha_redis_port "$(ha_redis_first "$(ha_redis_master $i)")")
    if [ "$(ha_redis_port $i)" = "$primary_port" ]; then ha_redis_start $i
    else ha_redis_start $i "$primary_port"; fi
  done
  for i in 1 2 3; do ha_sentinel_start $i; done
  # PostgreSQL: a primary, migrated, and its synchronous standby.
  if [ ! -f "$RUN/pg1/PG_VERSION" ]; then
    ha_pg_init_primary
    ha_migrate
    ha_pg_make_standby 2 1 >/dev/null
  else
    ha_pg_start_dir 1; [ -f "$RUN/pg2/PG_VERSION" ] && ha_pg_start_dir 2
    ha_migrate
  fi
  for i in 1 2; do ha_front_start $i; done
  for i in 1 2; do ha_pushd_start $i; done
  for i in 1 2; do ha_worker_start $i; done
  ha_haproxy_start
}

ha_migrate() {
  "$BIN/crm-migrate" "$ROOT/sql" >>"$RUN/logs/migrate.log" 2>&1 || { tail "$RUN/logs/migrate.log" >&2; die "migrations failed"; }
}

ha_down() {
  local i bin; bin=$(pg_bindir)
  stop_pid "$RUN/haproxy.pid"
  for i in 1 2; do stop_pid "$RUN/front$i.pid"; stop_pid "$RUN/pushd$i.pid"; stop_pid "$RUN/worker$i.pid"; done
  for i in 1 2 3; do stop_pid "$RUN/sentinel$i.pid"; done
  for i in 1 2 3 4 5; do stop_pid "$RUN/redis$i.pid"; done
  for i in 1 2; do
    [ -f "$RUN/pg$i/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$RUN/pg$i" -m fast -w stop >/dev/null 2>&1 || true
  done
  stop_test_strays
}

# ha_kill NAME: kill -9 of one server (redisN, pgN, frontN, pushdN, workerN,
# sentinelN): a crash, for the fault tests and for trying the runbooks.
ha_kill() {
  local name=$1 pid
  case $name in
    pg[12]) pid=$(head -1 "$RUN/$name/postmaster.pid" 2>/dev/null) ;;
    front[12])
      # lighttpd and the crm-api processes it spawned: the whole front host.
      pid=$(cat "$RUN/$name.pid" 2>/dev/null)
      [ -z "$pid" ] || kill -KILL -- "-$pid" 2>/dev/null || true
      rm -f "$RUN/$name.pid"; echo "$name: killed"; return 0 ;;
    *) pid=$(cat "$RUN/$name.pid" 2>/dev/null) ;;
  esac
  [ -n "$pid" ] || die "$name is not running"
  # The whole host's share: a supervisor and the processes it forked (each
  # daemon leads a process group of its own, start_daemon's setsid).
  if [ "${name#pg}" = "$name" ]; then kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  else kill -KILL "$pid" 2>/dev/null || true; fi
  [ "${name#pg}" != "$name" ] || rm -f "$RUN/$name.pid"
  echo "$name: killed"
}

# ha_start NAME: starts one server again; a Redis server rejoins as a replica
# of the primary the Sentinels name now.
ha_start() {
  local name=$1 n=${1: -1}
  case $name in
    redis[1-5]) local prim; prim=$(ha_redis_primary "$(ha_redis_master "$n")") || die "no Sentinel names a primary"
      ha_redis_start "$n" "$(echo "$prim" | awk '{print $2}')" ;;
    sentinel[123]) ha_sentinel_start "$n" ;;
    pg[12]) ha_pg_start_dir "$n" ;;
    front[12]) ha_front_start "$n" ;;
    pushd[12]) ha_pushd_start "$n" ;;
    worker[12]) ha_worker_start "$n" ;;
    haproxy) ha_haproxy_start ;;
    *) die "ha start: unknown server $name" ;;
  esac
}

ha_status() {
  local i f
  for f in haproxy redis1 redis2 redis3 redis4 redis5 sentinel1 sentinel2 sentinel3 front1 front2 pushd1 pushd2 worker1 worker2; do
    if pid_alive "$RUN/$f.pid"; then printf '%-10s running  pid %s\n' "$f" "$(cat "$RUN/$f.pid")"
    else printf '%-10s stopped\n' "$f"; fi
  done
  for i in 1 2; do
    if ha_pg_is_primary $i; then printf 'pg%-8s primary  port %s\n' $i "$(ha_pg_port $i)"
    elif psql -X -qtA -h 127.0.0.1 -p "$(ha_pg_port $i)" -U postgres -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
      printf 'pg%-8s standby  port %s\n' $i "$(ha_pg_port $i)"
    else printf 'pg%-8s stopped\n' $i; fi
  done
  printf 'Redis primary (Sentinels): %s\n' "$(ha_redis_primary crm || echo none)"
  printf 'Redis primary of shard 1, crm2 (Sentinels): %s\n' "$(ha_redis_primary crm2 || echo none)"
}

# Sets RUN, BIN, MODE, HA_BASE for the ha commands: the test topology when
# CRM_TEST_RUN is set (the fault tests call ./dev ha ...), else ./dev up --ha's.
ha_vars() {
  if [ -n "${CRM_TEST_RUN:-}" ] && [ -f "$CRM_TEST_RUN/ha.env" ]; then
    MODE=test RUN=$CRM_TEST_RUN BIN=${CRM_TEST_BIN:-$ROOT/build/test}
  else
    MODE=development RUN=$ROOT/.run/ha BIN=$ROOT/build/dev
  fi
  HA_BASE=${CRM_HA_BASE:-4200}
  [ -f "$RUN/ha.env" ] && HA_BASE=$(sed -n 's/^HA_BASE=//p' "$RUN/ha.env")
  ha_ports
}

cmd_ha() {
  ha_vars
  case "${1:-status}" in
    promote) ha_pg_promote ;;
    rebuild) ha_pg_rebuild ;;
    status) [ -d "$RUN" ] || die "no HA topology: ./dev up --ha"; ha_status ;;
    kill) ha_kill "${2:?./dev ha kill NAME}" ;;
    start) ha_env; ha_start "${2:?./dev ha start NAME}" ;;
    *) die "usage: ./dev ha promote|rebuild|status|kill NAME|start NAME" ;;
  esac
}

cmd_up_ha() {
  ha_vars
  ensure_packages
  say "dev: building"
  build "$BIN"
  ha_up
  # The same demo users and conversations as ./dev up, through HAProxy.
  demo_users
  HTTP_PORT=$HA_HTTP demo_inbox
  cat <<EOF

CRM high-availability topology is running (development mode; docs/HA.md).
  Web and API    http://127.0.0.1:$HA_HTTP/   (HAProxy over two fronts)
  WebSocket      ws://127.0.0.1:$HA_WS/       (HAProxy over two crm-pushd)
  Redis          $(ha_redis_port 1),$(ha_redis_port 2),$(ha_redis_port 3) (master crm); $(ha_redis_port 4),$(ha_redis_port 5) (crm2, stream 1)
  Sentinels      $(ha_sentinel_port 1),$(ha_sentinel_port 2),$(ha_sentinel_port 3)
  PostgreSQL     $HA_PG1 (first primary), $HA_PG2 (synchronous standby)
  ./dev ha status | kill NAME | start NAME | promote | rebuild      Stop: ./dev down
Demo logins (password: ${CRM_DEMO_PASSWORD:-demo-password-1}): admin@, nurse@, doctor@, pat@, sam@demo.test
EOF
}

# ./dev test ha: the topology on free ports, the fault tests, the topology stopped.
test_ha() {
  say "== high-availability fault tests (Sentinel failover, standby promotion, crashes behind HAProxy)"
  MODE=test
  RUN=$(mktemp -d /tmp/crm-ha.XXXXXX)
  chmod 755 "$RUN"
  HA_BASE=$(ha_free_base)
  ha_ports
  trap 'ha_down; [ -n "${CRM_KEEP_TEST_RUN:-}" ] || rm -rf "$RUN"' EXIT
  mkdir -p "$RUN/logs"
  export ASAN_OPTIONS="log_path=$RUN/logs/asan:detect_leaks=1:abort_on_error=0"
  export UBSAN_OPTIONS="print_stacktrace=1:log_path=$RUN/logs/asan"
  local rc=0
  ( ha_up ) || rc=$?
  if [ $rc -ne 0 ]; then tail -n 20 "$RUN"/logs/*.log; record ha 1 0 1; return; fi
  ha_env
  export CRM_TEST_RUN=$RUN CRM_TEST_BIN=$BIN CRM_TEST_ROOT=$ROOT CRM_TEST_DEV="$ROOT/dev"
  export CRM_TEST_HA_ENV=$RUN/ha.env CRM_TEST_REDIS_USER=crm-ops REDISCLI_AUTH; REDISCLI_AUTH=$(ha_ops_auth)
  local out=$RUN/node-test.tap files=("$@")
  [ ${#files[@]} -gt 0 ] || files=("$ROOT"/tests/ha/*.test.mjs)
  rc=0
  node --test --test-concurrency=1 --test-reporter=tap "${files[@]}" > "$out" 2>&1 || rc=$?
  # (node's TAP reporter prints a test's "# HA ..." line as "# \# HA ...")
  grep -E '^(not ok|# (tests|pass|fail))|^# (\\# )?HA ' "$out" | sed 's/^# \\# HA /# HA /' || true
  [ $rc -eq 0 ] || { say "--- failures"; grep -B2 -A30 '^ *not ok' "$out" | head -150; }
  local p f2
  p=$(awk '/^# pass/ {print $3}' "$out" | tail -1)
  f2=$(awk '/^# fail/ {print $3}' "$out" | tail -1)
  ha_down
  if ! sanitizer_reports; then rc=1; f2=$((${f2:-0} + 1)); fi
  [ $rc -eq 0 ] || [ "${f2:-0}" -gt 0 ] || f2=1
  record ha $rc "${p:-0}" "${f2:-0}"
}
