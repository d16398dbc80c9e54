import StrataCache
import StrataRedis
import StrataSync
import StrataTiers

#if canImport(Glibc)
    import Glibc
#endif

/// `strata demo`: several app instances share Redis through TieredCache in front of a slow
/// database, replaying a seeded Zipf workload with writes mixed in, then report what the tiers did.
struct DemoCommand: Subcommand {
    static let name = "demo"
    static let summary = "replay a cache workload through TieredCache (embedded fake Redis by default)"
    static let usage = """
        usage: strata demo [options]

        Starts two embedded fake Redis servers, a regional and a global one (or uses --url and
        --global-url), a simulated database with a few milliseconds of latency, and several
        simulated app instances, each with its own Redis clients and a TieredCache (process memory
        -> regional Redis -> global Redis -> database), with stale-while-revalidate on. Replays a
        seeded Zipf workload with writes mixed in, then a stampede on one cold key, and reports
        per-tier hit ratios, database calls avoided, latency percentiles, what each option did,
        stale reads and throughput.

        options:
          --url URL              use this Redis server for the regional tier instead of an
                                 embedded fake one (and for the global tier, unless
                                 --global-url is given; the tiers then differ by key prefix)
          --global-url URL       use this Redis server for the global tier
          --instances N          simulated app instances (default 4)
          --keys N               distinct keys (default 10000)
          --requests N           requests in all (default 200000)
          --zipf S               popularity exponent (default 0.99)
          --write-percent P      percentage of requests that are writes (default 2)
          --concurrency N        concurrent tasks per instance (default 16)
          --db-latency MS        database read latency in milliseconds (default 3)
          --local-capacity N     local tier entries per instance (default 2000)
          --local-ttl S          local tier TTL in seconds (default 2)
          --redis-ttl S          regional tier TTL in seconds (default 4)
          --global-ttl S         global tier TTL in seconds (default 300)
          --swr S                stale-while-revalidate window in seconds (default 5; 0: off)
          --one-tier             only the regional Redis tier (no global tier)
          --cluster N|URLS       the regional tier on a Redis Cluster: N primaries of an
                                 embedded fake cluster (whose slots the demo moves during the
                                 run), or a real cluster by comma-separated seed URLs; the
                                 report shows each primary's traffic
          --regions              three regions (us, eu, asia), each with its own Redis and two
                                 app instances, one global Redis and the database; reads
                                 prefer the region's own keys; then the global Redis goes away
                                 (with --url: three comma-separated URLs, one per region)
          --region-latency MS    simulated distance to a region's Redis (default 1)
          --global-latency MS    simulated distance to the global Redis and the database
                                 (default 30)
          --outage S             how long the global Redis is away (default 3; 0: no outage;
                                 none with --global-url: the demo takes down only its own)
          --stale-window MS      a read is stale if it returns a version older than one written
                                 through the cache at least this long before it began (default
                                 20; with --regions 250, where an invalidation crosses the
                                 global Redis)
          --no-lock              no cross-process load lock (stampede: one load per instance)
          --seed N               random seed (default 42)
          --json                 print the report as JSON
          --html PATH            also write the report as one self-contained HTML page: the
                                 settings and headline numbers, a latency histogram per tier
                                 (local, Redis tiers, database) and each tier's hit ratio over
                                 the run (also with --cluster; not with --regions)
          -h, --help             show this help

        """

    struct Options: Sendable {
        var url: String?
        var instances = 4
        var keys = 10_000
        var requests = 200_000
        var zipf = 0.99
        var writePercent = 2.0
        var concurrency = 16
        var dbLatencyMilliseconds = 3.0
        var localCapacity = 2000
        var globalURL: String?
        var localTTL = 2
        var redisTTL = 4
        var globalTTL = 300
        var staleWhileRevalidate = 5
        var twoTiers = true
        var regions = false
        var cluster: String?
        var regionLatencyMilliseconds = 1.0
        var globalLatencyMilliseconds = 30.0
        var outageSeconds = 3
        var staleWindowMilliseconds = 20
        var lock = true
        var seed: UInt64 = 42
        var json = false
        /// Where to write the HTML report, if anywhere.
        var html: String?
        /// Whether to draw the progress bar on standard error (tests turn it off).
        var progress = true
    }

    let options: Options

    /// A demo with `options` as they are (tests start one this way).
    init(options: Options) {
        self.options = options
    }

