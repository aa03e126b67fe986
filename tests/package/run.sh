#!/usr/bin/env bash
# The Debian package, end to end: builds it with dpkg-buildpackage from a copy
# of the tree, runs lintian (any E: fails), installs it on this machine, checks
# where everything landed and that no service was enabled or started, runs the
# INSTALLED programs against a PostgreSQL and Redis of this test run, checks
# that an edited conffile survives a reinstall, then purges the package.
#
# Run by `./dev test package`, which sets CRM_TEST_ROOT, CRM_TEST_DEV,
# CRM_TEST_RUN (a throwaway folder), CRM_TEST_PG_PORT, CRM_TEST_REDIS_PORT,
# CRM_HTTP_PORT, CRM_WS_PORT, CRM_WORKER_METRICS_PORT and CRM_WS_METRICS_PORT (free loopback ports)
# and stops PostgreSQL and Redis afterwards. Prints "PASS: ..." per check and
# stops at the first failure (exit status 1). Needs root: it runs dpkg.
set -euo pipefail

ROOT=$CRM_TEST_ROOT
RUN=$CRM_TEST_RUN
PG_PORT=$CRM_TEST_PG_PORT
REDIS_PORT=$CRM_TEST_REDIS_PORT
HTTP_PORT=$CRM_HTTP_PORT
WS_PORT=$CRM_WS_PORT
METRICS_PORT=$CRM_WORKER_METRICS_PORT
PUSH_METRICS_PORT=$CRM_WS_METRICS_PORT
PROGRAMS=(crm-api crm-pushd crm-worker crm-admin crm-migrate)
DEV=$CRM_TEST_DEV
# The installed programs see only the settings this script gives them.
unset $(compgen -e | grep '^CRM_')

# ./dev svc start|stop postgres|redis: dev's own functions, on this run's ports.
svc() {
  env CRM_TEST_RUN="$RUN" CRM_TEST_BIN=/nonexistent CRM_TEST_PG_PORT="$PG_PORT" \
    CRM_TEST_REDIS_PORT="$REDIS_PORT" CRM_HTTP_PORT="$HTTP_PORT" CRM_WS_PORT="$WS_PORT" \
    CRM_WORKER_METRICS_PORT="$METRICS_PORT" CRM_WS_METRICS_PORT="$PUSH_METRICS_PORT" "$DEV" svc "$@"
}

pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (it installs and purges the package with dpkg)"
# Never touch a crm package someone installed: this test installs and purges its own.
if dpkg-query -W -f='${Status}' crm 2>/dev/null | grep -qv 'not-installed'; then
  fail "a package crm is already on this machine (dpkg --purge crm, then run again)"
fi
user_existed=0
getent passwd crm >/dev/null && user_existed=1

installed=0
cleanup() {
  local f
  for f in "$RUN"/lighttpd.main.pid "$RUN"/crm-pushd.pid "$RUN"/crm-worker.pid; do stop_pid "$f" || true; done
  if [ $installed = 1 ]; then
    dpkg --purge crm >>"$RUN/logs/dpkg.log" 2>&1 || printf 'package test: dpkg --purge crm failed (%s)\n' "$RUN/logs/dpkg.log"
  fi
  # The package keeps its user on purge; the machine gets back to how it was.
  if [ $user_existed = 0 ]; then
    ! getent passwd crm >/dev/null || deluser --system --quiet crm >/dev/null 2>&1 || true
    ! getent group crm >/dev/null || delgroup --system --quiet crm >/dev/null 2>&1 || true
  fi
  return 0
}
trap cleanup EXIT

stop_pid() { # pidfile: SIGTERM, up to 10 s, then the exit must have happened
  local f=$1 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f"); rm -f "$f"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  return 1
}

