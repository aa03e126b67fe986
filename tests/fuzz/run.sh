#!/bin/sh
# tests/fuzz/run.sh SECONDS: builds the GraphQL fuzz target (parse +
# validate) with clang, libFuzzer, ASan and UBSan into build/fuzz/, and runs
# it for SECONDS (default 60) over a scratch copy of tests/fuzz/corpus.
# Exits non-zero when the fuzzer finds a crash (the input is left in
# build/fuzz/ as crash-*, leak-* or timeout-*).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_TO_RUN=${1:-60}
OUT=$ROOT/build/fuzz
CC=${CC:-clang}
mkdir -p "$OUT/corpus"
# The sources include config.h first (configure writes it); this build has its own.
printf '#define _GNU_SOURCE 1\n' > "$OUT/config.h"
SRCS=$(ls "$ROOT"/lib/gql/gql_arena.c "$ROOT"/lib/gql/gql_error.c "$ROOT"/lib/gql/gql_lexer.c \
	"$ROOT"/lib/gql/gql_ast.c "$ROOT"/lib/gql/gql_parser.c "$ROOT"/lib/gql/gql_schema.c \
	"$ROOT"/lib/gql/gql_validate*.c)
# shellcheck disable=SC2086
"$CC" -std=c11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$OUT" -I"$ROOT/lib" $SRCS "$ROOT/tests/fuzz/fuzz_gql.c" \
	$(pkg-config --cflags --libs json-c) -o "$OUT/fuzz_gql"
cp "$ROOT"/tests/fuzz/corpus/* "$OUT/corpus/" 2>/dev/null || true
export CRM_SCHEMA_PATH="${CRM_SCHEMA_PATH:-$ROOT/schema.graphql}"
cd "$OUT"
exec ./fuzz_gql -max_total_time="$SECONDS_TO_RUN" -max_len=8192 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 corpus