    init(arguments: [String]) throws(UsageError) {
        let parsed = try Arguments(
            arguments, flags: ["--json", "--no-lock", "--one-tier", "--regions"],
            options: [
                "--region-latency", "--global-latency", "--outage",
                "--url", "--global-url", "--cluster", "--global-ttl", "--swr", "--instances", "--keys", "--requests",
                "--zipf",
                "--write-percent", "--concurrency",
                "--db-latency", "--local-capacity", "--local-ttl", "--redis-ttl", "--stale-window", "--seed",
                "--html",
            ])
        guard parsed.positionals.isEmpty else {
            throw UsageError(message: "unexpected argument '\(parsed.positionals[0])'")
        }
        var options = Options()
        options.url = parsed.options["--url"]
        options.instances = try parsed.positiveInteger("--instances") ?? options.instances
        options.keys = try parsed.positiveInteger("--keys") ?? options.keys
        options.requests = try parsed.positiveInteger("--requests") ?? options.requests
        options.concurrency = try parsed.positiveInteger("--concurrency") ?? options.concurrency
        options.localCapacity = try parsed.positiveInteger("--local-capacity") ?? options.localCapacity
        options.localTTL = try parsed.positiveInteger("--local-ttl") ?? options.localTTL
        options.redisTTL = try parsed.positiveInteger("--redis-ttl") ?? options.redisTTL
        options.globalTTL = try parsed.positiveInteger("--global-ttl") ?? options.globalTTL
        options.globalURL = parsed.options["--global-url"]
        if let text = parsed.options["--swr"] {
            guard let value = Int(text), value >= 0 else { throw UsageError(message: "--swr must not be negative") }
            options.staleWhileRevalidate = value
        }
        options.twoTiers = !parsed.flags.contains("--one-tier")
        options.regions = parsed.flags.contains("--regions")
        if let text = parsed.options["--cluster"] {
            if let primaries = Int(text), !(1...16).contains(primaries) {
                throw UsageError(message: "--cluster takes 1 to 16 primaries, or seed URLs")
            }
            guard !options.regions else { throw UsageError(message: "--cluster and --regions do not combine") }
            guard options.url == nil else {
                throw UsageError(message: "--cluster replaces --url for the regional tier; give one of them")
            }
            options.cluster = text
        }
        for (name, keyPath) in [
            ("--region-latency", \Options.regionLatencyMilliseconds),
            ("--global-latency", \Options.globalLatencyMilliseconds),
        ] {
            guard let text = parsed.options[name] else { continue }
            guard let value = Double(text), value >= 0 else {
                throw UsageError(message: "\(name) must not be negative")
            }
            options[keyPath: keyPath] = value
        }
        if let text = parsed.options["--outage"] {
            guard let value = Int(text), value >= 0 else { throw UsageError(message: "--outage must not be negative") }
            options.outageSeconds = value
        }
        // Across regions an invalidation takes a round trip to the global Redis: a wider window.
        if options.regions && parsed.options["--stale-window"] == nil { options.staleWindowMilliseconds = 250 }
        options.staleWindowMilliseconds =
            try parsed.positiveInteger("--stale-window") ?? options.staleWindowMilliseconds
        options.seed = UInt64(try parsed.positiveInteger("--seed") ?? Int(options.seed))
        if let text = parsed.options["--zipf"] {
            guard let value = Double(text), value > 0, value < 5 else {
                throw UsageError(message: "--zipf must be between 0 and 5")
            }
            options.zipf = value
        }
        if let text = parsed.options["--write-percent"] {
            guard let value = Double(text), (0...100).contains(value) else {
                throw UsageError(message: "--write-percent must be between 0 and 100")
            }
            options.writePercent = value
        }
        if let text = parsed.options["--db-latency"] {
            guard let value = Double(text), value >= 0 else {
                throw UsageError(message: "--db-latency must not be negative")
            }
            options.dbLatencyMilliseconds = value
        }
        options.lock = !parsed.flags.contains("--no-lock")
        options.json = parsed.flags.contains("--json")
        if let path = parsed.options["--html"] {
            guard !path.isEmpty else { throw UsageError(message: "--html needs a file path") }
            guard !options.regions else {
                throw UsageError(
                    message:
                        "--html is for the single-region demo (with or without --cluster); --regions has no HTML report"
                )
            }
            options.html = path
        }
        self.options = options
    }

    func run() async -> Int32 {
        do {
            if options.regions {
                let report = try await RegionsDemo(options: options).run()
                print(options.json ? report.json : report.text)
                return 0
            }
            // Fail before the run, not after it, when the page cannot be written.
            if let path = options.html, let problem = Self.unwritable(path) {
                printError("strata demo: cannot write \(path): \(problem)")
                return 1
            }
            let report = try await singleRegionReport()
            print(options.json ? report.json : report.text)
            if let path = options.html {
                do {
                    try SimulateCommand.write(report.html, to: path)
                } catch {
                    printError("strata demo: \(error.message)")
                    return 1
                }
                if !options.json { print("HTML report:      \(path)") }
            }
            return 0
        } catch {
            printError("strata demo: \(error)")
            return 1
        }
    }
}

