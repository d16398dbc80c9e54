#!/bin/bash
# Instructions per operation of the local cache layers, from callgrind: each operation is run
# with 0 and with N iterations and the difference divided by N. Deterministic hashing makes
# the counts repeatable. Usage: ./callgrind.sh [operation...]
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product LocalCacheCallgrind >&2
binary=.build/release/LocalCacheCallgrind
N=${N:-200000}
export SWIFT_DETERMINISTIC_HASHING=1
instructions() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
operations=("$@")
[ ${#operations[@]} -eq 0 ] && operations=(dict lru-hit striped-hit ttl-hit hot-hit dict-insert lru-set striped-set ttl-set ttl-reset hot-miss)
for operation in "${operations[@]}"; do
    base=$(instructions "$operation" 0)
    full=$(instructions "$operation" "$N")
    echo "$operation $(((full - base) / N))"
done
