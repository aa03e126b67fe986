#!/usr/bin/env bash
# Sends one dead letter through the pipeline again (ADMIN token needed): retry-dead-letter.sh ID
set -euo pipefail
. "$(dirname "$0")/common.sh"
[ $# -eq 1 ] || { echo "usage: $0 DEAD_LETTER_ID" >&2; exit 2; }
gql 'mutation($id: ID!) { retryDeadLetter(id: $id) }' "$(jq -n --arg id "$1" '{id: $id}')" |
  jq '.data.retryDeadLetter'