extension DemoCommand {
    /// Runs the single-region demo (on a cluster with `--cluster`): starts the servers it
    /// embeds, runs, stops them.
    func singleRegionReport() async throws -> DemoReport {
        let cluster = try options.cluster.map(DemoCluster.start)
        defer { cluster?.stop() }
        let regional = cluster == nil ? try await EmbeddedRedis.start(url: options.url, role: "regional") : nil
        defer { regional?.stop() }
        var global: EmbeddedRedis?
        if options.twoTiers {
            // With --url alone, the global tier shares that server (another key prefix).
            global = try await EmbeddedRedis.start(
                url: options.globalURL ?? (options.url == nil ? nil : options.url), role: "global")
        }
        defer { global?.stop() }
        let description =
            "regional: \(cluster?.description ?? regional?.description ?? "")"
            + (global.map { "\nglobal:   \($0.description)" } ?? "")
        return try await DemoRun(
            options: options, serverDescription: description, url: regional?.url, cluster: cluster,
            globalURL: global?.url
        ).run()
    }

    /// Why a file at `path` could not be written (its directory missing or read-only), or nil.
    static func unwritable(_ path: String) -> String? {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        guard access(directory.isEmpty ? "/" : directory, W_OK) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}

/// One app instance of the demo: its own Redis client and tiered cache.
struct DemoInstance: Sendable {
    /// The regional tier's client: one server's, or a cluster's.
    let client: any RedisCachingClient
    let globalClient: RedisClient?
    let cache: TieredCache<String>
    let shutDownClients: @Sendable () async -> Void
}

/// Latencies and outcomes collected by one worker.
struct WorkerTally: Sendable {
    var latencies: [TierSource: [Int64]] = [:]
    var reads = 0
    var writes = 0
    var stale = 0
    var maximumStaleness: Int64 = 0
    var errors = 0

    mutating func merge(_ other: WorkerTally) {
        for (source, samples) in other.latencies { latencies[source, default: []] += samples }
        reads += other.reads
        writes += other.writes
        stale += other.stale
        maximumStaleness = max(maximumStaleness, other.maximumStaleness)
        errors += other.errors
    }
}

/// The demo's run: setup, workload, stampede, report.
struct DemoRun {
    let options: DemoCommand.Options
    let serverDescription: String
    /// The regional Redis server, unless the regional tier is on `cluster`.
    let url: String?
    let cluster: DemoCluster?
    let globalURL: String?