wait_for() { # seconds command...
  local secs=$1 i; shift
  for ((i = 0; i < secs * 10; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# start NAME COMMAND...: in its own session, as the user crm, output to logs/NAME.log.
start() {
  local name=$1; shift
  setsid setpriv --reuid=crm --regid=crm --init-groups -- "$@" \
    >>"$RUN/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

# ---- build from a copy of the tree (dpkg-buildpackage writes to the parent) ----
build=$RUN/build
mkdir -p "$build/src"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  # What a commit of the working tree would hold: tracked and new files, not ignored ones.
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard |
    tar -C "$ROOT" --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$build/src" -xf -
else
  tar -C "$ROOT" --exclude=./build --exclude=./.run --exclude=node_modules -cf - . | tar -C "$build/src" -xf -
fi
[ -f "$build/src/debian/control" ] || fail "no debian/ in the copy of the tree"
start_s=$SECONDS
(cd "$build/src" && dpkg-buildpackage -us -uc -b) >"$RUN/logs/dpkg-buildpackage.log" 2>&1 ||
  { tail -40 "$RUN/logs/dpkg-buildpackage.log"; fail "dpkg-buildpackage -us -uc -b"; }
debver=$(cd "$build/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb=$build/crm_${debver}_${arch}.deb
[ -f "$deb" ] || fail "dpkg-buildpackage wrote no $(basename "$deb")"
pass "dpkg-buildpackage -us -uc -b built $(basename "$deb") in $((SECONDS - start_s)) s"

acver=$(sed -n 's/^AC_INIT(\[crm\], \[\([^]]*\)\].*/\1/p' "$ROOT/configure.ac")
[ "${debver%-*}" = "$acver" ] || fail "debian/changelog version $debver does not match configure.ac's $acver"
pass "debian/changelog version $debver matches AC_INIT $acver"

# Built with the project's flags: no sanitizer runtime linked in.
if dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/bin/crm-pushd | grep -aq '__asan_init\|__ubsan_handle'; then
  fail "crm-pushd in the package is built with sanitizers"
fi
pass "programs built without sanitizers"

# ---- lintian ---------------------------------------------------------------------
rc=0
lintian --no-tag-display-limit "$deb" >"$RUN/logs/lintian.log" 2>&1 || rc=$?
grep -E '^[EW]:' "$RUN/logs/lintian.log" | sed 's/^/  lintian /' || true
if grep -q '^E:' "$RUN/logs/lintian.log"; then fail "lintian reports errors"; fi
[ $rc = 0 ] || { cat "$RUN/logs/lintian.log"; fail "lintian exit status $rc"; }
pass "lintian: no errors ($(grep -c '^W:' "$RUN/logs/lintian.log" || true) warnings)"

# ---- install -----------------------------------------------------------------------
installed=1
dpkg -i "$deb" >"$RUN/logs/dpkg.log" 2>&1 || { cat "$RUN/logs/dpkg.log"; fail "dpkg -i $(basename "$deb")"; }
pass "dpkg -i"

# (type -a: a `make install` in /usr/local may come first in PATH; the
# installed programs are called by their full name below for the same reason.)
for p in "${PROGRAMS[@]}"; do
  type -a -P "$p" | grep -qx "/usr/bin/$p" || fail "$p is not /usr/bin/$p in PATH"
done
pass "programs in PATH: ${PROGRAMS[*]}"
for f in /usr/share/crm/schema.graphql /usr/share/crm/migrations/001_init.sql \
         /etc/crm/crm.env /etc/crm/crm.env.example /etc/crm/lighttpd.conf \
         /etc/crm/lighttpd-crm.conf /etc/crm/apache2-crm.conf /etc/crm/nginx-crm.conf /etc/crm/redis.conf \
         /lib/systemd/system/crm-pushd.service /lib/systemd/system/crm-worker.service \
         /lib/systemd/system/crm-api.service /lib/systemd/system/crm-api.socket; do
  [ -s "$f" ] || fail "$f missing after install"
done
cmp -s /usr/share/crm/schema.graphql "$ROOT/schema.graphql" || fail "installed schema differs from schema.graphql"
pass "schema, migrations, configs and units installed"
# Every file make install puts under /etc/crm is a conffile.
for f in $(dpkg -L crm | grep '^/etc/crm/.'); do
  [ -d "$f" ] || dpkg-query -W -f='${Conffiles}\n' crm | grep -q " $f " || fail "$f is not a conffile"
done
pass "files under /etc/crm are conffiles"
! grep -rq /usr/local /etc/crm /lib/systemd/system/crm-*.service || fail "installed configs name /usr/local"
for u in crm-pushd crm-worker crm-api; do
  grep -q '^EnvironmentFile=/etc/crm/crm.env$' "/lib/systemd/system/$u.service" ||
    fail "$u.service does not read /etc/crm/crm.env"
done
pass "configs and units point at /usr and /etc"

mans=$(dpkg -L crm | grep -E '^/usr/share/man/man[0-9]/[^/]+\.[0-9][a-z]*(\.gz)?$' || true)
for page in man8/crm-api.8 man8/crm-pushd.8 man8/crm-worker.8 man8/crm-admin.8 man8/crm-migrate.8 man5/crm.env.5; do
  printf '%s\n' $mans | grep -q "/usr/share/man/$page" || fail "the package ships no $page"
done
for m in $mans; do
  name=$(basename "$m"); name=${name%.gz}; name=${name%.*}
  man -aw "$name" 2>/dev/null | grep -qx "$m" || fail "man -w $name does not find $m"
done
# What `man crm-pushd` shows: its own page, rendered.
man crm-pushd 2>/dev/null | grep -q 'crm-pushd' || fail "man crm-pushd shows no page"
pass "man pages installed and shown by man: $(echo $mans | wc -w)"

getent passwd crm >/dev/null || fail "no user crm after install"
[ "$(getent passwd crm | cut -d: -f7)" = /usr/sbin/nologin ] || fail "user crm has a login shell"
[ "$(id -u crm)" -lt 1000 ] || fail "user crm is not a system user"
[ "$(stat -c '%U:%G %a' /etc/crm/crm.env)" = "root:crm 640" ] ||
  fail "/etc/crm/crm.env is $(stat -c '%U:%G %a' /etc/crm/crm.env), not root:crm 640"
pass "system user crm, /etc/crm/crm.env root:crm 0640"

enabled=$(find /etc/systemd/system -name 'crm-*' 2>/dev/null || true)
[ -z "$enabled" ] || fail "units enabled on install: $enabled"
for u in $(dpkg -L crm | grep -E '^/lib/systemd/system/.*\.(service|socket)$'); do
  state=$(systemctl is-enabled "${u##*/}" 2>&1 || true)
  [ "$state" = disabled ] || fail "${u##*/} is $state after install"
done
# systemd may not be PID 1 here: the maintainer scripts themselves must hold no
# start, restart or stop of a unit on install or upgrade (prerm stops on remove only).
dpkg-deb -e "$deb" "$RUN/control"
if grep -nE 'deb-systemd-invoke|systemctl.*(start|restart|stop)' "$RUN"/control/{preinst,postinst} 2>/dev/null; then
  fail "a maintainer script starts, restarts or stops a unit on install or upgrade"
fi
grep -q '"$1" = remove' "$RUN/control/prerm" || fail "prerm does not stop the units on remove"
running=$(for e in /proc/[0-9]*/exe; do readlink "$e" 2>/dev/null; done | grep -c '^/usr/bin/crm-' || true)
[ "$running" = 0 ] || fail "$running installed crm programs run after install"
pass "no crm service enabled or started"

# ---- the installed programs against PostgreSQL and Redis of this run ------------
svc start postgres
svc start redis
pass "PostgreSQL on 127.0.0.1:$PG_PORT and Redis on 127.0.0.1:$REDIS_PORT"

export CRM_MIGRATE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=postgres"
out=$(/usr/bin/crm-migrate 2>&1) || { echo "$out"; fail "crm-migrate"; }
grep -q 'applied 001_init' <<<"$out" || { echo "$out"; fail "crm-migrate did not apply 001_init"; }
out=$(/usr/bin/crm-migrate 2>&1) || { echo "$out"; fail "crm-migrate, second run"; }
grep -q '0 migration(s) applied' <<<"$out" || { echo "$out"; fail "crm-migrate applied something twice"; }
pass "crm-migrate applies /usr/share/crm/migrations once"

# The shipped crm.env (production, empty secret) must not let a program start.
# Variables already set win over the file: point it at this run's servers.
rc=0
out=$(CRM_ENV_FILE=/etc/crm/crm.env CRM_REDIS_PORT=$REDIS_PORT CRM_WORKER_METRICS_PORT=0 \
  CRM_DATABASE_URL="host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app" \
  timeout 10 setpriv --reuid=crm --regid=crm --init-groups -- /usr/bin/crm-worker 2>&1) || rc=$?
[ $rc = 1 ] && grep -q CRM_JWT_SECRET <<<"$out" ||
  { echo "$out"; fail "crm-worker started with the shipped crm.env (exit $rc)"; }
pass "the shipped crm.env is readable by crm and refused until CRM_JWT_SECRET is set"

# A filled-in copy of the installed crm.env, as an admin would write it.
env_file=$RUN/crm.env
secret=$(head -c 48 /dev/urandom | base64 -w0)
sed -e "s|^CRM_DATABASE_URL=.*|CRM_DATABASE_URL=host=127.0.0.1 port=$PG_PORT dbname=crm user=crm_app|" \
    -e "s|^CRM_REDIS_PORT=.*|CRM_REDIS_PORT=$REDIS_PORT|" \
    -e "s|^CRM_JWT_SECRET=.*|CRM_JWT_SECRET=$secret|" \
    -e "s|^CRM_WS_PORT=.*|CRM_WS_PORT=$WS_PORT|" \
    -e "s|^CRM_WS_METRICS_PORT=.*|CRM_WS_METRICS_PORT=$PUSH_METRICS_PORT|" \
    -e "s|^CRM_WS_PROCESSES=.*|CRM_WS_PROCESSES=1|" \
    -e "s|^CRM_WS_ORIGINS=.*|CRM_WS_ORIGINS=http://127.0.0.1:$HTTP_PORT|" /etc/crm/crm.env >"$env_file"
printf 'CRM_WORKER_METRICS_PORT=%s\n' "$METRICS_PORT" >>"$env_file"
# Redis runs with a user per program (./dev made their passwords): the folder of
# password files the programs read, readable by crm only, as the README sets up.
install -d -m 750 -o root -g crm "$RUN/redis-pw"
install -m 640 -o root -g crm "$RUN"/redis/users/crm-* "$RUN/redis-pw/"
sed -i "s|^CRM_REDIS_PASSWORD_FILE=.*|CRM_REDIS_PASSWORD_FILE=$RUN/redis-pw|" "$env_file"
grep -q "^CRM_REDIS_PASSWORD_FILE=$RUN/redis-pw\$" "$env_file" || echo "CRM_REDIS_PASSWORD_FILE=$RUN/redis-pw" >>"$env_file"
export REDISCLI_AUTH; REDISCLI_AUTH=$(cat "$RUN/redis/users/crm-ops")
grep -q '^CRM_ENV=production$' "$env_file" || fail "the shipped crm.env is not production"
chown root:crm "$env_file"; chmod 0640 "$env_file"
export CRM_ENV_FILE=$env_file

admin_pw=$(head -c 18 /dev/urandom | base64 -w0)
CRM_ADMIN_PASSWORD=$admin_pw /usr/bin/crm-admin create-user --email admin@package.test \
  --name "Package Admin" --role ADMIN >"$RUN/logs/crm-admin.log" 2>&1 ||
  { cat "$RUN/logs/crm-admin.log"; fail "crm-admin create-user"; }
n=$(psql -X -qtA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d crm \
  -c "SELECT count(*) FROM users WHERE email = 'admin@package.test' AND role = 'ADMIN'")
[ "$n" = 1 ] || fail "crm-admin create-user stored $n users"
pass "crm-admin create-user (production settings)"

start crm-pushd /usr/bin/crm-pushd
wait_for 20 curl -fsS "http://127.0.0.1:$WS_PORT/health" ||
  { tail -20 "$RUN/logs/crm-pushd.log"; fail "crm-pushd /health did not answer"; }
health=$(curl -fsS "http://127.0.0.1:$WS_PORT/health")
[ "$health" = '{"status":"ok","redis":"up"}' ] || fail "crm-pushd /health: $health"
pass "installed crm-pushd answers /health: $health"

start crm-worker /usr/bin/crm-worker
wait_for 20 curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" ||
  { tail -20 "$RUN/logs/crm-worker.log"; fail "crm-worker /metrics did not answer"; }
curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q '^crm_worker_batches_total ' ||
  fail "crm-worker /metrics lacks crm_worker_batches_total"
wait_for 10 sh -c "redis-cli --no-auth-warning --user crm-ops -p $REDIS_PORT XINFO GROUPS crm:msg:0 | grep -qx crm-worker" ||
  fail "crm-worker created no consumer group on crm:msg:0"
for name in crm-pushd crm-worker; do
  pid=$(cat "$RUN/$name.pid")
  [ "$(readlink "/proc/$pid/exe")" = "/usr/bin/$name" ] || fail "$name is not /usr/bin/$name"
  [ "$(stat -c %U "/proc/$pid")" = crm ] || fail "$name does not run as crm"
done
pass "installed crm-worker runs as crm (metrics, consumer group on crm:msg:0)"

# crm-api through the installed whole lighttpd config, then the installed admin script.
mkdir -p "$RUN/www" "$RUN/api"
printf 'CRM\n' >"$RUN/www/index.html"
chown crm: "$RUN/api"
(export CRM_HTTP_PORT=$HTTP_PORT CRM_WEB_ROOT=$RUN/www CRM_RUN_DIR=$RUN/api \
   CRM_API_BIN=/usr/bin/crm-api CRM_API_PROCS=1 CRM_WS_PORT=$WS_PORT \
   CRM_CSP_CONNECT="ws://127.0.0.1:$WS_PORT" CRM_HSTS=
 start lighttpd.main lighttpd -D -f /etc/crm/lighttpd.conf)
wait_for 20 curl -fsS "http://127.0.0.1:$HTTP_PORT/health" ||
  { tail -20 "$RUN/logs/lighttpd.main.log"; fail "crm-api /health through /etc/crm/lighttpd.conf"; }
token=$(CRM_URL=http://127.0.0.1:$HTTP_PORT CRM_PASSWORD=$admin_pw \
  /usr/share/crm/examples/login.sh admin@package.test 2>&1) || { echo "$token"; fail "login.sh"; }
[ "$(tr -cd . <<<"$token" | wc -c)" = 2 ] || fail "login.sh printed no token: $token"
pass "installed crm-api (via /etc/crm/lighttpd.conf) signs the new admin in"

for name in lighttpd.main crm-worker crm-pushd; do
  stop_pid "$RUN/$name.pid" || fail "$name ignored SIGTERM for 10 s"
done
pass "stopped by PID"

# ---- an edited conffile survives a reinstall -------------------------------------
printf '# edited by the package test\n' >>/etc/crm/lighttpd-crm.conf
sed -i 's/^CRM_LOG_LEVEL=.*/CRM_LOG_LEVEL=debug/' /etc/crm/crm.env
dpkg -i "$deb" >>"$RUN/logs/dpkg.log" 2>&1 </dev/null || { tail -20 "$RUN/logs/dpkg.log"; fail "dpkg -i again"; }
grep -qx '# edited by the package test' /etc/crm/lighttpd-crm.conf || fail "reinstall lost the edit of lighttpd-crm.conf"
grep -qx 'CRM_LOG_LEVEL=debug' /etc/crm/crm.env || fail "reinstall lost the edit of crm.env"
[ "$(stat -c '%U:%G %a' /etc/crm/crm.env)" = "root:crm 640" ] || fail "reinstall changed crm.env's mode"
[ -z "$(find /etc/systemd/system -name 'crm-*' 2>/dev/null)" ] || fail "reinstall enabled a unit"
pass "edited conffiles kept by a reinstall, nothing enabled"

# ---- purge -------------------------------------------------------------------------
dpkg --purge crm >>"$RUN/logs/dpkg.log" 2>&1 || { tail -20 "$RUN/logs/dpkg.log"; fail "dpkg --purge crm"; }
installed=0
for p in "${PROGRAMS[@]}"; do
  [ ! -e "/usr/bin/$p" ] || fail "/usr/bin/$p still there after purge"
done
for d in /etc/crm /usr/share/crm /lib/systemd/system/crm-pushd.service; do
  [ ! -e "$d" ] || fail "$d left after purge"
done
# Debian keeps system users on purge (files elsewhere may still be theirs).
getent passwd crm >/dev/null || fail "purge removed the user crm"
pass "dpkg --purge removes programs, configs and data; the system user crm stays"
