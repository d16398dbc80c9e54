import Glibc
import StrataCache
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Synchronization
import Testing

@testable import StrataTiers

/// Runs one ``CoherenceScenario``: instances of `TieredCache` over fresh servers, random reads,
/// writes, invalidations, out-of-band writes and faults, then the oracle. Returns the problems
/// found (empty: the run passed).
struct CoherenceRun {
    let scenario: CoherenceScenario

    struct Instance {
        var cache: TieredCache<String>
        var clients: [any RedisCachingClient]
    }

    /// The tier layout: which server each instance's tiers use.
    struct Layout {
        /// Servers: regional ones first (one per region), then the global one (two tiers).
        var servers: [TestRedisServer]
        func tierServers(region: Int, tierCount: Int, regions: Int) -> [(name: String, server: TestRedisServer)] {
            if tierCount == 1 { return [("redis", servers[0])] }
            return [("regional\(region)", servers[region]), ("global", servers[regions])]
        }
    }

    func run() async throws -> [String] {
        let scenario = self.scenario
        var random = SplitMix64(seed: scenario.seed)
        let serverCount = scenario.cluster != nil ? 0 : scenario.tierCount == 1 ? 1 : scenario.regions + 1
        var servers: [TestRedisServer] = []
        defer { for server in servers { server.stop() } }
        for _ in 0..<serverCount { servers.append(try TestRedisServer.start(scenario.kind)) }
        if let cluster = scenario.cluster {
            // A fresh start: an earlier run's values would be stale to this one's oracle.
            try cluster.waitUntilConverged()
            for port in try cluster.roles().primaries { _ = try cluster.command(port: port, ["FLUSHALL"]) }
        }
        let layout = Layout(servers: servers)
        let keys = (0..<scenario.keys).map { "k\($0)" }
        let startedAt = SystemTierClock().unixMicroseconds
        let history = CoherenceHistory(keys: keys) { key in
            scenario.negativeCaching && key == "k0" ? nil : "\(key)#0"
        }
        let database = CheckerDatabase(history: history)
        let locks = KeyLocks()

        // The instances.
        var instances: [Instance] = []
        for index in 0..<scenario.instances {
            let region = scenario.regions == 2 ? index % 2 : 0
            var tiers: [RedisTierOptions] = []
            var clients: [any RedisCachingClient] = []
            let tierServers: [(name: String, server: TestRedisServer?)] =
                scenario.cluster != nil
                ? [("cluster", nil)]
                : layout.tierServers(region: region, tierCount: scenario.tierCount, regions: scenario.regions)
            for (position, (name, server)) in tierServers.enumerated() {
                let client: any RedisCachingClient
                if let server { client = try makeClient(server) } else { client = try makeClusterClient() }
                clients.append(client)
                tiers.append(
                    RedisTierOptions(
                        name: name, client: client, namespace: position == 0 ? "c:" : "g:",
                        ttl: scenario.redisTTL, timeout: .milliseconds(250), breakerFailureThreshold: 3,
                        breakerOpenDuration: .milliseconds(200)))
            }
            var options = TieredCacheOptions()
            options.coherence = scenario.coherence
            options.coherenceHealthCheckInterval = CoherenceScenario.healthCheckInterval
            options.negativeTTL = scenario.negativeCaching ? scenario.redisTTL : nil
            options.staleWhileRevalidate = scenario.staleWhileRevalidate
            options.failSafeMaxStaleness = scenario.failSafe
            options.earlyRefreshBeta = scenario.profile == .expiry ? 1 : nil
            options.region = "region\(region)"
            options.invalidationHook = { [history] keys in history.recordNotices(instance: index, keys: keys) }
            options.observer = FlushRecorder(instance: index, history: history)
            if scenario.distributedLock {
                options.distributedLock = .init(lease: .seconds(2), wait: .seconds(2), pollInterval: .milliseconds(5))
            }
            let load = database.loader(instance: index)
            let tagged = scenario.tags
            let cache = TieredCache<String>(
                local: .lru(capacity: 1000, ttl: scenario.localTTL), redis: tiers, codec: StringCodec(),
                options: options,
                adaptiveLoader: { key in
                    TieredCacheLoad(value: try await load(key), tags: tagged ? [Self.group(of: key)] : [])
                })
            try await cache.start()
            instances.append(Instance(cache: cache, clients: clients))
        }
        // A plain client per server, for out-of-band writes and for inspecting the tiers.
        var plain: [any RedisCachingClient] = []
        for server in servers { plain.append(try makeClient(server)) }
        if scenario.cluster != nil { plain.append(try makeClusterClient()) }
        let plainClients = plain
        defer { Task { for client in plainClients { await Self.shutDown(client) } } }

        let deadline = ContinuousClock.now + scenario.duration
        // How late this process gets to run at worst: on a machine loaded past its cores, a
        // task (the one delivering an invalidation, say) can wait most of a second for a thread.
        // The staleness allowed grows by the worst stall seen, which a lost invalidation (stale
        // for the local TTL, a minute) still exceeds by far.
        let stalls = Task {
            var worst = Duration.zero
            while !Task.isCancelled {
                let before = ContinuousClock.now
                try? await Task.sleep(for: .milliseconds(10))
                worst = max(worst, ContinuousClock.now - before - .milliseconds(10))
            }
            return worst
        }
        defer { stalls.cancel() }  // also when the run throws
        let failover = FailoverRecord()
        let allInstances = instances
        let allServers = servers
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, instance) in allInstances.enumerated() {
                for worker in 0..<2 {
                    let seed = random.next()
                    group.addTask {
                        var random = SplitMix64(seed: seed)
                        while ContinuousClock.now < deadline {
                            let key = keys.randomElement(using: &random)!
                            let roll = Int.random(in: 0..<100, using: &random)
                            if roll < 70 || (scenario.singleWriter && index != 0) {
                                let start = history.now
                                do {
                                    let value = try await CoherenceHistory.$readStart.withValue(start) {
                                        try await instance.cache.get(key)
                                    }
                                    history.recordRead(
                                        .init(
                                            instance: index, key: key, value: value, start: start, end: history.now))
                                } catch {
                                    history.recordFailedRead()
                                }
                            } else if roll < 82 {
                                await locks.lock(key)
                                let n = database.sequence.add(1, ordering: .relaxed).newValue
                                let value = "\(key)#\(n)"
                                let write = history.beginWrite(key, value, how: "set via instance \(index)")
                                await instance.cache.set(
                                    key, value, tags: scenario.tags ? [Self.group(of: key)] : [])
                                history.endWrite(key, write)
                                await locks.unlock(key)
                            } else if scenario.tags && roll < 86 {
                                // The database changes every key of a group; one tag invalidation.
                                let group = Self.group(of: key)
                                let members = keys.filter { Self.group(of: $0) == group }
                                for member in members { await locks.lock(member) }
                                var writes: [(String, Int)] = []
                                for member in members {
                                    let n = database.sequence.add(1, ordering: .relaxed).newValue
                                    let value: String? =
                                        scenario.negativeCaching && n % 3 == 0 ? nil : "\(member)#\(n)"
                                    writes.append(
                                        (
                                            member,
                                            history.beginWrite(
                                                member, value, how: "invalidate(tag: \(group)) via instance \(index)")
                                        ))
                                }
                                await instance.cache.invalidate(tag: group)
                                for (member, write) in writes { history.endWrite(member, write) }
                                for member in members { await locks.unlock(member) }
                            } else if roll < 92 {
                                await locks.lock(key)
                                let n = database.sequence.add(1, ordering: .relaxed).newValue
                                let value: String? = scenario.negativeCaching && n % 3 == 0 ? nil : "\(key)#\(n)"
                                let write = history.beginWrite(key, value, how: "invalidate via instance \(index)")
                                await instance.cache.invalidate(key)
                                history.endWrite(key, write)
                                await locks.unlock(key)
                            } else if scenario.outOfBandWrites && worker == 0 {
                                if roll < 97 {
                                    // Another program updates the database and writes the new
                                    // envelope to every tier, farthest first.
                                    await locks.lock(key)
                                    let n = database.sequence.add(1, ordering: .relaxed).newValue
                                    let value = "\(key)#\(n)"
                                    let write = history.beginWrite(key, value, how: "out-of-band write")
                                    await Self.writeOutOfBand(key, value, plain: plainClients, scenario: scenario)
                                    history.endWrite(key, write)
                                    await locks.unlock(key)
                                } else {
                                    // Someone deletes the cached copy (the database is unchanged).
                                    history.recordDeletion(key)
                                    for client in plainClients.reversed() {
                                        _ = try? await client.del("c:" + key)
                                        _ = try? await client.del("g:" + key)
                                    }
                                }
                            }
                            try? await Task.sleep(for: .microseconds(Int.random(in: 0...2000, using: &random)))
                        }
                    }
                }
            }
            if scenario.failover, let cluster = scenario.cluster {
                group.addTask {
                    try await Task.sleep(for: .milliseconds(1500))
                    try await Self.failOver(cluster, keys: keys, history: history, record: failover)
                }
            } else if scenario.faults, let cluster = scenario.cluster {
                let seed = random.next()
                group.addTask {
                    var random = SplitMix64(seed: seed)
                    try await Self.reshapeCluster(
                        cluster, keys: keys, history: history, until: deadline, random: &random)
                }
            } else if scenario.faults {
                let seed = random.next()
                group.addTask {
                    var random = SplitMix64(seed: seed)
                    while ContinuousClock.now < deadline {
                        try? await Task.sleep(for: .milliseconds(Int.random(in: 100...300, using: &random)))
                        let server = allServers.randomElement(using: &random)!
                        await Self.injectFault(
                            into: server, database: database, history: history, scenario: scenario, random: &random)
                    }
                }
            }
            try await group.waitForAll()
        }

        // Quiesce: faults cleared, retries and refreshes done, links healthy again.
        for server in servers { server.fake?.clearFaults() }
        database.failing.store(false, ordering: .relaxed)
        try await Task.sleep(for: scenario.faults ? .milliseconds(2500) : .milliseconds(300))
        // A busy machine times tier calls out even without injected faults: wait (bounded) for
        // the failed invalidations to be retried (every second) before judging the tiers.
        let settled = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < settled,
            instances.contains(where: {
                !$0.cache.pendingInvalidations.withLock { $0.isEmpty }
                    || !$0.cache.pendingTagWrites.withLock { $0.isEmpty }
            })
        {
            try await Task.sleep(for: .milliseconds(50))
        }
        // A retry that landed just now announces its keys and tags: let the announcement arrive
        // before the instances are read (seed 39: the first instances read were checked before
        // it reached them, the later ones after).
        try await Task.sleep(for: .milliseconds(300))

        // Across a failover: plus the time the promotion took and a retry of failed invalidations.
        stalls.cancel()
        let worstStall = await stalls.value
        let allowed =
            scenario.allowedStaleness + worstStall + (failover.promotion.map { $0 + .seconds(1) } ?? .zero)
        var problems = history.staleReads(
            allowed: allowed, afterDeletion: allowed + scenario.redisTTL + scenario.localTTL)
        if scenario.failover {
            if let promotion = failover.promotion {
                print(
                    "coherence across a failover, \(scenario): promoted after \(promotion), allowed \(allowed)"
                )
            } else {
                problems.append("the failover did not happen: \(failover.failure ?? "no promotion")")
            }
        }
        // Every instance now reads what the database holds (unless other programs' writes are not
        // announced, where local copies live their TTL).
        let strict = !(scenario.outOfBandWrites && scenario.coherence == .pubSub(channel: "coherence"))
        if strict {
            for (index, instance) in instances.enumerated() {
                for key in keys where !history.wasDeleted(key) {
                    let value = try? await instance.cache.get(key)
                    let expected = history.current(key)
                    if value != expected {
                        problems.append(
                            "after the run, instance \(index) read \(key) = \(String(describing: value)), "
                                + "the database holds \(expected ?? "nil")")
                    }
                }
            }
        }
        // No tier keeps a value older than the database's: loads never overwrote a newer write.
        // (Keys a plain client deleted are left out: see `recordDeletion`. An entry void by a tag
        // invalidated after it is not a value any more: reads check it.)
        var tagTimes: [String: Int64] = [:]
        for client in plainClients {
            for group in ["group0", "group1"] {
                for namespace in ["c:", "g:"] {
                    guard let reply = try? await client.send("ZSCORE", namespace + "__tag:" + group, "t"),
                        let time = try? reply.asDouble()
                    else { continue }
                    tagTimes[group] = max(tagTimes[group] ?? 0, Int64(time))
                }
            }
        }
        for (index, client) in plainClients.enumerated() {
            for key in keys where !history.wasDeleted(key) {
                for namespace in ["c:", "g:"] {
                    guard let bytes = try? await client.get(namespace + key),
                        let envelope = CacheEnvelope(decoding: bytes), !envelope.isTombstone,
                        !envelope.tags.contains(where: { (tagTimes[$0] ?? 0) >= envelope.version })
                    else { continue }
                    let stored: String? = envelope.isNegative ? nil : String(decoding: envelope.payload, as: UTF8.self)
                    if stored != history.current(key) && clockTime() < envelope.keptUntil {
                        let written = history.versionStart(of: key, value: stored).map(CoherenceHistory.ms) ?? "?"
                        problems.append(
                            "after the run, server \(index) holds \(namespace)\(key) = \(stored ?? "nil") "
                                + "(version \((envelope.version - startedAt) / 1000) ms, its value written at \(written)), "
                                + "the database holds \(history.current(key) ?? "nil")\n" + history.story(of: key))
                    }
                }
            }
        }
        // Without faults or expiry, each instance loads a version once its write has returned (a
        // load overlapping an invalidation may be refused, and belongs to the window before), and
        // with the lock one instance loads it for all. Once more is allowed: an invalidation that
        // arrives late (after a load of the new version began) starts a new window there, since
        // notices carry no version. Each further load needs a notice of its own that reached the
        // instance after the read leading the previous load began (`noticesDuring`): each detaches
        // the key's flight, and until the fill lands the next read loads again (on a busy machine
        // the notices of two writes in a row can both arrive after the second one's load began).
        // A lost or resumed coherence link (`flushesDuring`) keeps the loads in flight out of
        // Redis, so each such flush allows one more load, across instances too. This holds while
        // Redis answers in time: a fill or a lock call that times out (a busy machine, no fault
        // needed) means loading again, as documented.
        // With two regions a change reaches an instance late by two routes (the regional bus, then
        // its own region's tombstones written in answer to the bus), so twice more is allowed:
        // since a load's caller has its value before the fill lands, its next read can fall in
        // either window.
        let loadsAllowed = scenario.regions == 2 ? 3 : 2
        let tierFailures = instances.reduce(0) { sum, instance in
            sum + instance.cache.statistics.tiers.reduce(0) { $0 + $1.errors + $1.failedWrites }
        }
        if !scenario.faults && scenario.profile == .coherence && !scenario.outOfBandWrites && tierFailures == 0 {
            var perValue: [String: [CoherenceHistory.Load]] = [:]
            for (load, count) in history.loads where load.afterTheWrite {
                let explained = 1 + history.noticesDuring(load) + history.flushesDuring([load])
                if count > max(loadsAllowed, explained) {
                    problems.append(
                        "instance \(load.instance) loaded \(load.key) = \(load.value ?? "nil") "
                            + "(version \(load.version)) \(count) times\n" + history.story(of: load))
                }
                perValue["\(load.key) = \(load.value ?? "nil") (version \(load.version))", default: []].append(
                    contentsOf: repeatElement(load, count: count))
            }
            if scenario.distributedLock {
                for (value, loads) in perValue where loads.count > 2 + history.flushesDuring(Array(Set(loads))) {
                    let stories = Set(loads).sorted { $0.instance < $1.instance }.map { history.story(of: $0) }
                    problems.append(
                        "\(value) was loaded \(loads.count) times across instances despite the lock\n"
                            + stories.joined(separator: "\n"))
                }
            }
        }
        if !problems.isEmpty {
            for (index, instance) in instances.enumerated() {
                problems.append("instance \(index): \(instance.cache.statistics)")
                for case let client as RedisClient in instance.clients {
                    problems.append("  client: \(client.pool.snapshot)")
                }
            }
        }
        for instance in instances {
            await instance.cache.shutdown()
            for client in instance.clients { await Self.shutDown(client) }
        }
        if let cluster = scenario.cluster, let victim = failover.victim {
            // The killed primary comes back as its heir's replica: the cluster is whole again for
            // the suite's next test.
            try cluster.restore(port: victim)
        }
        if !problems.isEmpty {
            problems.insert(
                "\(scenario)\n  \(history.readCount) reads (\(history.failedReads) failed), \(history.writeCount) writes, "
                    + "worst scheduling stall \(worstStall), staleness allowed \(allowed)",
                at: 0)
        }
        return problems
    }

    func clockTime() -> Int64 { SystemTierClock().unixMilliseconds }

    /// The tag of `key` in a scenario with tags: `group0` for even keys, `group1` for odd ones.
    static func group(of key: String) -> String {
        "group\((Int(key.dropFirst()) ?? 0) % 2)"
    }

    static func writeOutOfBand(
        _ key: String, _ value: String, plain: [any RedisCachingClient], scenario: CoherenceScenario
    ) async {
        let now = SystemTierClock().unixMilliseconds
        let ttl = scenario.redisTTL.tierMilliseconds
        var envelope = CacheEnvelope(
            payload: Array(value.utf8), isNegative: false, version: SystemTierClock().unixMicroseconds,
            freshUntil: now + ttl, usableUntil: now + ttl,
            keptUntil: now + ttl, loadMicroseconds: 0)
        // It tags what it writes as the application does: a tag invalidation voids only entries
        // that carry the tag.
        if scenario.tags { envelope.tags = [group(of: key)] }
        for (index, client) in plain.enumerated().reversed() {
            let namespace = scenario.tierCount == 2 && index == plain.count - 1 ? "g:" : "c:"
            // Like a service that must update the cache, it retries until the server takes it (a
            // fault may have the server restarting); a write it gave up on would leave the old
            // value for the TTL, which no cache could know.
            let giveUp = ContinuousClock.now + .seconds(10)
            while (try? await client.set(namespace + key, envelope.encoded(), expiration: .milliseconds(Int(ttl))))
                == nil, ContinuousClock.now < giveUp
            {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    /// A client of the scenario's cluster (its tiers, and the plain client).
    func makeClusterClient() throws -> RedisClusterClient {
        guard let cluster = scenario.cluster else { throw TestSupportError("no cluster") }
        var configuration = try RedisClusterConfiguration(urls: [cluster.urls[0]])
        configuration.node.connectTimeout = .seconds(20)
        configuration.node.commandTimeout = .seconds(5)
        configuration.periodicRefreshInterval = .seconds(1)
        return try RedisClusterClient(configuration: configuration)
    }

    static func shutDown(_ client: any RedisCachingClient) async {
        if let client = client as? RedisClient { await client.shutdown() }
        if let client = client as? RedisClusterClient { await client.shutdown() }
    }

    /// The cluster's faults: the slot of a key in use moves to another primary (keys migrated
    /// with `MIGRATE`, as `redis-cli --cluster reshard` does), while the instances read and write.
    static func reshapeCluster(
        _ cluster: TestRedisCluster,
        keys: [String],
        history: CoherenceHistory,
        until deadline: ContinuousClock.Instant,
        random: inout SplitMix64
    ) async throws {
        let mover = ClusterSlotMover(cluster: cluster)
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(Int.random(in: 100...300, using: &random)))
            let key = keys.randomElement(using: &random)!
            let slot = RedisClusterSlot(key: "c:" + key).value
            let primaries = try cluster.roles().primaries
            let source = try cluster.owner(ofSlot: slot)
            let target = primaries.filter { $0 != source }.randomElement(using: &random)!
            history.record("slot \(slot) (c:\(key)) moves from :\(source) to :\(target)")
            // Blocking calls, made on the test's own executor (`.blockingIO`).
            try mover.move(slot: slot, from: source, to: target)
        }
    }

    /// The failover fault: the primary that owns most of the keys in use, among those that have a
    /// replica (and are not the seed the clients were made with), is killed with SIGKILL; its
    /// replica is promoted after the node timeout.
    static func failOver(
        _ cluster: TestRedisCluster, keys: [String], history: CoherenceHistory, record: FailoverRecord
    ) async throws {
        var owned: [Int: Int] = [:]
        for key in keys { owned[try cluster.owner(ofSlot: RedisClusterSlot(key: "c:" + key).value), default: 0] += 1 }
        let candidates = try cluster.primariesWithReplicas(sparingTheSeed: true)
        guard
            let (victim, heir) = candidates.max(by: { owned[$0.primary, default: 0] < owned[$1.primary, default: 0] }),
            owned[victim, default: 0] > 0
        else {
            record.fail("no primary with a replica owns a key in use: \(candidates), keys per primary \(owned)")
            return
        }
        history.record(
            "primary :\(victim), owner of \(owned[victim, default: 0]) keys in use, killed (:\(heir) takes over)")
        let killedAt = ContinuousClock.now
        record.killed(victim)
        // Blocking calls, made on the test's own executor (`.blockingIO`).
        cluster.kill(port: victim)
        let deadline = killedAt + .seconds(30)
        while ContinuousClock.now < deadline {
            if let now = try? cluster.roles(), now.primaries.contains(heir) {
                let promotion = ContinuousClock.now - killedAt
                history.record("replica :\(heir) promoted, \(promotion) after the kill")
                record.promoted(after: promotion)
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        record.fail("replica :\(heir) was not promoted within 30 s")
    }

    static func injectFault(
        into server: TestRedisServer,
        database: CheckerDatabase,
        history: CoherenceHistory,
        scenario: CoherenceScenario,
        random: inout SplitMix64
    ) async {
        let choice = Int.random(in: 0..<(scenario.profile == .expiry ? 7 : 6), using: &random)
        switch (choice, server.fake) {
        case (0, let fake?):
            history.record("kill every connection of server :\(server.port)")
            _ = fake.killAllConnections()
        case (0, nil):
            history.record("CLIENT KILL every client of server :\(server.port)")
            for type in ["normal", "pubsub"] {
                _ = try? RESPTestConnection(port: server.port).command("CLIENT", "KILL", "TYPE", type)
            }
        case (1, let fake?):
            history.record("server :\(server.port) slow (400 ms) for 400 ms")
            fake.inject(.latency(.milliseconds(400)))
            try? await Task.sleep(for: .milliseconds(400))
            fake.clearFaults()
        case (1, nil):
            history.record("server :\(server.port) DEBUG SLEEP 0.4")
            let port = server.port
            // Blocking calls, made on the test's own executor (`.blockingIO`): a detached task would
            // block one of the cooperative pool's two threads and starve every other test.
            _ = try? RESPTestConnection(port: port).command("DEBUG", "SLEEP", "0.4")
        case (2, _):
            history.record("restart server :\(server.port)")
            try? server.restart()
        case (3, let fake?):
            history.record("server :\(server.port) drops connections mid-command for 100 ms")
            fake.inject(.dropConnection(afterReplies: 1))
            try? await Task.sleep(for: .milliseconds(100))
            fake.clearFaults()
        case (4, let fake?):
            history.record("server :\(server.port) delays GET replies 150 ms for 300 ms")
            fake.inject(.replyLatency(.milliseconds(150), commands: ["GET"]))
            try? await Task.sleep(for: .milliseconds(300))
            fake.clearFaults()
        case (5, let fake?):
            // Reads stay fast while writes crawl: a write through several tiers (farthest first)
            // is long under way while reads and other instances' invalidations go on.
            history.record("server :\(server.port) delays writes 200 ms for 400 ms")
            fake.inject(.latency(.milliseconds(200), commands: ["SET", "DEL", "EVAL", "EVALSHA", "PUBLISH"]))
            try? await Task.sleep(for: .milliseconds(400))
            fake.clearFaults()
        case (6, _):
            history.record("the database fails for 300 ms")
            database.failing.store(true, ordering: .relaxed)
            try? await Task.sleep(for: .milliseconds(300))
            database.failing.store(false, ordering: .relaxed)
        default:
            break  // a fault the real server cannot simulate
        }
    }
}

/// Records in the history when an instance drops every local copy (its coherence link lost or
/// resumed): loads in flight then are not written to Redis, so the value is loaded again.
final class FlushRecorder: StrataObserver {
    let instance: Int
    let history: CoherenceHistory

    init(instance: Int, history: CoherenceHistory) {
        self.instance = instance
        self.history = history
    }

    func observe(_ event: StrataEvent) {
        if case .localTierFlushed(let reason) = event { history.recordFlush(instance: instance, reason: reason) }
    }
}

/// The checker's source of truth: reads the history's current value, may fail on demand.
final class CheckerDatabase: Sendable {
    let history: CoherenceHistory
    let failing = Atomic(false)
    /// Numbers written values, so each is unique.
    let sequence = Atomic(0)

    init(history: CoherenceHistory) { self.history = history }

    func loader(instance: Int) -> @Sendable (String) async throws -> String? {
        { [self] key in
            if failing.load(ordering: .relaxed) { throw TestSupportError("the database is down") }
            let (value, version, ended) = history.currentVersion(key)
            history.recordLoad(
                .init(instance: instance, key: key, version: version, value: value, afterTheWrite: ended))
            // A load takes a moment, so writes and invalidations land while it is in flight.
            try? await Task.sleep(for: .microseconds(Int.random(in: 0...3000)))
            return value
        }
    }
}

/// What the failover fault did: which primary it killed and how long its replica took to be
/// promoted.
final class FailoverRecord: Sendable {
    private struct State {
        var victim: Int?
        var promotion: Duration?
        var failure: String?
    }
    private let state = StrataMutex(State())

    func killed(_ port: Int) { state.withLock { $0.victim = port } }
    func promoted(after duration: Duration) { state.withLock { $0.promotion = duration } }
    func fail(_ reason: String) { state.withLock { $0.failure = reason } }
    var victim: Int? { state.withLock { $0.victim } }
    var promotion: Duration? { state.withLock { $0.promotion } }
    var failure: String? { state.withLock { $0.failure } }
}
