#!/usr/bin/env bash
# StrataRESP's parser against hiredis' reader, on the same corpora, in the same run.
#
#   scripts/bench-resp.sh [--instructions] [ROUNDS]
#
# Builds Benchmarks/hiredis/resp_reader_bench.c (needs libhiredis-dev) and the RESPCompare
# executable (release), runs them alternately ROUNDS times (default 3) and keeps each one's best
# CPU time per corpus. With --instructions it also counts instructions with callgrind (needs
# valgrind), which is repeatable on a busy machine where time is not. The maps corpus (RESP3) is
# Strata only: hiredis 0.14 reads no RESP3.
set -euo pipefail
cd "$(dirname "$0")/.."

instructions=0
if [ "${1:-}" = "--instructions" ]; then instructions=1; shift; fi
rounds="${1:-3}"
out=.build/bench-resp
mkdir -p "$out"

if [ ! -f /usr/include/hiredis/read.h ]; then
    echo "hiredis headers missing: apt-get install -y libhiredis-dev" >&2
    exit 1
fi
gcc -O2 -o "$out/resp_reader_bench" Benchmarks/hiredis/resp_reader_bench.c -lhiredis
(cd Benchmarks && swift build -c release --product RESPCompare >/dev/null)
strata=Benchmarks/.build/release/RESPCompare

for ((i = 0; i < rounds; i++)); do
    "$strata" 3 >"$out/strata.$i.json"
    "$out/resp_reader_bench" 3 >"$out/hiredis.$i.json"
done

if [ "$instructions" = 1 ]; then
    for corpus in ok integers bulk64 arrays bulk1MiB; do
        valgrind --tool=callgrind --callgrind-out-file="$out/cg.strata.$corpus" "$strata" 1 "$corpus" >/dev/null 2>&1
        valgrind --tool=callgrind --callgrind-out-file="$out/cg.hiredis.$corpus" \
            "$out/resp_reader_bench" 1 "$corpus" >/dev/null 2>&1
    done
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.strata.maps" "$strata" 1 maps >/dev/null 2>&1
fi

python3 - "$out" "$rounds" "$instructions" <<'PY'
import glob, json, re, subprocess, sys
out, rounds, instructions = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
counts = {"ok": 1_000_000, "integers": 1_000_000, "bulk64": 1_000_000, "arrays": 10_000, "bulk1MiB": 200}

def best(name, corpora=counts):
    runs = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{name}.*.json"))]
    return {c: min(r[c]["nsPerValue"] for r in runs) for c in corpora}

def inclusive(path, patterns):
    """Sum over the named functions of the largest inclusive count callgrind lists for each."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", path], capture_output=True, text=True).stdout
    best = {}
    for line in text.splitlines():
        for p in patterns:
            if p in line and "'2" not in line:
                best[p] = max(best.get(p, 0), int(line.split()[0].replace(",", "")))
    return sum(best.values())

s, h = best("strata"), best("hiredis")
print(f"RESP parsing, 16 KiB reads, best CPU time of {rounds} rounds (lower is better)")
header = f"{'corpus':<10} {'strata':>12} {'hiredis':>12} {'hiredis/strata':>15}"
if instructions:
    header += f" {'instr strata':>13} {'instr hiredis':>14} {'ratio':>6}"
print(header)
for c, n in counts.items():
    unit = "ns" if s[c] < 10_000 else "us"
    scale = 1 if unit == "ns" else 1000
    row = f"{c:<10} {s[c]/scale:>9.1f} {unit} {h[c]/scale:>9.1f} {unit} {h[c]/s[c]:>14.2f}x"
    if instructions:
        si = inclusive(f"{out}/cg.strata.{c}", ["RESPCorpusO5parse"]) / n
        hi = inclusive(f"{out}/cg.hiredis.{c}", [
            "redisReaderGetReply", "freeReplyObject [", "redisReaderFeed", "redisReaderCreate", "redisReaderFree"]) / n
        row += f" {si:>13.0f} {hi:>14.0f} {hi/si:>5.2f}x"
    print(row)
maps = best("strata", ["maps"])["maps"]
row = f"{'maps':<10} {maps:>9.1f} ns {'-':>12} {'(RESP3: hiredis 0.14 cannot read it)':>15}"
if instructions:
    row += f" {inclusive(f'{out}/cg.strata.maps', ['RESPCorpusO5parse']) / 10_000:>13.0f}"
print(row)
print("(a ratio above 1 means StrataRESP is faster; 1 MiB bulks: ns per MiB value)")
PY
