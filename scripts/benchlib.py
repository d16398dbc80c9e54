"""What bench-redis.py and bench-cluster.py share: running strata bench and redis-benchmark with
their CPU time, alternating rounds, and the table of figures and ratios (and against a baseline
build). Not a script of its own."""
import csv, io, json, os, resource, subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(command):
    """Runs a command; returns (stdout, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, cpu


def redis_benchmark(port, args, requests, cluster=False):
    """GETs of 64-byte values by redis-benchmark (`--cluster` when `cluster`), from its CSV."""
    mode = ["--cluster"] if cluster else []
    out, cpu = timed(["redis-benchmark", *mode, "-p", str(port), "--csv", "-t", "get", "-d", "64",
                      "-n", str(requests)] + args)
    # In cluster mode the CSV follows a list of the primaries.
    rows = [row for row in csv.reader(io.StringIO(out[out.index('"test"'):])) if row]
    header, row = rows[0], rows[-1]
    fields = dict(zip(header, row))
    return {
        "ops": float(fields["rps"]),
        "p50": float(fields["p50_latency_ms"]) * 1000,
        "p99": float(fields["p99_latency_ms"]) * 1000,
        "cpu_us": cpu * 1e6 / requests,
    }


def strata_bench(target, workload, extra=(), binary=None):
    """A `strata bench` preset; `target` is `["--url", URL]` or `["--cluster", URL]`."""
    binary = binary or os.path.join(ROOT, ".build/release/strata")
    out, cpu = timed([binary, "bench", *target, "--workload", workload, "--json", *extra])
    result = json.loads(out)
    get = result["tests"]["GET"]
    requests = sum(test["requests"] for test in result["tests"].values())
    return {
        "ops": get["opsPerSecond"],
        "p50": get["latencyMicroseconds"]["p50"],
        "p99": get["latencyMicroseconds"]["p99"],
        # The process CPU covers the whole run: every test of the preset (W1 runs SET then GET),
        # and the unmeasured writes of the keys its GETs read.
        "cpu_us": cpu * 1e6 / requests,
    }


def best(samples, key, higher=True):
    return (max if higher else min)(samples, key=lambda s: s[key])


def compare(plans, rounds, ours, theirs, baseline=None):
    """Runs each plan `(name, workload, extra, reference_args, reference_requests)` for `rounds`
    alternating rounds of `ours(workload, extra, binary)` and `theirs(reference_args,
    reference_requests)` (and the `baseline` binary's), keeps each side's best, and prints the
    table and, with a baseline, its table."""
    print(f"{'':4} {'strata ops/s':>13} {'redis-bench ops/s':>18} {'ratio':>6}   "
          f"{'p50 us':>7} {'ref p50':>8} {'ratio':>6}   {'CPU us/req':>10} {'ref CPU':>8}")
    baselines = {}
    for name, workload, extra, reference_args, reference_requests in plans:
        mine, reference, base = [], [], []
        for _ in range(rounds):
            mine.append(ours(workload, extra, None))
            reference.append(theirs(reference_args, reference_requests))
            if baseline:
                base.append(ours(workload, extra, baseline))
        o_ops, t_ops = best(mine, "ops")["ops"], best(reference, "ops")["ops"]
        o_p50, t_p50 = best(mine, "p50", False)["p50"], best(reference, "p50", False)["p50"]
        o_cpu, t_cpu = best(mine, "cpu_us", False)["cpu_us"], best(reference, "cpu_us", False)["cpu_us"]
        print(f"{name:4} {o_ops:13.0f} {t_ops:18.0f} {o_ops / t_ops:6.2f}   "
              f"{o_p50:7.1f} {t_p50:8.1f} {o_p50 / t_p50:6.2f}   {o_cpu:10.1f} {t_cpu:8.1f}")
        if base:
            baselines[name] = (o_ops, best(base, "ops")["ops"], o_p50, best(base, "p50", False)["p50"],
                               o_cpu, best(base, "cpu_us", False)["cpu_us"])
    if baselines:
        print(f"\nagainst --baseline {baseline}:")
        print(f"{'':4} {'ops/s':>10} {'baseline':>10} {'ratio':>6}   {'p50 us':>7} {'baseline':>8} {'ratio':>6}   "
              f"{'CPU us':>7} {'baseline':>8}")
        for name, (ops, bops, p50, bp50, cpu, bcpu) in baselines.items():
            print(f"{name:4} {ops:10.0f} {bops:10.0f} {ops / bops:6.2f}   {p50:7.1f} {bp50:8.1f} {p50 / bp50:6.2f}   "
                  f"{cpu:7.1f} {bcpu:8.1f}")
    print("\nratio: strata / redis-benchmark (ops: higher is better; p50: lower is better).")
