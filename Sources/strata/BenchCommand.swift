import StrataRESP
import StrataRedis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `strata bench`: a `redis-benchmark`-like load generator for Strata's Redis client.
struct BenchCommand: Subcommand {
    static let name = "bench"
    static let summary = "benchmark the Redis client against a server (like redis-benchmark)"
    static let usage = """
        usage: strata bench [--url URL | --cluster URL[,URL...]] [--workload w1|w2|w3] [options]

        Sends commands through StrataRedis' RedisClient and reports throughput and latency
        percentiles the way redis-benchmark does, plus the client's CPU time per request.

        workloads (presets; options given after them override):
          w1   one connection, one task: 100,000 sequential SETs of 64-byte values, then
               100,000 GETs, each awaited, on the client's I/O executor (as the README
               recommends for Redis-bound loops; add --no-executor for the default executor)
          w2   64 concurrent tasks, 5,000 GETs each of random keys among 100,000, on the
               client's I/O executor (the way the README recommends for Redis-bound loops)
          w3   one connection, explicit pipelines of 100 GETs, 2,000 batches

        options:
          --url URL            the server (default redis://127.0.0.1:6379)
          --cluster URLS       a Redis Cluster, by comma-separated seed URLs: commands go through
                               RedisClusterClient (--connections is per node)
          -t, --tests LIST     comma-separated: set, get, incr, ping (default set,get)
          -c, --clients N      concurrent tasks (default 50)
          -n, --requests N     total requests per test (default 100000)
          -P, --pipeline N     commands per explicit pipeline (default 1: each awaited alone)
          -d, --data-size N    value size in bytes for SET (default 64)
          -r, --keyspace N     random keys among N (default: sequential keys, one per request)
          --connections N      the pool's shared connections (default 2)
          --executor           run the tasks on the client's I/O executor
          --no-executor        run them on the default executor (overrides a preset)
          --json               print the figures as one JSON object (latencies in microseconds)
          -h, --help           show this help

        """

    struct Options {
        var url = "redis://127.0.0.1:6379"
        var cluster: [String]?
        var workload: String?
        var tests = ["set", "get"]
        var clients = 50
        var requests = 100_000
        var pipeline = 1
        var dataSize = 64
        var keyspace: Int?
        var connections = 2
        var executor = false
        var json = false
    }

    let options: Options

    init(arguments: [String]) throws(UsageError) {
        let aliases = [
            "-t": "--tests", "-c": "--clients", "-n": "--requests", "-P": "--pipeline", "-d": "--data-size",
            "-r": "--keyspace",
        ]
        let normalized = arguments.map { aliases[$0] ?? $0 }
        let parsed = try Arguments(
            normalized, flags: ["--json", "--executor", "--no-executor"],
            options: [
                "--url", "--cluster", "--workload", "--tests", "--clients", "--requests", "--pipeline", "--data-size",
                "--keyspace",
                "--connections",
            ])
        guard parsed.positionals.isEmpty else {
            throw UsageError(message: "unexpected argument '\(parsed.positionals[0])'")
        }
        var options = Options()
        if let workload = parsed.options["--workload"] {
            switch workload.lowercased() {
            case "w1":
                options.tests = ["set", "get"]
                options.clients = 1
                options.requests = 100_000
                options.connections = 1
                options.executor = true
            case "w2":
                options.tests = ["get"]
                options.clients = 64
                options.requests = 64 * 5000
                options.keyspace = 100_000
                options.executor = true
            case "w3":
                options.tests = ["get"]
                options.clients = 1
                options.pipeline = 100
                options.requests = 200_000
                options.connections = 1
                options.keyspace = 100_000
            default:
                throw UsageError(message: "unknown workload '\(workload)'; expected w1, w2 or w3")
            }
            options.workload = workload.lowercased()
            options.dataSize = 64
        }
        if let url = parsed.options["--url"] { options.url = url }
        if let seeds = parsed.options["--cluster"] { options.cluster = seeds.split(separator: ",").map(String.init) }
        if let tests = parsed.options["--tests"] {
            options.tests = tests.lowercased().split(separator: ",").map(String.init)
            for test in options.tests where !["set", "get", "incr", "ping"].contains(test) {
                throw UsageError(message: "unknown test '\(test)'; expected set, get, incr or ping")
            }
        }
        options.clients = try parsed.positiveInteger("--clients") ?? options.clients
        options.requests = try parsed.positiveInteger("--requests") ?? options.requests
        options.pipeline = try parsed.positiveInteger("--pipeline") ?? options.pipeline
        options.dataSize = try parsed.positiveInteger("--data-size") ?? options.dataSize
        options.keyspace = try parsed.positiveInteger("--keyspace") ?? options.keyspace
        options.connections = try parsed.positiveInteger("--connections") ?? options.connections
        if parsed.flags.contains("--executor") { options.executor = true }
        if parsed.flags.contains("--no-executor") { options.executor = false }
        options.json = parsed.flags.contains("--json")
        self.options = options
    }

