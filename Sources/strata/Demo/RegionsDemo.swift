import StrataCache
import StrataFakeRedis
import StrataRedis
import StrataSync
import StrataTiers
import Synchronization

/// `strata demo --regions`: three regions (each with its own Redis and two app instances), one
/// global Redis, and the database; a workload with regional locality and writes everywhere,
/// while probes time invalidations across regions; then an outage of the global Redis.
struct RegionsDemo {
    static let regionNames = ["us", "eu", "asia"]

    let options: DemoCommand.Options

    /// One region's servers and instances.
    struct Region: Sendable {
        var name: String
        var instances: [DemoInstance]
    }

    /// Per-region tallies.
    struct RegionTally: Sendable {
        var reads = 0
        var writes = 0
        var stale = 0
        /// How long before the read the oldest write it missed had finished (nanoseconds), worst case.
        var worstStaleness: Int64 = 0
        var errors = 0
        var latencies: [TierSource: [Int64]] = [:]

        mutating func merge(_ other: RegionTally) {
            reads += other.reads
            writes += other.writes
            stale += other.stale
            worstStaleness = max(worstStaleness, other.worstStaleness)
            errors += other.errors
            for (source, samples) in other.latencies { latencies[source, default: []] += samples }
        }
    }

    func run() async throws -> RegionsReport {
        // Servers: a Redis per region and a global one; distances are reply latencies.
        let urls = options.url.map { $0.split(separator: ",").map(String.init) } ?? []
        guard urls.isEmpty || urls.count == 3 else {
            throw UsageError(message: "--regions takes --url with three comma-separated URLs (us, eu, asia)")
        }
        var fakes: [FakeRedisServer] = []
        defer { for fake in fakes { fake.stop() } }
        func server(_ url: String?, latency: Duration) throws -> (String, FakeRedisServer?) {
            if let url { return (url, nil) }
            let fake = try FakeRedisServer.start(FakeRedisServer.Configuration())
            if latency > .zero { fake.inject(.replyLatency(latency)) }
            fakes.append(fake)
            return ("redis://\(fake.host):\(fake.port)", fake)
        }
        let regionLatency = Duration.microseconds(Int64(options.regionLatencyMilliseconds * 1000))
        let globalLatency = Duration.microseconds(Int64(options.globalLatencyMilliseconds * 1000))
        var regionURLs: [String] = []
        for index in 0..<3 {
            regionURLs.append(try server(urls.isEmpty ? nil : urls[index], latency: regionLatency).0)
        }
        let (globalURL, globalFake) = try server(options.globalURL, latency: globalLatency)

        // The database sits with the global tier: a load crosses regions.
        let database = SimulatedDatabase(
            latency: .microseconds(Int64(options.dbLatencyMilliseconds * 1000)) + globalLatency,
            jitter: .microseconds(Int64(options.dbLatencyMilliseconds * 200)))
        let breakers = BreakerCounter()
        let clock = ContinuousClock()
        let origin = clock.now
        @Sendable func uptime() -> Int64 {
            let elapsed = origin.duration(to: clock.now)
            return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        }
        let probes = InvalidationProbes(regions: Self.regionNames.count, uptime: uptime)
        var regions: [Region] = []
        for (index, name) in Self.regionNames.enumerated() {
            var instances: [DemoInstance] = []
            for instanceIndex in 0..<2 {
                var configuration = try RedisConfiguration(url: regionURLs[index])
                configuration.commandTimeout = .seconds(2)
                let regional = try RedisClient(configuration: configuration)
                var globalConfiguration = try RedisConfiguration(url: globalURL)
                globalConfiguration.commandTimeout = .seconds(2)
                let global = try RedisClient(configuration: globalConfiguration)
                var cacheOptions = TieredCacheOptions()
                cacheOptions.region = name
                cacheOptions.observer = breakers
                cacheOptions.invalidationHook = { keys in probes.dropped(keys, region: index, instance: instanceIndex) }
                if options.staleWhileRevalidate > 0 {
                    cacheOptions.staleWhileRevalidate = .seconds(Int64(options.staleWhileRevalidate))
                }
                if options.lock { cacheOptions.distributedLock = .init(lease: .seconds(2), wait: .seconds(1)) }
                let cache = TieredCache<String>(
                    local: .lru(capacity: options.localCapacity, ttl: .seconds(Int64(options.localTTL))),
                    redis: [
                        RedisTierOptions(
                            name: "regional", client: regional, namespace: "demo:",
                            ttl: .seconds(Int64(options.redisTTL)),
                            timeout: .milliseconds(250) + regionLatency * 2),
                        RedisTierOptions(
                            name: "global", client: global, namespace: "demo:",
                            ttl: .seconds(Int64(options.globalTTL)), timeout: .milliseconds(250) + globalLatency * 2),
                    ],
                    codec: StringCodec(), options: cacheOptions,
                    loader: { key in try await database.load(Int(key) ?? -1) })
                instances.append(
                    DemoInstance(
                        client: regional, globalClient: global, cache: cache,
                        shutDownClients: {
                            await regional.shutdown()
                            await global.shutdown()
                        }))
            }
            regions.append(Region(name: name, instances: instances))
        }
        for region in regions { try await region.instances[0].client.send("FLUSHDB") }
        try await regions[0].instances[0].globalClient!.send("FLUSHDB")
        for region in regions { for instance in region.instances { try await instance.cache.start() } }

        // Phase 1: the workload, and meanwhile a loop of invalidation probes written in each region
        // (awaited when the workload is over; each stops after the round in progress).
        let probeKeys = SharedCounter()
        let probing = regions.indices.map { [regions] index in
            Task {
                await probes.run(
                    from: index, regions: regions, database: database, firstKey: options.keys + 1000,
                    counter: probeKeys)
            }
        }
        let phase1 = await workload(
            regions: regions, database: database, requests: options.requests, seed: options.seed, uptime: uptime)
        probes.stop()
        let statisticsAfterWorkload = regions.map { $0.instances.map(\.cache.statistics) }
        for task in probing { await task.value }

        // Phase 2: the global Redis goes away, then returns.
        var outage: RegionsReport.Outage?
        var outageSkipped: String?
        if globalFake == nil {
            outageSkipped =
                "the global Redis is a real server (--global-url); the demo only takes down its embedded one"
        } else if options.outageSeconds == 0 {
            outageSkipped = "--outage 0"
        }
        if let globalFake, options.outageSeconds > 0 {
            let loadsBefore = database.totalLoads
            let breakersBefore = breakers.counts
            globalFake.inject(.refuseConnections)
            _ = globalFake.killAllConnections()
            let down = clock.now
            let during = await workload(
                regions: regions, database: database, requests: options.requests / 10, seed: options.seed &+ 1,
                uptime: uptime, until: down + .seconds(Int64(options.outageSeconds)))
            let loadsDuring = database.totalLoads - loadsBefore
            globalFake.clearFaults()
            let back = clock.now
            // Recovery: until a write through the cache reaches the global tier again (its
            // client reconnects and the tier's breaker lets it through).
            var recovered: Duration?
            let probeKey = String(options.keys + 7)
            while clock.now - back < .seconds(30) {
                await regions[0].instances[0].cache.set(probeKey, database.update(options.keys + 7))
                if (try? await regions[0].instances[0].globalClient!.get("demo:" + probeKey)) != nil {
                    recovered = clock.now - back
                    break
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
            outage = RegionsReport.Outage(
                seconds: options.outageSeconds, reads: during.total.reads, errors: during.total.errors,
                stale: during.total.stale, databaseCalls: loadsDuring,
                globalErrors: regions.flatMap { $0.instances }.reduce(0) {
                    $0 + ($1.cache.statistics["global"].map { $0.errors + $0.failedWrites } ?? 0)
                },
                breakerTrips: breakers.counts.opened - breakersBefore.opened,
                breakerCloses: breakers.counts.closed - breakersBefore.closed,
                recovery: recovered)
        }

        for region in regions {
            for instance in region.instances {
                await instance.cache.shutdown()
                await instance.shutDownClients()
            }
        }
        return RegionsReport(
            options: options, names: Self.regionNames, tallies: phase1.perRegion, statistics: statisticsAfterWorkload,
            invalidations: probes.samples, elapsed: phase1.elapsed, outage: outage, outageSkipped: outageSkipped,
            simulatedLatency: urls.isEmpty)
    }

    struct WorkloadResult {
        var perRegion: [RegionTally]
        var total: RegionTally
        var elapsed: Duration
    }

    /// Runs `requests` requests (or until `until`) from every region, each region preferring its
    /// own third of the keys.
    func workload(
        regions: [Region], database: SimulatedDatabase, requests: Int, seed: UInt64,
        uptime: @escaping @Sendable () -> Int64, until deadline: ContinuousClock.Instant? = nil
    ) async -> WorkloadResult {
        let completed = SharedCounter()
        let writeLocks = KeyWriteLocks()
        let sampler = ZipfSampler(count: max(1, options.keys / 3), exponent: options.zipf)
        let started = ContinuousClock.now
        let options = self.options
        let perRegion = await withTaskGroup(of: (Int, RegionTally).self) { group in
            for (regionIndex, region) in regions.enumerated() {
                for (instanceIndex, instance) in region.instances.enumerated() {
                    for worker in 0..<options.concurrency {
                        let workerSeed =
                            seed &+ UInt64(regionIndex * 1000 + instanceIndex * 100 + worker) &* 0x9E37_79B9
                        group.addTask {
                            var random = SplitMix64(seed: workerSeed)
                            var tally = RegionTally()
                            let window = Int64(options.staleWindowMilliseconds) * 1_000_000
                            while deadline.map({ ContinuousClock.now < $0 }) ?? (completed.increment() <= requests) {
                                // 80% of a region's reads are of its own keys; the rest of anyone's.
                                let home = Double(random.next() % 100) < 80 ? regionIndex : Int(random.next() % 3)
                                let rank = sampler.sample(Double(random.next() >> 11) / Double(1 << 53))
                                let key = rank * 3 + home
                                let isWrite = Double(random.next() % 1_000_000) / 10_000 < options.writePercent
                                if isWrite {
                                    await writeLocks.withLock(key) {
                                        let value = database.update(key)
                                        await instance.cache.set(String(key), value)
                                        database.published(
                                            key, version: SimulatedDatabase.version(of: value), at: uptime())
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
                                    if version < database.newestPublished(key, before: begin - window) {
                                        tally.stale += 1
                                        let missed = database.firstPublished(key, after: version) ?? begin
                                        tally.worstStaleness = max(tally.worstStaleness, begin - missed)
                                    }
                                } catch {
                                    tally.errors += 1
                                }
                            }
                            return (regionIndex, tally)
                        }
                    }
                }
            }
            var perRegion = [RegionTally](repeating: RegionTally(), count: regions.count)
            for await (index, tally) in group { perRegion[index].merge(tally) }
            return perRegion
        }
        var total = RegionTally()
        for tally in perRegion { total.merge(tally) }
        return WorkloadResult(perRegion: perRegion, total: total, elapsed: ContinuousClock.now - started)
    }
}

/// What `strata demo --regions` prints.
struct RegionsReport {
    struct Outage {
        var seconds: Int
        var reads: Int
        var errors: Int
        var stale: Int
        var databaseCalls: Int
        var globalErrors: Int
        /// Times a tier's circuit breaker opened (and closed again) during the outage and recovery.
        var breakerTrips: Int
        var breakerCloses: Int
        var recovery: Duration?
    }

    let options: DemoCommand.Options
    let names: [String]
    let tallies: [RegionsDemo.RegionTally]
    let statistics: [[TieredCacheStatistics]]
    /// Per receiving region: how long writes made in the other regions took to reach it.
    let invalidations: [InvalidationProbes.Samples]
    let elapsed: Duration
    let outage: Outage?
    /// Why there was no outage phase (`nil` when there was one).
    let outageSkipped: String?
    let simulatedLatency: Bool

    func percentile(_ p: Double, _ samples: [Int64]) -> Double? {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        let index = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return Double(sorted[index]) / 1000
    }

    func hitRatio(_ region: Int, _ tier: String) -> Double {
        let (hits, misses) = statistics[region].reduce((0, 0)) { sum, instance in
            let tier = instance[tier]
            return (sum.0 + (tier?.hits ?? 0), sum.1 + (tier?.misses ?? 0))
        }
        return hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses)
    }

    /// Reads answered without leaving the region (local or regional tier).
    func crossRegionAvoided(_ region: Int) -> Double {
        let tally = tallies[region]
        let inRegion = (tally.latencies[.local]?.count ?? 0) + (tally.latencies[.redis("regional")]?.count ?? 0)
        return tally.reads == 0 ? 0 : Double(inRegion) / Double(tally.reads)
    }

    var text: String {
        var lines: [String] = []
        lines.append(
            "Strata demo, three regions: \(names.joined(separator: ", ")), two app instances each; "
                + "\(grouped(options.keys)) keys (Zipf \(options.zipf), 80% of reads of the region's own keys), "
                + "\(grouped(options.requests)) requests (\(format(options.writePercent, 1))% writes)")
        let global =
            options.globalURL == nil
            ? "\(format(options.globalLatencyMilliseconds, 1)) ms to the global Redis and the database"
            : "the global Redis is a real server (--global-url), at the network's distance; "
                + "\(format(options.globalLatencyMilliseconds, 1)) ms to the database"
        lines.append(
            simulatedLatency
                ? "Distances (fake servers' reply latency): \(format(options.regionLatencyMilliseconds, 1)) ms to the "
                    + "regional Redis, \(global) (plus \(format(options.dbLatencyMilliseconds, 1)) ms per database read)"
                : "Real servers: latencies are the network's")
        lines.append("")
        lines.append("region  local hit  regional hit  global hit  in-region reads   p50        p99        stale")
        for (index, name) in names.enumerated() {
            let tally = tallies[index]
            let all = tally.latencies.values.flatMap { $0 }
            lines.append(
                pad(name, 8) + pad(format(hitRatio(index, "local") * 100, 1) + "%", 9, right: true)
                    + pad(format(hitRatio(index, "regional") * 100, 1) + "%", 14, right: true)
                    + pad(format(hitRatio(index, "global") * 100, 1) + "%", 12, right: true)
                    + pad(format(crossRegionAvoided(index) * 100, 1) + "%", 17, right: true)
                    + pad(microseconds(percentile(50, all)), 11, right: true)
                    + pad(microseconds(percentile(99, all)), 11, right: true)
                    + pad("\(tally.stale)", 9, right: true))
        }
        lines.append("")
        let rounds = invalidations.map { $0.dropped.count + $0.droppedMissed }
        lines.append(
            "Invalidation:     \(rounds.reduce(0, +) / max(1, names.count - 1)) probe writes (keys of their own, "
                + "a loop per region, each read beforehand by every instance of the others); "
                + "from a write's return until, in each other region,")
        lines.append("  dropped:  every local copy is dropped (each instance's invalidation hook, as it drops it)")
        lines.append(
            "  readable: the new version is read (by its first instance, every 1 ms once it has dropped its copy)")
        if options.globalURL == nil {
            // The invalidations cross on the global Redis.
            lines.append(
                "  (the fake servers delay replies, not pushes: the invalidation message crosses without the "
                    + "simulated distance, which a real network adds to \"dropped\")")
        }
        lines.append("region  rounds  dropped p50  dropped p99  readable p50  readable p99  not within 5 s")
        for (index, name) in names.enumerated() {
            let samples = invalidations[index]
            lines.append(
                pad(name, 8) + pad("\(rounds[index])", 6, right: true)
                    + pad(microseconds(percentile(50, samples.dropped)), 13, right: true)
                    + pad(microseconds(percentile(99, samples.dropped)), 13, right: true)
                    + pad(microseconds(percentile(50, samples.readable)), 14, right: true)
                    + pad(microseconds(percentile(99, samples.readable)), 14, right: true)
                    + pad("\(samples.droppedMissed + samples.readableMissed)", 16, right: true))
        }
        lines.append("")
        let reads = tallies.reduce(0) { $0 + $1.reads }
        let stale = tallies.reduce(0) { $0 + $1.stale }
        let worstStaleness = tallies.map(\.worstStaleness).max() ?? 0
        lines.append(
            "Stale reads:      \(stale) of \(grouped(reads)) (a version older than one written \(options.staleWindowMilliseconds) "
                + "ms or more before the read began)"
                + (stale > 0 ? "; the stalest missed a write by \(format(Double(worstStaleness) / 1e6, 0)) ms" : ""))
        if let outage {
            lines.append(
                "Global outage:    \(outage.seconds) s; \(grouped(outage.reads)) reads served, \(outage.errors) failed, "
                    + "\(outage.stale) stale; \(grouped(outage.databaseCalls)) database calls; "
                    + "\(grouped(outage.globalErrors)) global-tier errors; breakers opened \(outage.breakerTrips) times "
                    + "(closed \(outage.breakerCloses)); "
                    + "recovered \(outage.recovery.map { "in " + format($0.seconds * 1000, 0) + " ms" } ?? "not within 30 s")"
            )
        } else if let outageSkipped {
            lines.append("Global outage:    skipped: \(outageSkipped)")
        }
        lines.append(
            "Throughput:       \(grouped(Int(Double(reads) / elapsed.seconds))) reads/s over \(format(elapsed.seconds, 2)) s"
        )
        return lines.joined(separator: "\n")
    }

    var json: String {
        func number(_ value: Double?) -> String { value.map { format($0, 3) } ?? "null" }
        let regions = names.enumerated().map { index, name in
            let all = tallies[index].latencies.values.flatMap { $0 }
            return "\"\(name)\": {\"localHitRatio\": \(number(hitRatio(index, "local"))), "
                + "\"regionalHitRatio\": \(number(hitRatio(index, "regional"))), "
                + "\"globalHitRatio\": \(number(hitRatio(index, "global"))), "
                + "\"inRegionReads\": \(number(crossRegionAvoided(index))), "
                + "\"p50Microseconds\": \(number(percentile(50, all))), \"p99Microseconds\": \(number(percentile(99, all))), "
                + "\"reads\": \(tallies[index].reads), \"staleReads\": \(tallies[index].stale), "
                + "\"worstStalenessMilliseconds\": \(number(Double(tallies[index].worstStaleness) / 1e6)), "
                + "\"errors\": \(tallies[index].errors), \"invalidation\": \(invalidationJSON(index))}"
        }
        var outageJSON = "null"
        if let outage {
            outageJSON =
                "{\"seconds\": \(outage.seconds), \"reads\": \(outage.reads), \"errors\": \(outage.errors), "
                + "\"staleReads\": \(outage.stale), \"databaseCalls\": \(outage.databaseCalls), "
                + "\"globalErrors\": \(outage.globalErrors), \"breakerTrips\": \(outage.breakerTrips), "
                + "\"breakerCloses\": \(outage.breakerCloses), "
                + "\"recoveryMilliseconds\": \(number(outage.recovery.map { $0.seconds * 1000 }))}"
        }
        return "{\"regions\": {\(regions.joined(separator: ", "))}, "
            + "\"staleReads\": \(tallies.reduce(0) { $0 + $1.stale }), "
            + "\"staleWindowMilliseconds\": \(options.staleWindowMilliseconds), \"outage\": \(outageJSON), "
            + "\"outageSkipped\": \(outageSkipped.map { "\"\($0)\"" } ?? "null"), "
            + "\"seconds\": \(number(elapsed.seconds))}"
    }

