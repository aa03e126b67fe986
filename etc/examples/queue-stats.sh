#!/usr/bin/env bash
# Prints the message pipeline's state (ADMIN token needed).
set -euo pipefail
. "$(dirname "$0")/common.sh"
gql '{ queueStats { streams length lag pending deadLetters consumers } }' | jq '.data.queueStats'
