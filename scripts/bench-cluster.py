#!/usr/bin/env python3
"""StrataRedis' cluster client against redis-benchmark --cluster, on one local Redis Cluster, in the same run.

    scripts/bench-cluster.py [--rounds N] [--replicas N] [--scale F] [--no-build] [--baseline PATH/TO/strata]

Starts a Redis Cluster of 3 primaries (and N replicas each with --replicas N) from redis-server
processes on free loopback ports below the ephemeral range (each cluster bus port, +10000, free
too), each in a temporary directory of its own, joins them with `redis-cli --cluster create`, and
waits until every node reports cluster_state:ok. Builds `strata` in release mode (unless
--no-build), then for each workload runs the `strata bench --cluster` preset and the matching
redis-benchmark --cluster command alternately, keeps each side's best round, and prints the
figures and their ratios:

  W2  strata bench --cluster URL --workload w2  vs  redis-benchmark --cluster -t get -d 64 -c 64 -P 16 -r 100000 -n 320000
  W3  strata bench --cluster URL --workload w3  vs  redis-benchmark --cluster -t get -d 64 -c 1 -P 100 -r 100000 -n 200000

CPU time per request is the child process's user+system time divided by its requests, for both
(for strata that includes writing the 100,000 keys its GETs read, before the timed part).
--scale multiplies both sides' request counts (e.g. 0.1 for a quick check). Two things about the
reference: redis-benchmark --cluster spreads its clients over the primaries, so W3's single
client sends every GET to one primary, where strata's W3 pipelines are split across all three;
and it runs a thread per primary that notices the end of the run only on a 250 ms timer, so its
elapsed time is a multiple of 250 ms (a W3 run of 20,000 GETs takes 0.25 s, as one of 200,000
does): its ops/s is a lower bound, close only for long runs (--scale 5 or more).
With --baseline, a second `strata` binary (an earlier build, e.g. from a worktree of an older
commit) runs the same presets in the same rounds, and its figures and the ratio of this build to
it are printed too. The servers are stopped and their directories removed on exit, Ctrl-C included.

Needs redis-server, redis-cli and redis-benchmark on PATH (Debian: apt-get install -y redis-server).
"""
import argparse, csv, io, json, os, random, resource, shutil, signal, socket, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRIMARIES = 3


def can_bind(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def cluster_ports(count):
    """`count` free ports below the ephemeral range whose bus port (+10000) is free too."""
    ephemeral_start = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            ephemeral_start = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    top = min(ephemeral_start, 55536) - 10000
    low, high = (10000, top) if top - 10000 >= 2000 else (20000, 45000)
    ports = []
    for _ in range(10000):
        port = random.randrange(low, high)
        if any(port in (p, p + 10000, p - 10000) for p in ports):
            continue
        if can_bind(port) and can_bind(port + 10000):
            ports.append(port)
            if len(ports) == count:
                return ports
    sys.exit(f"found only {len(ports)} usable cluster ports")


def cli(port, *command):
    return subprocess.run(["redis-cli", "-p", str(port), *command], capture_output=True, text=True, timeout=10).stdout


def start_cluster(replicas, servers, directories):
    """Starts the nodes (appending to `servers` and `directories` as it goes); returns the ports."""
    ports = cluster_ports(PRIMARIES * (1 + replicas))
    for port in ports:
        directory = tempfile.mkdtemp(prefix=f"strata-bench-cluster-{port}-")
        directories.append(directory)
        servers.append(subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
             "--logfile", os.path.join(directory, "redis.log"), "--daemonize", "no",
             "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, start_new_session=True))  # Ctrl-C reaches us, not the servers
    for port, server in zip(ports, servers):
        deadline = time.monotonic() + 10
        while cli(port, "PING").strip() != "PONG":
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"redis-server on port {port} did not start (see its redis.log)")
            time.sleep(0.05)
    subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports],
                    "--cluster-replicas", str(replicas), "--cluster-yes"],
                   check=True, stdout=subprocess.DEVNULL, timeout=60)
    # Every node must say cluster_state:ok and see the replicas as replicas (until the gossip
    # reaches it, a node lists a replica as a primary without slots).
    def settled(port):
        if "cluster_state:ok" not in cli(port, "CLUSTER", "INFO"):
            return False
        flags = [line.split()[2] for line in cli(port, "CLUSTER", "NODES").splitlines() if line.strip()]
        return sum("slave" in f for f in flags) == PRIMARIES * replicas and len(flags) == len(ports)
    deadline = time.monotonic() + 30
    pending = list(ports)
    while pending:
        pending = [p for p in pending if not settled(p)]
        if pending and time.monotonic() > deadline:
            sys.exit(f"the cluster is not ok on ports {pending} after 30 s")
        time.sleep(0.1)
    return ports


