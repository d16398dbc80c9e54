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
import argparse, os, random, shutil, signal, socket, subprocess, sys, tempfile, time

from benchlib import ROOT, compare, redis_benchmark, strata_bench

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
        url = ["--cluster", f"redis://127.0.0.1:{port}"]
        compare(plans, args.rounds,
                lambda workload, extra, binary: strata_bench(url, workload, extra, binary),
                lambda reference_args, requests: redis_benchmark(port, reference_args, requests, cluster=True),
                args.baseline)
        print(f"W2's reference is redis-benchmark --cluster -c 64 -P 16 -n {w2}; W3's -c 1 -P 100 -n {w3} "
              "(all GET, 64-byte values).")
    finally:
        stop_cluster(servers, directories)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)  # the servers are already stopped and their directories removed
