import StrataCache
import StrataFakeRedis
import StrataRedis
import StrataSync
import StrataTiers
import Synchronization

/// `strata demo --regions`: three regions (each with its own Redis and two app instances), one
/// global Redis, and the database; a workload with regional locality and writes everywhere;
/// then an outage of the global Redis.
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
        var regions: [Region] = []
        for (index, name) in Self.regionNames.enumerated() {
            var instances: [DemoInstance] = []
            for _ in 0..<2 {
                var configuration = try RedisConfiguration(url: regionURLs[index])
                configuration.commandTimeout = .seconds(2)
                let regional = try RedisClient(configuration: configuration)
                var globalConfiguration = try RedisConfiguration(url: globalURL)
                globalConfiguration.commandTimeout = .seconds(2)
                let global = try RedisClient(configuration: globalConfiguration)
                var cacheOptions = TieredCacheOptions()
                cacheOptions.region = name
                cacheOptions.observer = breakers
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

        let clock = ContinuousClock()
        let origin = clock.now
        @Sendable func uptime() -> Int64 {
            let elapsed = origin.duration(to: clock.now)
            return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        }

        // Phase 1: the workload, with invalidation probes.
        let propagation = SampleBox()
        let phase1 = await workload(
            regions: regions, database: database, requests: options.requests, seed: options.seed,
            uptime: uptime, propagation: propagation)
        let statisticsAfterWorkload = regions.map { $0.instances.map(\.cache.statistics) }

        // Phase 2: the global Redis goes away, then returns.
        var outage: RegionsReport.Outage?
        if let globalFake, options.outageSeconds > 0 {
            let loadsBefore = database.totalLoads
            let breakersBefore = breakers.counts
            globalFake.inject(.refuseConnections)
            _ = globalFake.killAllConnections()
            let down = clock.now
            let during = await workload(
                regions: regions, database: database, requests: options.requests / 10, seed: options.seed &+ 1,
                uptime: uptime, propagation: nil, until: down + .seconds(Int64(options.outageSeconds)))
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
            propagation: propagation.all, elapsed: phase1.elapsed, outage: outage,
            simulatedLatency: urls.isEmpty)
    }

    struct WorkloadResult {
        var perRegion: [RegionTally]
        var total: RegionTally
        var elapsed: Duration
    }

    /// Runs `requests` requests (or until `until`) from every region, each region preferring its
    /// own third of the keys. Some writes are followed by probes in the other regions that time
    /// how long until they read the new version.
    func workload(
        regions: [Region], database: SimulatedDatabase, requests: Int, seed: UInt64,
        uptime: @escaping @Sendable () -> Int64, propagation: SampleBox?,
        until deadline: ContinuousClock.Instant? = nil
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
                                        let at = uptime()
                                        database.published(key, version: SimulatedDatabase.version(of: value), at: at)
                                        if let propagation, random.next() % 20 == 0 {
                                            Self.probe(
                                                key: key, version: SimulatedDatabase.version(of: value), from: at,
                                                regions: regions, except: regionIndex, uptime: uptime,
                                                into: propagation)
                                        }
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

    /// Times how long until one instance in each other region reads `version` of `key`.
    static func probe(
        key: Int, version: Int, from start: Int64, regions: [Region], except origin: Int,
        uptime: @escaping @Sendable () -> Int64, into samples: SampleBox
    ) {
        for (index, region) in regions.enumerated() where index != origin {
            let cache = region.instances[0].cache
            Task {
                while uptime() - start < 5_000_000_000 {
                    if let value = try? await cache.get(String(key)), SimulatedDatabase.version(of: value) >= version {
                        let elapsed = uptime() - start
                        samples.append(elapsed)
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(1))
                }
            }
        }
    }
}

/// Durations (nanoseconds) collected by concurrent tasks.
final class SampleBox: Sendable {
    private let samples = StrataMutex<[Int64]>([])
    func append(_ sample: Int64) { samples.withLock { $0.append(sample) } }
    var all: [Int64] { samples.withLock { $0 } }
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
    let propagation: [Int64]
    let elapsed: Duration
    let outage: Outage?
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
        lines.append(
            simulatedLatency
                ? "Distances (fake servers' reply latency): \(format(options.regionLatencyMilliseconds, 1)) ms to the "
                    + "regional Redis, \(format(options.globalLatencyMilliseconds, 1)) ms to the global Redis and the "
                    + "database (plus \(format(options.dbLatencyMilliseconds, 1)) ms per database read)"
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
        lines.append(
            "Invalidation:     a write in one region read in the others after p50 "
                + "\(microseconds(percentile(50, propagation))), p99 \(microseconds(percentile(99, propagation))) "
                + "(\(propagation.count) probes)")
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
                + "\"errors\": \(tallies[index].errors)}"
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
            + "\"invalidation\": {\"p50Microseconds\": \(number(percentile(50, propagation))), "
            + "\"p99Microseconds\": \(number(percentile(99, propagation))), \"probes\": \(propagation.count)}, "
            + "\"staleReads\": \(tallies.reduce(0) { $0 + $1.stale }), \"outage\": \(outageJSON), "
            + "\"seconds\": \(number(elapsed.seconds))}"
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
