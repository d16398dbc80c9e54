#!/usr/bin/env bash
# Builds and tests the Examples package (the Hummingbird catalog app), from the repository root
# or from here: `bash Examples/ci.sh`. Meant to be called from .ci/run after the root's steps (it
# reuses redis-server if installed; STRATA_REQUIRE_REDIS=1 makes the real-server tests mandatory).
# The first build compiles Hummingbird and SwiftNIO: several minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
examples="$root/Examples"

step() { printf '\n=== examples: %s\n' "$*"; }

# SwiftPM names a path dependency after its folder: a checkout whose folder is called
# `examples` would clash with this package's own identity (`Examples`). Build a copy then.
if [ "$(basename "$root" | tr '[:upper:]' '[:lower:]')" = "examples" ]; then
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    copy="$scratch/strata"
    mkdir -p "$copy"
    (cd "$root" && tar --exclude='.build*' --exclude='.git' --exclude='Package.resolved' -cf - .) | (cd "$copy" && tar -xf -)
    examples="$copy/Examples"
fi

step "build (no warnings)"
log="$(mktemp)"
swift build --package-path "$examples" --build-tests \
    --explicit-target-dependency-import-check error 2>&1 | tee "$log"
# Only this package's sources count: dependencies' warnings (swift-distributed-tracing warns about
# an unhandled file) are not ours, and the root's sources are checked by the root's own build.
if grep "warning:" "$log" | grep -E "/Examples/(Sources|Tests)/|Examples/Package.swift"; then
    echo "error: the Examples build has warnings" >&2
    exit 1
fi
rm -f "$log"

step "test"
# Serially: run in parallel on 2 cores, the tests stall each other for seconds (see README.md).
swift test --package-path "$examples" --skip-build --no-parallel

step "format"
(cd "$examples" && swift format lint --strict --configuration "$root/.swift-format" --recursive \
    Package.swift Sources Tests)