    func run() async -> Int32 {
        do {
            if let seeds = options.cluster {
                var configuration = try RedisClusterConfiguration(urls: seeds)
                configuration.node.pool.maximumConnections = options.connections
                configuration.node.commandTimeout = .seconds(30)
                let cluster = try RedisClusterClient(configuration: configuration)
                try await run(cluster, executor: cluster.executor)
                if !options.json { print("cluster: \(cluster.statistics)") }
                await cluster.shutdown()
                return 0
            }
            var configuration = try RedisConfiguration(url: options.url)
            configuration.pool.maximumConnections = options.connections
            configuration.commandTimeout = .seconds(30)
            let client = try RedisClient(configuration: configuration)
            defer { Task { await client.shutdown() } }
            try await run(client, executor: client.executor)
            await client.shutdown()
            return 0
        } catch {
            printError("strata bench: \(error)")
            return 1
        }
    }

    private func run(_ client: some RedisCommandRunner, executor: any TaskExecutor) async throws {
        _ = try await client.ping()
        if options.tests == ["get"], let keyspace = options.keyspace {
            try await populate(client, keys: keyspace)
        }
        var results: [BenchResult] = []
        for test in options.tests {
            let result = try await runTest(test, client: client, executor: executor)
            results.append(result)
            if !options.json { print(result.report(options)) }
        }
        if options.json { print(BenchResult.json(results, options: options)) }
    }

    /// Writes every key a GET-only run reads, so GETs find values (not measured).
    private func populate(_ client: some RedisCommandRunner, keys: Int) async throws {
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: options.dataSize)
        var pipeline = RedisPipeline()
        for i in 0..<keys {
            pipeline.set("key:\(i)", value)
            if pipeline.count == 1000 || i == keys - 1 {
                _ = try await client.execute(pipeline)
                pipeline.removeAll()
            }
        }
    }

    private func runTest(
        _ test: String, client: some RedisCommandRunner, executor: any TaskExecutor
    ) async throws -> BenchResult {
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: options.dataSize)
        let tasks = max(1, min(options.clients, options.requests))
        let perTask = options.requests / tasks
        let depth = options.pipeline
        let keyspace = options.keyspace
        let cpuBefore = Self.cpuTime()
        let clock = ContinuousClock()
        let start = clock.now
        let samples = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for task in 0..<tasks {
                let body: @Sendable () async throws -> [Int64] = {
                    var random = UInt64(task + 1) &* 0x9E37_79B9_7F4A_7C15
                    func nextKey(_ i: Int) -> String {
                        guard let keyspace else { return "key:\(task * perTask + i)" }
                        random ^= random << 13
                        random ^= random >> 7
                        random ^= random << 17
                        return "key:\(Int(random % UInt64(keyspace)))"
                    }
                    var latencies: [Int64] = []
                    latencies.reserveCapacity(perTask / depth + 1)
                    var done = 0
                    var pipeline = RedisPipeline()
                    while done < perTask {
                        let batch = min(depth, perTask - done)
                        let sent = clock.now
                        if depth == 1 {
                            switch test {
                            case "set": try await client.set(nextKey(done), value)
                            case "get": _ = try await client.get(nextKey(done))
                            case "incr": try await client.incr("counter:\(task)")
                            default: try await client.ping()
                            }
                        } else {
                            pipeline.removeAll()
                            for i in 0..<batch {
                                switch test {
                                case "set": pipeline.set(nextKey(done + i), value)
                                case "get": _ = pipeline.get(nextKey(done + i))
                                case "incr": pipeline.incr("counter:\(task)")
                                default: pipeline.send("PING")
                                }
                            }
                            _ = try await client.execute(pipeline)
                        }
                        let elapsed = clock.now - sent
                        latencies.append(
                            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
                        done += batch
                    }
                    return latencies
                }
                if options.executor {
                    group.addTask(executorPreference: executor, operation: body)
                } else {
                    group.addTask(operation: body)
                }
            }
            var all: [Int64] = []
            for try await latencies in group { all += latencies }
            return all
        }
        let seconds = (clock.now - start).seconds
        let cpu = Self.cpuTime() - cpuBefore
        return BenchResult(
            test: test.uppercased(), requests: perTask * tasks, tasks: tasks, seconds: seconds,
            cpuSeconds: cpu, latencies: samples.sorted())
    }

    /// User plus system CPU time of the whole process, in seconds.
    static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }
}