def stop_cluster(servers, directories):
    for server in servers:
        if server.poll() is None:
            server.terminate()
    for server in servers:
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    for directory in directories:
        shutil.rmtree(directory, ignore_errors=True)


def timed(command):
    """Runs a command; returns (stdout, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, cpu


def redis_benchmark(port, args, requests):
    out, cpu = timed(["redis-benchmark", "--cluster", "-p", str(port), "--csv", "-t", "get", "-d", "64",
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


def strata_bench(port, workload, extra=(), binary=None):
    url = f"redis://127.0.0.1:{port}"
    binary = binary or os.path.join(ROOT, ".build/release/strata")
    out, cpu = timed([binary, "bench", "--cluster", url, "--workload", workload, "--json", *extra])
    result = json.loads(out)
    get = result["tests"]["GET"]
    requests = sum(test["requests"] for test in result["tests"].values())
    return {
        "ops": get["opsPerSecond"],
        "p50": get["latencyMicroseconds"]["p50"],
        "p99": get["latencyMicroseconds"]["p99"],
        # The process CPU covers the whole run, the unmeasured writes of the keys included.
        "cpu_us": cpu * 1e6 / requests,
    }


def best(samples, key, higher=True):
    return (max if higher else min)(samples, key=lambda s: s[key])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=0, help="replicas per primary (default 0)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply both sides' request counts (default 1; e.g. 0.1 for a quick check)")
    parser.add_argument("--no-build", action="store_true", help="use .build/release/strata as it is")
    parser.add_argument("--baseline", help="another strata binary to measure in the same rounds")
    args = parser.parse_args()
    for tool in ("redis-server", "redis-cli", "redis-benchmark"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not on PATH: apt-get install -y redis-server")
    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "strata"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    # SIGTERM unwinds like Ctrl-C, through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    servers, directories = [], []
    try:
        ports = start_cluster(args.replicas, servers, directories)
        port = ports[0]
        # Values for redis-benchmark's GETs (key:{tag}:__rand_int__, a tag per node); strata bench
        # writes its own keys before its GETs.
        subprocess.run(["redis-benchmark", "--cluster", "-p", str(port), "-t", "set", "-d", "64", "-n", "1000000",
                        "-r", "100000", "-P", "16", "-q"], check=True, stdout=subprocess.DEVNULL)
        w2, w3 = round(320_000 * args.scale / 64) * 64 or 64, round(200_000 * args.scale / 100) * 100 or 100
        scaled = args.scale != 1.0
        plans = [
            ("W2", "w2", ["-n", str(w2)] if scaled else [], ["-c", "64", "-P", "16", "-r", "100000"], w2),
            ("W3", "w3", ["-n", str(w3)] if scaled else [], ["-c", "1", "-P", "100", "-r", "100000"], w3),
        ]
        version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2]
        print(f"redis-server {version}, cluster of {PRIMARIES} primaries"
              f"{f' with {args.replicas} replica(s) each' if args.replicas else ''} on 127.0.0.1:"
              f"{','.join(map(str, ports))}, {args.rounds} alternating rounds, best of each\n")
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
        print(f"W2's reference is redis-benchmark --cluster -c 64 -P 16 -n {w2}; W3's -c 1 -P 100 -n {w3} "
              "(all GET, 64-byte values).")
    finally:
        stop_cluster(servers, directories)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)  # the servers are already stopped and their directories removed
