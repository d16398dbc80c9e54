#!/usr/bin/env bash
# redis-py's own test suite against the fake server and a real redis-server, in the same run.
#
#   scripts/redis-py-suite.sh [pytest arguments...]
#
# Downloads redis-py's sdist (redis==5.0.8, which ships its tests) and pytest from PyPI into
# .build/redis-py (once; nothing third-party is committed), builds FakeRedisServerRunner in
# release mode, starts it and a redis-server on free loopback ports, and runs the test files
# below against each (`--redis-url`). Prints each server's pass/fail/skip counts and the tests
# that pass on redis-server but not on the fake (.build/redis-py/differences.txt).
# Lua scripting and FUNCTION tests fail on the fake by design (see README); cluster, modules
# and Sentinel tests are not run.
set -euo pipefail
cd "$(dirname "$0")/.."

version=5.0.8
files=(tests/test_commands.py tests/test_pipeline.py tests/test_pubsub.py tests/test_lock.py
    tests/test_encoding.py tests/test_hash.py)
work="$(pwd)/.build/redis-py"
mkdir -p "$work"

for tool in redis-server redis-cli python3; do
    command -v "$tool" >/dev/null || { echo "$tool is not on PATH (apt-get install -y redis-server)" >&2; exit 1; }
done

if [ ! -d "$work/redis-$version/tests" ]; then
    python3 -m pip download "redis==$version" --no-binary :all: --no-deps -d "$work" >/dev/null
    tar -xzf "$work/redis-$version.tar.gz" -C "$work"
fi
if [ ! -x "$work/venv/bin/python" ]; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q pytest pytest-timeout pytest-asyncio packaging
fi

swift build -c release --product FakeRedisServerRunner >/dev/null
fake_bin=.build/release/FakeRedisServerRunner

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
real_port=$(free_port)
fake_port=$(free_port)
redis-server --port "$real_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$work" --logfile "$work/redis.log" &
real_pid=$!
"$fake_bin" --port "$fake_port" >"$work/fake.log" 2>&1 &
fake_pid=$!
cleanup() { kill "$real_pid" "$fake_pid" 2>/dev/null || true; wait "$real_pid" "$fake_pid" 2>/dev/null || true; }
trap cleanup EXIT
for port in "$real_port" "$fake_port"; do
    for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
done

run() {
    local name=$1 port=$2
    shift 2
    (cd "$work/redis-$version" && "$work/venv/bin/python" -m pytest "${files[@]}" -p no:cacheprovider -q \
        --timeout 60 --redis-url="redis://127.0.0.1:$port/0" --junitxml="$work/$name.xml" "$@" \
        >"$work/$name.log" 2>&1) || true
}
run redis-server "$real_port" "$@"
run fake "$fake_port" "$@"

"$work/venv/bin/python" - "$work" <<'EOF'
import sys
import xml.etree.ElementTree as ET

work = sys.argv[1]
results = {}
for name in ("redis-server", "fake"):
    outcome = {}
    for case in ET.parse(f"{work}/{name}.xml").getroot().iter("testcase"):
        test = f"{case.get('classname')}::{case.get('name')}"
        if case.find("skipped") is not None:
            outcome[test] = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            outcome[test] = "failed"
        else:
            outcome[test] = "passed"
    results[name] = outcome
    counts = {k: sum(1 for v in outcome.values() if v == k) for k in ("passed", "failed", "skipped")}
    print(f"{name:>12}: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
differences = sorted(t for t, v in results["redis-server"].items() if v == "passed" and results["fake"].get(t) != "passed")
with open(f"{work}/differences.txt", "w") as f:
    f.write("\n".join(differences) + "\n")
print(f"passing on redis-server only: {len(differences)} (listed in {work}/differences.txt)")
EOF