    /// Region `index`'s invalidation figures, as JSON: microseconds from the return of a write in
    /// another region until every local copy in the region was dropped, and until it read the new version.
    func invalidationJSON(_ index: Int) -> String {
        func number(_ value: Double?) -> String { value.map { format($0, 3) } ?? "null" }
        let samples = invalidations[index]
        return "{\"rounds\": \(samples.dropped.count + samples.droppedMissed), "
            + "\"droppedP50Microseconds\": \(number(percentile(50, samples.dropped))), "
            + "\"droppedP99Microseconds\": \(number(percentile(99, samples.dropped))), "
            + "\"readableP50Microseconds\": \(number(percentile(50, samples.readable))), "
            + "\"readableP99Microseconds\": \(number(percentile(99, samples.readable))), "
            + "\"droppedMissed\": \(samples.droppedMissed), \"readableMissed\": \(samples.readableMissed)}"
    }

}

/// Counts circuit breakers opening and closing, across every instance.
final class BreakerCounter: StrataObserver {
    private let state = StrataMutex((opened: 0, closed: 0))

    var counts: (opened: Int, closed: Int) { state.withLock { $0 } }

    func observe(_ event: StrataEvent) {
        switch event {
        case .breakerOpened: state.withLock { $0.opened += 1 }
        case .breakerClosed: state.withLock { $0.closed += 1 }
        default: break
        }
    }
}
