#!/usr/bin/env bash
# Runs the TieredCache coherence checker over a range of seeds, in batches, and reports how many
# ran and which failed. CI runs a fixed handful; this is for long local runs.
#
#   scripts/coherence-check.sh 1 500          # seeds 1..500 against the fake server
#   REAL=1 scripts/coherence-check.sh 1 100   # also against real redis-servers
#
# A failing seed prints its scenario and a minimal history; rerun one with
#   STRATA_COHERENCE_SEEDS=42 swift test --filter CoherenceCheckerTests
set -euo pipefail
cd "$(dirname "$0")/.."
first=${1:-1}
last=${2:-100}
batch=${BATCH:-20}
filter="CoherenceCheckerTests/fakeServers"
if [ "${REAL:-0}" = 1 ]; then filter="CoherenceCheckerTests"; export STRATA_REQUIRE_REDIS=1; fi
swift build --build-tests >/dev/null
ran=0
failed=()
log=$(mktemp /tmp/strata-coherence.XXXXXX)
for ((start = first; start <= last; start += batch)); do
    end=$((start + batch - 1))
    [ "$end" -gt "$last" ] && end=$last
    if STRATA_COHERENCE_SEEDS="$start-$end" swift test --skip-build --filter "$filter" >"$log" 2>&1; then
        :
    else
        failed+=($(grep -oE "seed [0-9]+ on [a-z]+" "$log" | sort -u | awk '{print $2 "(" $4 ")"}'))
        grep -E "^↳ seed|^  (after|instance [0-9]+ (read|loaded)|.* was loaded)" "$log" | head -20 || true
        kept="/tmp/strata-coherence-seeds-$start-$end.log"
        cp "$log" "$kept"
        echo "  (the whole log: $kept)"
    fi
    ran=$((ran + end - start + 1))
    echo "seeds $start-$end done; $ran run, ${#failed[@]} failing so far"
done
echo "coherence check: $ran seeds, failing: ${failed[*]:-none}"
[ "${#failed[@]}" -eq 0 ]