    func run() async throws -> DemoReport {
        let database = SimulatedDatabase(
            latency: .microseconds(Int64(options.dbLatencyMilliseconds * 1000)),
            jitter: .microseconds(Int64(options.dbLatencyMilliseconds * 200)))
        var instances: [DemoInstance] = []
        for _ in 0..<options.instances {
            func client(_ url: String) throws -> RedisClient {
                var configuration = try RedisConfiguration(url: url)
                configuration.commandTimeout = .seconds(2)
                return try RedisClient(configuration: configuration)
            }
            let clusterClient = try cluster?.makeClient()
            let regional: any RedisCachingClient = try clusterClient ?? client(url ?? "")
            let global = try globalURL.map(client)
            var cacheOptions = TieredCacheOptions()
            cacheOptions.negativeTTL = .seconds(5)
            if options.staleWhileRevalidate > 0 {
                cacheOptions.staleWhileRevalidate = .seconds(Int64(options.staleWhileRevalidate))
            }
            if options.lock { cacheOptions.distributedLock = .init(lease: .seconds(2), wait: .seconds(1)) }
            var tiers = [
                RedisTierOptions(
                    name: "regional", client: regional, namespace: "demo:r:", ttl: .seconds(Int64(options.redisTTL)),
                    timeout: .milliseconds(500))
            ]
            if let global {
                tiers.append(
                    RedisTierOptions(
                        name: "global", client: global, namespace: "demo:g:",
                        ttl: .seconds(Int64(options.globalTTL)), timeout: .milliseconds(500)))
            }
            let cache = TieredCache<String>(
                local: .lru(capacity: options.localCapacity, ttl: .seconds(Int64(options.localTTL))),
                redis: tiers, codec: StringCodec(), options: cacheOptions,
                loader: { key in try await database.load(Int(key) ?? -1) })
            instances.append(
                DemoInstance(
                    client: regional, globalClient: global, cache: cache,
                    shutDownClients: {
                        if let clusterClient { await clusterClient.shutdown() }
                        if let plain = regional as? RedisClient { await plain.shutdown() }
                        await global?.shutdown()
                    }))
        }
        // A client of its own watches the cluster's nodes.
        let observer = try cluster?.makeClient()
        if let observer {
            for primary in try await observer.primaries() { try await primary.send("FLUSHDB") }
        } else {
            try await instances[0].client.send("FLUSHDB")
        }
        if let global = instances[0].globalClient, globalURL != url { try await global.send("FLUSHDB") }
        for instance in instances { try await instance.cache.start() }
        var trafficBefore: [NodeTraffic] = []
        if let observer { trafficBefore = try await DemoCluster.traffic(observer) }
        let reshaping = cluster?.reshape(
            keys: options.keys, namespace: "demo:r:", every: .milliseconds(100), seed: options.seed)

        let completed = SharedCounter()
        let writeLocks = KeyWriteLocks()
        let progress = ProgressBar(total: options.requests, enabled: options.progress)
        let sampler = ZipfSampler(count: options.keys, exponent: options.zipf)
        let clock = ContinuousClock()
        let origin = clock.now
        let started = clock.now
        let workers = options.instances * options.concurrency
        let timeline = DemoTimeline(requests: options.requests)
        let caches = instances.map(\.cache)
        timeline.record(requests: 0, seconds: 0, caches: caches)
        let ticker = Task {
            while !Task.isCancelled {
                progress.update(completed.current, elapsed: clock.now - started)
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        let tally = await withTaskGroup(of: WorkerTally.self) { group in
            for worker in 0..<workers {
                let instance = instances[worker % instances.count]
                let options = self.options
                group.addTask {
                    var random = SplitMix64(seed: options.seed &+ UInt64(worker) &* 0x9E37_79B9)
                    var tally = WorkerTally()
                    let window = Int64(options.staleWindowMilliseconds) * 1_000_000
                    func uptime() -> Int64 {
                        let elapsed = origin.duration(to: clock.now)
                        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds
                            / 1_000_000_000
                    }
                    while true {
                        let request = completed.increment()
                        guard request <= options.requests else { break }
                        timeline.requestStarted(request, seconds: (clock.now - started).seconds, caches: caches)
                        let key = sampler.sample(Double(random.next() >> 11) / Double(1 << 53))
                        let isWrite = Double(random.next() % 1_000_000) / 10_000 < options.writePercent
                        if isWrite {
                            await writeLocks.withLock(key) {
                                let value = database.update(key)
                                await instance.cache.set(String(key), value)
                                database.published(key, version: SimulatedDatabase.version(of: value), at: uptime())
                            }
                            tally.writes += 1
                            continue
                        }
                        let begin = uptime()
                        do {
                            let result = try await instance.cache.fetch(String(key))
                            let end = uptime()
                            tally.reads += 1
                            tally.latencies[result.source, default: []].append(end - begin)
                            let version = result.value.map(SimulatedDatabase.version(of:)) ?? 0
                            let newest = database.newestPublished(key, before: begin - window)
                            if version < newest {
                                tally.stale += 1
                                tally.maximumStaleness = max(tally.maximumStaleness, begin - window)
                            }
                        } catch {
                            tally.errors += 1
                        }
                    }
                    return tally
                }
            }
            var total = WorkerTally()
            for await part in group { total.merge(part) }
            return total
        }
        let elapsed = clock.now - started
        reshaping?.cancel()
        let slotMoves = await reshaping?.value ?? 0
        ticker.cancel()
        progress.finish(options.requests, elapsed: elapsed)

        // The stampede: many concurrent gets of one key nobody has loaded, across all instances.
        let coldKey = options.keys + 1
        let stampedeGets = 1000
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<stampedeGets {
                let cache = instances[i % instances.count].cache
                group.addTask { _ = try? await cache.get(String(coldKey)) }
            }
        }
        let stampedeLoads = database.loads(of: coldKey)

        let statistics = instances.map(\.cache.statistics)
        var clusterReport: ClusterReport?
        if let cluster, let observer {
            let after = try await DemoCluster.traffic(observer)
            var before: [String: Int] = [:]
            for node in trafficBefore { before[node.node] = node.commands }
            clusterReport = ClusterReport(
                description: cluster.description,
                nodes: after.map {
                    NodeTraffic(node: $0.node, commands: $0.commands - (before[$0.node] ?? 0), keys: $0.keys)
                },
                slotMoves: slotMoves,
                statistics: instances.compactMap { ($0.client as? RedisClusterClient)?.statistics })
            await observer.shutdown()
        }
        for instance in instances {
            await instance.cache.shutdown()
            await instance.shutDownClients()
        }
        return DemoReport(
            options: options, serverDescription: serverDescription, tally: tally, statistics: statistics,
            databaseLoads: database.totalLoads - stampedeLoads, stampedeGets: stampedeGets,
            stampedeLoads: stampedeLoads, cluster: clusterReport,
            elapsed: elapsed, timeline: timeline.all)
    }
}
