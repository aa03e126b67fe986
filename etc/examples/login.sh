#!/usr/bin/env bash
# Signs in and prints the token: export CRM_TOKEN=$(etc/examples/login.sh admin@clinic.example)
# The password is read from CRM_PASSWORD, else from the terminal.
set -euo pipefail
. "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || { echo "usage: $0 EMAIL" >&2; exit 2; }
pw=${CRM_PASSWORD:-}
[ -n "$pw" ] || { read -r -s -p "password: " pw; echo >&2; }
gql 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }' \
  "$(jq -n --arg e "$1" --arg p "$pw" '{e: $e, p: $p}')" | jq -r '.data.login.token'
