#!/usr/bin/env bash
# Builds the libFuzzer target for RESPParser and runs it.
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
#
# SECONDS defaults to 60. New inputs are kept in fuzz/corpus-work/ (ignored by git);
# a crash is written to fuzz/artifacts/ and the script exits non-zero. Pin every crash
# as a named regression test in Tests/StrataRESPTests/RESPFuzzRegressionTests.swift.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
out=.build/fuzz
mkdir -p "$out" fuzz/corpus-work fuzz/artifacts

echo "building the fuzzer (swiftc -sanitize=fuzzer,address)..."
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -module-name StrataRESPFuzz -package-name Strata \
    $(find Sources/StrataRESP -name '*.swift' | sort) fuzz/FuzzRESPParser.swift \
    -o "$out/fuzz-resp-parser"

echo "fuzzing for ${seconds}s..."
# -rss_limit_mb and -malloc_limit_mb turn unbounded allocation into a failure.
SWIFT_BACKTRACE=enable=no "$out/fuzz-resp-parser" \
    -max_total_time="$seconds" \
    -max_len=4096 \
    -rss_limit_mb=2048 \
    -malloc_limit_mb=512 \
    -timeout=10 \
    -print_final_stats=1 \
    -artifact_prefix=fuzz/artifacts/ \
    "$@" \
    fuzz/corpus-work fuzz/corpus
