#!/usr/bin/env bash
# Creates a user (ADMIN token needed): create-user.sh EMAIL "Display Name" ADMIN|STAFF|PATIENT
# The new user's password is read from NEW_PASSWORD, else from the terminal.
set -euo pipefail
. "$(dirname "$0")/common.sh"
[ $# -eq 3 ] || { echo "usage: $0 EMAIL NAME ROLE" >&2; exit 2; }
pw=${NEW_PASSWORD:-}
[ -n "$pw" ] || { read -r -s -p "new user's password: " pw; echo >&2; }
gql 'mutation($e: String!, $p: String!, $n: String!, $r: Role!) {
  createUser(email: $e, password: $p, displayName: $n, role: $r) { id email role } }' \
  "$(jq -n --arg e "$1" --arg p "$pw" --arg n "$2" --arg r "$3" '{e: $e, p: $p, n: $n, r: $r}')" |
  jq '.data.createUser'
