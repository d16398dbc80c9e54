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
import argparse, csv, io, json, os, resource, shutil, socket, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(command):
    """Runs a command; returns (stdout, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, cpu


def redis_benchmark(port, args, requests):
    out, cpu = timed(["redis-benchmark", "-p", str(port), "--csv", "-t", "get", "-d", "64", "-n", str(requests)] + args)
    rows = list(csv.reader(io.StringIO(out)))
    header, row = rows[0], rows[-1]
    fields = dict(zip(header, row))
    return {
        "ops": float(fields["rps"]),
        "p50": float(fields["p50_latency_ms"]) * 1000,
        "p99": float(fields["p99_latency_ms"]) * 1000,
        "cpu_us": cpu * 1e6 / requests,
    }


def strata_bench(port, workload, extra=(), binary=None):
    url = f"redis://127.0.0.1:{port}"
    binary = binary or os.path.join(ROOT, ".build/release/strata")
    out, cpu = timed([binary, "bench", "--url", url, "--workload", workload, "--json", *extra])
    result = json.loads(out)
    get = result["tests"]["GET"]
    requests = sum(test["requests"] for test in result["tests"].values())
    return {
        "ops": get["opsPerSecond"],
        "p50": get["latencyMicroseconds"]["p50"],
        "p99": get["latencyMicroseconds"]["p99"],
        # The process CPU covers every test of the preset (W1 runs SET then GET).
        "cpu_us": cpu * 1e6 / requests,
    }


def best(samples, key, higher=True):
    return (max if higher else min)(samples, key=lambda s: s[key])


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
        print(f"{'':4} {'strata ops/s':>13} {'redis-bench ops/s':>18} {'ratio':>6}   "
              f"{'p50 us':>7} {'ref p50':>8} {'ratio':>6}   {'CPU us/req':>10} {'ref CPU':>8}")
        baselines = {}
        for name, workload, extra, reference_args, reference_requests in plans:
            ours, theirs, base = [], [], []
            for _ in range(args.rounds):
                ours.append(strata_bench(port, workload, extra))
                theirs.append(redis_benchmark(port, reference_args, reference_requests))
                if args.baseline:
                    base.append(strata_bench(port, workload, extra, args.baseline))
            if base:
                baselines[name] = (best(ours, "ops")["ops"], best(base, "ops")["ops"],
                                   best(ours, "p50", False)["p50"], best(base, "p50", False)["p50"],
                                   best(ours, "cpu_us", False)["cpu_us"], best(base, "cpu_us", False)["cpu_us"])
            o_ops, t_ops = best(ours, "ops")["ops"], best(theirs, "ops")["ops"]
            o_p50, t_p50 = best(ours, "p50", False)["p50"], best(theirs, "p50", False)["p50"]
            o_cpu, t_cpu = best(ours, "cpu_us", False)["cpu_us"], best(theirs, "cpu_us", False)["cpu_us"]
            print(f"{name:4} {o_ops:13.0f} {t_ops:18.0f} {o_ops / t_ops:6.2f}   "
                  f"{o_p50:7.1f} {t_p50:8.1f} {o_p50 / t_p50:6.2f}   {o_cpu:10.1f} {t_cpu:8.1f}")
        if baselines:
            print(f"\nagainst --baseline {args.baseline}:")
            print(f"{'':4} {'ops/s':>10} {'baseline':>10} {'ratio':>6}   {'p50 us':>7} {'baseline':>8} {'ratio':>6}   "
                  f"{'CPU us':>7} {'baseline':>8}")
            for name, (ops, bops, p50, bp50, cpu, bcpu) in baselines.items():
                print(f"{name:4} {ops:10.0f} {bops:10.0f} {ops / bops:6.2f}   {p50:7.1f} {bp50:8.1f} {p50 / bp50:6.2f}   "
                      f"{cpu:7.1f} {bcpu:8.1f}")
        print("\nratio: strata / redis-benchmark (ops: higher is better; p50: lower is better).")
        print("W1's reference is redis-benchmark -c 1; W2's -c 64 -P 16; W3's -c 1 -P 100 (all GET, 64-byte values).")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
