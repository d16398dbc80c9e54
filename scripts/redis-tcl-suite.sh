#!/usr/bin/env bash
# Redis 7.0.15's own Tcl test suite against the fake server and a real redis-server, in the same run.
#
#   scripts/redis-tcl-suite.sh [redis-source-dir] [unit...]
#   REDIS_SRC=/path/to/redis-7.0.15 scripts/redis-tcl-suite.sh
#
# The Redis source tree (only its tests/ and runtest are used, nothing is compiled) is taken from
# the first argument, else $REDIS_SRC, else /work/scratch/redis-7.0.15. Nothing from it is
# committed here. To get it, either
#   curl -LO https://download.redis.io/releases/redis-7.0.15.tar.gz && tar -xzf redis-7.0.15.tar.gz
# or, with a deb-src line for a distribution that ships 7.0.15 (Debian bookworm):
#   apt-get source redis
# The suite needs tclsh 8.5 or newer (apt-get install -y tcl) and redis-server 7.0.15 on PATH.
#
# Builds FakeRedisServerRunner in release mode, starts it and a fresh redis-server on free
# loopback ports, and runs each unit below (or the units given after the source directory) with
# `./runtest --host 127.0.0.1 --port N --single unit/U --clients 1 --durable` against each server,
# every run bounded by `timeout`. --durable turns an exception in one test into a failure of that
# test instead of the end of the unit. Both servers are stopped on any exit (trap). Prints, per
# unit, the tests passed and failed on redis-server and on the fake, and writes the tests that pass
# on redis-server but not on the fake to .build/redis-tcl/differences.txt ("unit: test name",
# marked "(not run on the fake)" when the unit skipped it there, e.g. on the fake's INFO fields).
# The logs of each run are kept in .build/redis-tcl/{real,fake}/<unit>.log.
# Environment: REDIS_SRC (the source tree), REDIS_TCL_WORK (another directory than
# .build/redis-tcl), STRATA_FAKE_BIN (a FakeRedisServerRunner already built, instead of building
# one), REDIS_TCL_UNIT_TIMEOUT (seconds per unit and server, 300 by default), REDIS_TCL_BASEPORT
# (the harness's ports, 21111 and that plus 2000 by default).
#
# What is not run, on either server:
# - tests tagged external:skip: the suite itself skips them in external-server mode (they
#   restart the server, read its log or config file, or spawn replicas);
# - tags needs:repl (replication), needs:save (RDB/AOF persistence), needs:debug (DEBUG RELOAD,
#   DEBUG OBJECT, DEBUG SLEEP and other internals), needs:pfdebug (PFDEBUG, HyperLogLog internals),
#   scripting (Lua): replication, persistence and Lua are out of the fake by design, and DEBUG
#   pokes at redis-server's internals;
# - large-memory tests (the suite skips them unless --large-memory);
# - the tests listed in skipped_tests below: they run Lua (EVAL, SCRIPT, FUNCTION, FCALL) but
#   carry no scripting tag.
#
# The harness is copied to .build/redis-tcl/{real,fake}-tree with one change, on both sides: the
# FUNCTION FLUSH it sends before each unit may fail (the fake has no FUNCTION command).
set -euo pipefail
cd "$(dirname "$0")/.."

