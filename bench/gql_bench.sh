#!/usr/bin/env bash
# GraphQL engine benchmark: ours (bench/gql_bench, built without sanitizers)
# against graphql-js on the same documents in the same run; prints a table
# with the ratio. Usage: bench/gql_bench.sh [BUILD_DIR] [SECONDS_PER_CASE]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$ROOT/build/dev}   # a build without sanitizers (./dev up makes it)
SECS=${2:-1}
SCHEMA=${CRM_SCHEMA_PATH:-$ROOT/schema.graphql}
make -C "$BUILD" bench/gql_bench >/dev/null
ours=$("$BUILD/bench/gql_bench" "$SCHEMA" "$SECS")
theirs=$(node "$ROOT/bench/gql_bench.mjs" "$SCHEMA" "$SECS")
printf '| document | phase | ours (docs/s) | graphql-js (docs/s) | ratio | ours µs/doc | graphql-js µs/doc |\n'
printf '| --- | --- | ---: | ---: | ---: | ---: | ---: |\n'
join -j1 <(echo "$ours" | awk '{print $1"/"$2, $3, $4}' | sort) \
         <(echo "$theirs" | awk '{print $1"/"$2, $3, $4}' | sort) |
  awk '{split($1,k,"/"); printf "| %s | %s | %d | %d | %.1fx | %.2f | %.2f |\n", k[1], k[2], $2, $4, $2/$4, $3, $5}'