/// The figures of one benchmark test.
struct BenchResult {
    var test: String
    var requests: Int
    var tasks: Int
    var seconds: Double
    var cpuSeconds: Double
    /// Per request (or per pipeline), in nanoseconds, sorted.
    var latencies: [Int64]

    var opsPerSecond: Double { Double(requests) / seconds }
    var cpuMicrosecondsPerRequest: Double { cpuSeconds * 1e6 / Double(requests) }

    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else { return 0 }
        let index = min(latencies.count - 1, Int((p / 100 * Double(latencies.count)).rounded(.up)) - 1)
        return Double(latencies[max(0, index)]) / 1000
    }

    var averageMicroseconds: Double {
        latencies.isEmpty ? 0 : Double(latencies.reduce(0, +)) / Double(latencies.count) / 1000
    }

    func report(_ options: BenchCommand.Options) -> String {
        func ms(_ microseconds: Double) -> String { format(microseconds / 1000, 3) }
        var lines = ["====== \(test) ======"]
        lines.append("  \(requests) requests completed in \(format(seconds, 2)) seconds")
        lines.append(
            "  \(tasks) parallel tasks, \(options.dataSize) bytes payload, pipeline \(options.pipeline), "
                + "\(options.connections) connections\(options.executor ? ", on the client's executor" : "")")
        lines.append("  client CPU: \(format(cpuMicrosecondsPerRequest, 2)) us per request")
        lines.append("")
        lines.append("Latency by percentile distribution\(options.pipeline > 1 ? " (per pipeline)" : ""):")
        for p in [0.0, 50, 75, 90, 95, 99, 99.9, 100] {
            let label = format(p, 3) + "%"
            lines.append(
                String(repeating: " ", count: max(0, 8 - label.count)) + label + " <= "
                    + ms(p == 0 ? Double(latencies.first ?? 0) / 1000 : percentile(p)) + " milliseconds")
        }
        lines.append("")
        lines.append("Summary:")
        lines.append("  throughput summary: \(format(opsPerSecond, 2)) requests per second")
        lines.append("  latency summary (msec):")
        lines.append("          avg       min       p50       p95       p99       max")
        let row = [
            averageMicroseconds, Double(latencies.first ?? 0) / 1000, percentile(50), percentile(95), percentile(99),
            Double(latencies.last ?? 0) / 1000,
        ]
        lines.append(
            "  " + row.map { String(repeating: " ", count: max(0, 9 - ms($0).count)) + ms($0) }.joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    static func json(_ results: [BenchResult], options: BenchCommand.Options) -> String {
        func number(_ value: Double) -> String { format(value, 3) }
        var tests: [String] = []
        for result in results {
            let latency = [
                "\"avg\": \(number(result.averageMicroseconds))",
                "\"min\": \(number(Double(result.latencies.first ?? 0) / 1000))",
                "\"p50\": \(number(result.percentile(50)))",
                "\"p95\": \(number(result.percentile(95)))",
                "\"p99\": \(number(result.percentile(99)))",
                "\"max\": \(number(Double(result.latencies.last ?? 0) / 1000))",
            ].joined(separator: ", ")
            tests.append(
                "\"\(result.test)\": {\"requests\": \(result.requests), \"tasks\": \(result.tasks), "
                    + "\"seconds\": \(number(result.seconds)), \"opsPerSecond\": \(number(result.opsPerSecond)), "
                    + "\"cpuMicrosecondsPerRequest\": \(number(result.cpuMicrosecondsPerRequest)), "
                    + "\"latencyMicroseconds\": {\(latency)}}")
        }
        let workload = options.workload.map { "\"\($0)\"" } ?? "null"
        return
            "{\"workload\": \(workload), \"pipeline\": \(options.pipeline), \"connections\": \(options.connections), "
            + "\"executor\": \(options.executor), \"tests\": {\(tests.joined(separator: ", "))}}"
    }
}

/// `value` with `decimals` digits after the point.
func format(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    if decimals == 0 { return String(Int(value.rounded())) }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = String(rounded)
    if text.contains("e") { return text }
    if !text.contains(".") { text += "." }
    let fraction = text.split(separator: ".", omittingEmptySubsequences: false)[1].count
    if fraction < decimals { text += String(repeating: "0", count: decimals - fraction) }
    return text
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
