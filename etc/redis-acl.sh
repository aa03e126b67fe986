#!/bin/sh
# redis-acl.sh TEMPLATE PASSWORD_DIR: writes Redis's ACL file on stdout from
# TEMPLATE (etc/redis-users.acl.in), each @USER@ replaced by the SHA-256 of the
# password in PASSWORD_DIR/USER (first line). Comment lines are dropped: Redis's
# ACL file has none. With `--generate`, missing password files are created first
# (random, mode 600). ./dev uses it; so can a deployment:
#
#   etc/redis-acl.sh --generate etc/redis-users.acl.in /etc/crm/redis > /etc/redis/crm-users.acl
set -eu
gen=0
if [ "${1:-}" = --generate ]; then gen=1; shift; fi
[ $# -eq 2 ] || { echo "usage: $0 [--generate] TEMPLATE PASSWORD_DIR" >&2; exit 2; }
tpl=$1 dir=$2
users=$(grep -o '@[a-z0-9-]*@' "$tpl" | tr -d @ | sort -u)
script=
for u in $users; do
  f=$dir/$u
  if [ ! -s "$f" ] && [ $gen = 1 ]; then
    (umask 077 && mkdir -p "$dir" && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$f")
  fi
  [ -s "$f" ] || { echo "$0: no password file $f for Redis user $u" >&2; exit 1; }
  h=$(head -n 1 "$f" | tr -d '\r\n' | sha256sum | cut -d' ' -f1)
  script="$script s/@$u@/$h/g;"
done
sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' -e "$script" "$tpl"