src=${REDIS_SRC:-/work/scratch/redis-7.0.15}
if [ $# -gt 0 ] && [ -d "$1" ]; then
    src=$1
    shift
fi
units=("$@")
if [ ${#units[@]} -eq 0 ]; then
    units=(type/string type/incr type/list type/hash type/set type/zset type/stream type/stream-cgroups
        type/list-2 type/list-3 expire keyspace multi pubsub pubsubshard scan tracking info info-command
        introspection introspection-2 bitops bitfield hyperloglog geo sort dump protocol auth acl quit
        querybuf latency-monitor slowlog pause other limits maxmemory obuf-limits networking)
fi
denied_tags="-needs:repl -needs:save -needs:debug -needs:pfdebug -scripting"
skipped_tests=(
    # multi: Lua scripts (script timeouts, propagation of SCRIPT LOAD / EVAL / SCRIPT FLUSH)
    "MULTI and script timeout"
    "EXEC and script timeout"
    "MULTI-EXEC body and script timeout"
    "just EXEC and script timeout"
    "MULTI propagation of SCRIPT LOAD"
    "MULTI propagation of EVAL"
    "MULTI propagation of SCRIPT FLUSH"
    # tracking: keys touched by Lua scripts
    "Invalid keys should not be tracked for scripts in NOLOOP mode"
    "Tracking only occurs for scripts when a command calls a read-only command"
    # info: error statistics of EVAL and EVALSHA
    "errorstats: failed call within LUA"
    "errorstats: failed call NOSCRIPT error"
    # introspection, introspection-2: MONITOR and command stats of scripts and functions
    "MONITOR can log commands issued by the scripting engine"
    "MONITOR can log commands issued by functions"
    "command stats for scripts"
    # sort: SORT called from a script
    "SORT sorted set BY nosort works as expected from scripts"
    # acl: ACL checks inside scripts
    "ACL requires explicit permission for scripting for EVAL_RO, EVALSHA_RO and FCALL_RO"
    "ACL can log errors in the context of Lua scripting"
    # latency-monitor: expire events are provoked from a script
    "LATENCY of expire events are correctly collected"
    # pause: scripts and functions under CLIENT PAUSE
    "Test scripts are blocked by pause RO"
    "Test RO scripts are not blocked by pause RO"
    "Test read-only scripts in mutli-exec are not blocked by pause RO"
    "Test write scripts in mutli-exec are blocked by pause RO"
    "Test may-replicate commands are rejected in RO scripts"
)
unit_timeout=${REDIS_TCL_UNIT_TIMEOUT:-300}
# The harness's own ports (its test server listens just below --baseport): two runs at once need
# different ones.
baseport=${REDIS_TCL_BASEPORT:-21111}

for tool in redis-server redis-cli tclsh python3 timeout; do
    command -v "$tool" >/dev/null || { echo "$tool is not on PATH (apt-get install -y redis-server tcl)" >&2; exit 1; }
done
[ -x "$src/runtest" ] && [ -f "$src/tests/test_helper.tcl" ] || {
    echo "no Redis source tree with runtest and tests/ at $src (see the header of $0)" >&2
    exit 1
}
src=$(cd "$src" && pwd)

work=${REDIS_TCL_WORK:-$(pwd)/.build/redis-tcl}
rm -rf "$work/real" "$work/fake"
mkdir -p "$work/real" "$work/fake"
: >"$work/differences.txt"

fake_bin=${STRATA_FAKE_BIN:-}
if [ -z "$fake_bin" ]; then
    swift build -c release --product FakeRedisServerRunner >/dev/null
    fake_bin=$(pwd)/.build/release/FakeRedisServerRunner
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
real_port=$(free_port)
fake_port=$(free_port)
real_pid=""
fake_pid=""
real_run=""
fake_run=""
cleanup() {
    for pid in $real_run $fake_run $real_pid $fake_pid; do kill "$pid" 2>/dev/null || true; done
    for pid in $real_run $fake_run $real_pid $fake_pid; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
start_real() {
    redis-server --port "$real_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        --dir "$work" --logfile "$work/redis.log" &
    real_pid=$!
}
start_fake() {
    "$fake_bin" --port "$fake_port" >>"$work/fake.log" 2>&1 &
    fake_pid=$!
}
wait_ready() {
    for _ in $(seq 1 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && return; sleep 0.05; done
}
: >"$work/fake.log"
start_real
start_fake
wait_ready "$real_port"
wait_ready "$fake_port"
skip_args=()
for name in "${skipped_tests[@]}"; do skip_args+=(--skiptest "$name"); done

# Runs one unit against one server; the log keeps the suite's [ok]/[err]/[skip]/[ignore] lines.
run_unit() {
    local side=$1 port=$2 unit=$3 baseport=$4
    local log="$work/$side/${unit//\//_}.log"
    # runtest writes its scratch files under tests/tmp of the source tree; each run gets its own
    # copy of the tree's test harness so the two servers can be tested at once.
    (cd "$work/$side-tree" && timeout --kill-after=10 "$unit_timeout" ./runtest --host 127.0.0.1 \
        --port "$port" --baseport "$baseport" --single "unit/$unit" --clients 1 --durable --timeout "$unit_timeout" \
        --tags "$denied_tags" "${skip_args[@]}" >"$log" 2>&1) || echo "[runtest exited with $?]" >>"$log"
}

for side in real fake; do
    rm -rf "$work/$side-tree"
    mkdir -p "$work/$side-tree"
    cp -r "$src/runtest" "$src/tests" "$work/$side-tree/"
    mkdir -p "$work/$side-tree/src"
    # Before each unit the harness runs FUNCTION FLUSH, which the fake (no Lua, no functions)
    # answers with "unknown command": on both sides its error is caught, so it is still sent.
    sed -i 's/^    r function flush$/    catch {r function flush}/' "$work/$side-tree/tests/support/server.tcl"
done

for unit in "${units[@]}"; do
    # The fake and the real server run the same unit side by side.
    run_unit real "$real_port" "$unit" "$baseport" &
    real_run=$!
    run_unit fake "$fake_port" "$unit" $((baseport + 2000)) &
    fake_run=$!
    wait "$real_run" "$fake_run" || true
    # A server that died during the unit (a crash: see fake.log or redis.log) is started afresh,
    # so the next units still run; its unit is marked.
    died=""
    if ! kill -0 "$real_pid" 2>/dev/null; then
        died="$died redis-server died;"
        start_real
        wait_ready "$real_port"
    fi
    if ! kill -0 "$fake_pid" 2>/dev/null; then
        died="$died fake died;"
        start_fake
        wait_ready "$fake_port"
    fi
    python3 - "$work" "$unit" "$died" <<'EOF'
import re
import sys

work, unit, died = sys.argv[1], sys.argv[2], sys.argv[3]
name = unit.replace("/", "_")
outcome = {}
for side in ("real", "fake"):
    passed, failed = [], []
    with open(f"{work}/{side}/{name}.log", errors="replace") as f:
        for line in f:
            line = re.sub(r"\x1b\[[0-9;]*m", "", line.rstrip("\n"))
            if m := re.match(r"\[ok\]: (.*) \(\d+ ms\)$", line):
                passed.append(m.group(1))
            elif m := re.match(r"\[(err|exception)\]: (.*?)( in tests/unit/.*)?$", line):
                failed.append(m.group(2))
            elif "[runtest exited with 124]" in line or "[runtest exited with 137]" in line:
                failed.append("(unit timed out)")
    outcome[side] = (passed, failed)
real_passed, real_failed = outcome["real"]
fake_passed, fake_failed = outcome["fake"]
print(f"{unit:<20} redis-server {len(real_passed):>4} passed {len(real_failed):>3} failed"
      f"   fake {len(fake_passed):>4} passed {len(fake_failed):>3} failed{died}")
fake_ok, fake_bad = set(fake_passed), set(fake_failed)
with open(f"{work}/differences.txt", "a") as f:
    for test in real_passed:
        if test not in fake_ok:
            f.write(f"{unit}: {test}{'' if test in fake_bad else ' (not run on the fake)'}\n")
EOF
done
echo "passing on redis-server only: $(wc -l <"$work/differences.txt") (listed in $work/differences.txt)"
