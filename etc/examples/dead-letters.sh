#!/usr/bin/env bash
# Lists dead letters, newest first (ADMIN token needed): dead-letters.sh [LIMIT]
set -euo pipefail
. "$(dirname "$0")/common.sh"
gql 'query($l: Int) { deadLetters(limit: $l) { id messageId roomId deliveries error failedAt } }' \
  "$(jq -n --argjson l "${1:-50}" '{l: $l}')" | jq '.data.deadLetters'
