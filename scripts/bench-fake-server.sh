#!/usr/bin/env bash
# The fake Redis server's throughput against a real redis-server, in the same run.
#
#   scripts/bench-fake-server.sh [ROUNDS]
#
# Builds FakeRedisServerRunner in release mode, starts it and a redis-server (each on a free
# loopback port), then runs `redis-benchmark -c 50 -P 16 -t set,get -n 200000 -q` against them
# alternately ROUNDS times (default 5) and prints each one's best figures and the ratio
# fake / redis-server. Machines here are shared: compare the ratio, and look at the best of
# alternating rounds rather than any single one.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds="${1:-5}"
for tool in redis-server redis-benchmark python3; do
    command -v "$tool" >/dev/null || { echo "$tool is not on PATH (apt-get install -y redis-server)" >&2; exit 1; }
done

swift build -c release --product FakeRedisServerRunner >/dev/null
fake_bin=.build/release/FakeRedisServerRunner
out="$(pwd)/.build/bench-fake-server"
mkdir -p "$out"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
real_port=$(free_port)
fake_port=$(free_port)

redis-server --port "$real_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$out" --logfile "$out/redis.log" &
real_pid=$!
"$fake_bin" --port "$fake_port" >"$out/fake.log" 2>&1 &
fake_pid=$!
cleanup() { kill "$real_pid" "$fake_pid" 2>/dev/null || true; wait "$real_pid" "$fake_pid" 2>/dev/null || true; }
trap cleanup EXIT

for port in "$real_port" "$fake_port"; do
    up=0
    for _ in $(seq 1 100); do
        if redis-cli -p "$port" ping >/dev/null 2>&1; then up=1; break; fi
        sleep 0.05
    done
    [ "$up" = 1 ] || { echo "nothing answers on port $port; see $out/*.log" >&2; exit 1; }
done

bench=(redis-benchmark -c 50 -P 16 -t set,get -n 200000 -q)
echo "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on :$real_port, fake on :$fake_port"
echo "command: ${bench[*]} -p PORT   ($rounds alternating rounds)"
for ((i = 1; i <= rounds; i++)); do
    "${bench[@]}" -p "$real_port" 2>/dev/null | tr '\r' '\n' | grep "requests per second" >"$out/real.$i.txt"
    "${bench[@]}" -p "$fake_port" 2>/dev/null | tr '\r' '\n' | grep "requests per second" >"$out/fake.$i.txt"
    echo "round $i: redis-server $(tr '\n' ' ' <"$out/real.$i.txt")"
    echo "round $i: fake         $(tr '\n' ' ' <"$out/fake.$i.txt")"
done

python3 - "$out" "$rounds" <<'PY'
import re, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def parse(path):
    figures = {}
    for line in open(path):
        m = re.match(r"\s*(\w+): ([\d.]+) requests per second", line)
        if m: figures[m.group(1)] = float(m.group(2))
    return figures
best = {"real": {}, "fake": {}}
ratios = {}
for i in range(1, rounds + 1):
    r, f = parse(f"{out}/real.{i}.txt"), parse(f"{out}/fake.{i}.txt")
    for test in r:
        best["real"][test] = max(best["real"].get(test, 0), r[test])
        if test in f:
            best["fake"][test] = max(best["fake"].get(test, 0), f[test])
            ratios.setdefault(test, []).append(f[test] / r[test])
print()
print(f"{'test':6} {'redis-server':>14} {'fake':>14} {'best/best':>10} {'best round':>11}")
for test in best["real"]:
    rs, fs = best["real"][test], best["fake"].get(test, 0)
    print(f"{test:6} {rs:14,.0f} {fs:14,.0f} {fs/rs:10.2f} {max(ratios.get(test, [0])):11.2f}")
print("ops/s are the best of the rounds; 'best round' is the best fake/redis-server ratio within one round.")
PY
