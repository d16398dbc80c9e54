#!/usr/bin/env python3
"""StrataRedis against redis-benchmark, on one redis-server, in the same run.

    scripts/bench-redis.py [--rounds N] [--default-executor] [--baseline PATH/TO/strata]

Starts a redis-server on a free loopback port, builds `strata` in release mode, then for each
workload runs the `strata bench` preset and the matching redis-benchmark command alternately,
keeps each side's best round, and prints the figures and their ratios:

  W1  strata bench --workload w1     vs  redis-benchmark -t get -d 64 -c 1
  W2  strata bench --workload w2     vs  redis-benchmark -t get -d 64 -c 64 -P 16 -r 100000
  W3  strata bench --workload w3     vs  redis-benchmark -t get -d 64 -c 1 -P 100 -r 100000

CPU time per request is the child process's user+system time divided by its requests, for both.
With --baseline, a second `strata` binary (an earlier build, e.g. from a worktree of an older
commit) runs the same presets in the same rounds, and its figures and the ratio of this build to
it are printed too: "no slower than before", measured side by side.

Needs redis-server and redis-benchmark on PATH (Debian: apt-get install -y redis-server).
"""
import argparse, os, shutil, socket, subprocess, sys, time

from benchlib import ROOT, compare, redis_benchmark, strata_bench


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--default-executor", action="store_true",
                        help="run W1 and W2 on Swift's default executor instead of the client's I/O executor")
    parser.add_argument("--baseline", help="another strata binary to measure in the same rounds")
    args = parser.parse_args()
    for tool in ("redis-server", "redis-benchmark"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not on PATH: apt-get install -y redis-server")
    subprocess.run(["swift", "build", "-c", "release", "--product", "strata"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--logfile", ""], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        # Values for the GETs of both tools (redis-benchmark reads key:__rand_int__).
        subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-d", "64", "-n", "200000", "-r", "100000", "-q"],
                       check=True, stdout=subprocess.DEVNULL)
        plans = [
            ("W1", "w1", ["--no-executor"] if args.default_executor else [], ["-c", "1"], 100_000),
            ("W2", "w2", ["--no-executor"] if args.default_executor else [], ["-c", "64", "-P", "16", "-r", "100000"], 1_000_000),
            ("W3", "w3", [], ["-c", "1", "-P", "100", "-r", "100000"], 1_000_000),
        ]
        print(f"redis-server {subprocess.run(['redis-server', '--version'], capture_output=True, text=True).stdout.split()[2]} "
              f"on 127.0.0.1:{port}, {args.rounds} alternating rounds, best of each\n")
        url = ["--url", f"redis://127.0.0.1:{port}"]
        compare(plans, args.rounds,
                lambda workload, extra, binary: strata_bench(url, workload, extra, binary),
                lambda reference_args, requests: redis_benchmark(port, reference_args, requests),
                args.baseline)
        print("W1's reference is redis-benchmark -c 1; W2's -c 64 -P 16; W3's -c 1 -P 100 (all GET, 64-byte values).")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
