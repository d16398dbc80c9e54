#!/usr/bin/env bash
# Builds the libFuzzer targets and runs them.
#
#   scripts/fuzz.sh [SECONDS] [parser|engine|all] [extra libFuzzer flags...]
#
# SECONDS (default 60) is per target; the target defaults to all.
#   parser  RESPParser (fuzz/FuzzRESPParser.swift, seeds in fuzz/corpus/)
#   engine  the fake Redis server's command engine (fuzz/FuzzFakeEngine.swift, seeds in
#           fuzz/corpus-engine/)
# New inputs are kept in fuzz/corpus-work/ and fuzz/.out/engine-corpus/ (both ignored by git); a
# crash is written to fuzz/artifacts/ and the script exits non-zero. Pin every crash as a
# named regression test: Tests/StrataRESPTests/RESPFuzzRegressionTests.swift for the parser,
# Tests/StrataFakeRedisTests/FakeEngineFuzzRegressionTests.swift for the engine. To read an
# engine input as commands: STRATA_FUZZ_TRACE=1 .build/fuzz/fuzz-fake-engine fuzz/artifacts/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
target=all
# The target may be left out: `scripts/fuzz.sh 600 -jobs=2` fuzzes both.
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    target="$1"
    shift
fi
case "$target" in
    parser | engine | all) ;;
    *)
        echo "usage: scripts/fuzz.sh [SECONDS] [parser|engine|all] [libFuzzer flags...]" >&2
        exit 2
        ;;
esac
out=.build/fuzz
mkdir -p "$out" fuzz/artifacts

# -rss_limit_mb and -malloc_limit_mb turn unbounded allocation into a failure.
run_fuzzer() {
    local binary="$1" work="$2" seeds="$3"
    shift 3
    mkdir -p "$work"
    echo "fuzzing $binary for ${seconds}s..."
    SWIFT_BACKTRACE=enable=no "$binary" \
        -max_total_time="$seconds" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 \
        -artifact_prefix=fuzz/artifacts/ \
        "$@" \
        "$work" "$seeds"
}

if [ "$target" = parser ] || [ "$target" = all ]; then
    echo "building the parser fuzzer (swiftc -sanitize=fuzzer,address)..."
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
        -module-name StrataRESPFuzz -package-name Strata \
        $(find Sources/StrataRESP -name '*.swift' | sort) fuzz/FuzzRESPParser.swift \
        -o "$out/fuzz-resp-parser"
    run_fuzzer "$out/fuzz-resp-parser" fuzz/corpus-work fuzz/corpus -max_len=4096 -malloc_limit_mb=512 "$@"
fi

if [ "$target" = engine ] || [ "$target" = all ]; then
    echo "building the engine fuzzer (swiftc -sanitize=fuzzer,address)..."
    modules="$out/engine-modules"
    mkdir -p "$modules"
    # The fake's dependencies as modules of their own, instrumented too, then the fake's
    # sources and the target as one module (so the target reaches the package test hook).
    for module in StrataSync StrataRESP; do
        swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
            -module-name "$module" -package-name Strata -I "$modules" \
            -emit-module -emit-module-path "$modules/$module.swiftmodule" \
            -emit-library -static -o "$modules/lib$module.a" \
            $(find "Sources/$module" -name '*.swift' | sort)
    done
    swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
        -module-name StrataFakeRedisFuzz -package-name Strata -I "$modules" \
        $(find Sources/StrataFakeRedis -name '*.swift' | sort) fuzz/FuzzFakeEngine.swift \
        "$modules/libStrataRESP.a" "$modules/libStrataSync.a" \
        -o "$out/fuzz-fake-engine"
    run_fuzzer "$out/fuzz-fake-engine" fuzz/.out/engine-corpus fuzz/corpus-engine \
        -max_len=2048 -malloc_limit_mb=256 "$@"
fi
