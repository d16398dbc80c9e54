import StrataCache
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

@testable import StrataTiers

/// Client tracking and `TieredCache` over a real Redis Cluster (3 primaries, 3 replicas) that the
/// suite starts once and stops afterwards. Slots moved by a test are moved completely, so the
/// cluster stays healthy for the next one.
@Suite(
    "TieredCache over Redis Cluster (real)", .blockingIO, .serialized, .enabled(if: TestRedisCluster.shouldRun),
    .sharedRedisCluster())
struct TieredCacheClusterTests {
    var cluster: TestRedisCluster { TestRedisCluster.current! }

    func makeClusterClient(observer: (any StrataObserver)? = nil) throws -> RedisClusterClient {
        var configuration = try RedisClusterConfiguration(urls: [cluster.urls[0]])
        configuration.node.observer = observer
        configuration.node.connectTimeout = .seconds(20)
        configuration.periodicRefreshInterval = nil
        return try RedisClusterClient(configuration: configuration)
    }

    /// A started `TieredCache` per client, over the cluster with `coherence`, its keys under
    /// `namespace`, loading from `database`.
    func startCaches(
        _ clients: [RedisClusterClient], coherence: TieredCacheOptions.Coherence, namespace: String,
        database: TestDatabase
    ) async throws -> [TieredCache<String>] {
        var caches: [TieredCache<String>] = []
        for client in clients {
            var options = TieredCacheOptions()
            options.coherence = coherence
            options.coherenceHealthCheckInterval = .seconds(1)
            options.jitter = 0
            let cache = TieredCache(
                local: .lru(capacity: 100, ttl: .seconds(300)),
                redis: [RedisTierOptions(name: "cluster", client: client, namespace: namespace, ttl: .seconds(600))],
                codec: StringCodec(), options: options, loader: database.loader)
            try await cache.start()
            caches.append(cache)
        }
        return caches
    }

    /// A key of ours (`prefix` included) whose slot the primary on `port` owns.
    func key(ownedBy port: Int, prefix: String, name: String) throws -> String {
        var index = 0
        while try cluster.owner(ofSlot: RedisClusterSlot(key: prefix + "\(name)\(index)").value) != port { index += 1 }
        return "\(name)\(index)"
    }

    /// The randomized coherence checker (see `CoherenceCheckerTests`) with the cluster as the
    /// Redis tier; odd seeds move the slots of the keys in use to other primaries during the run.
    @Test(arguments: CoherenceCheckerTests.clusterSeeds)
    func coherenceChecker(_ seed: UInt64) async throws {
        let problems = try await CoherenceRun(scenario: CoherenceScenario(seed: seed, cluster: cluster)).run()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// The checker across a failover: a primary is killed mid-run and its replica promoted. Reads
    /// go on (tiers, or the loader while the slots have no owner), nothing is staler than the
    /// bound plus the promotion's duration, and afterwards every instance and every tier holds
    /// what the database holds. The killed node is restarted (as a replica) afterwards.
    @Test(arguments: CoherenceCheckerTests.failoverSeeds)
    func coherenceAcrossAFailover(_ seed: UInt64) async throws {
        let problems = try await CoherenceRun(scenario: CoherenceScenario(seed: seed, failoverOf: cluster)).run()
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    /// A write made while the primary that owns the key is dead (its replica not yet promoted)
    /// reaches another instance that holds the key locally: by the lost link (tracking), or the
    /// published notice (pub/sub). Without it, that instance would serve the old value for its
    /// whole local TTL (300 s here). The killed node is restarted (as a replica) afterwards.
    @Test(arguments: [
        TieredCacheOptions.Coherence.clientTracking(broadcast: false), .clientTracking(broadcast: true),
        .pubSub(channel: "failover"),
    ])
    func aWriteDuringAFailoverReachesTheOtherInstance(_ coherence: TieredCacheOptions.Coherence) async throws {
        try cluster.waitUntilHealthy()
        let (victim, heir) = try #require(try cluster.primariesWithReplicas(sparingTheSeed: true).first)
        var configuration = try RedisClusterConfiguration(urls: [cluster.urls[0]])
        configuration.node.connectTimeout = .seconds(20)
        configuration.periodicRefreshInterval = .seconds(1)
        let clients = try (0..<2).map { _ in try RedisClusterClient(configuration: configuration) }
        let namespace = "f\(String(describing: coherence).hashValue & 0xFFFF):"
        let key = try self.key(ownedBy: victim, prefix: namespace, name: "failover")
        let database = TestDatabase([key: "v1"])
        let caches = try await startCaches(clients, coherence: coherence, namespace: namespace, database: database)
        // Instance 1 holds the key locally.
        #expect(try await caches[1].get(key) == "v1")
        #expect(
            await eventually {
                (try? await caches[1].get(key)) == "v1" && (caches[1].statistics["local"]?.hits ?? 0) >= 1
            })
        // The owner dies; while its slots have no owner, instance 0 writes the key.
        let killedAt = ContinuousClock.now
        cluster.kill(port: victim)
        defer {
            // The cluster whole again for the suite's next test, whatever happened here.
            do {
                try cluster.restore(port: victim)
            } catch {
                Issue.record("the killed node did not come back: \(error)")
            }
        }
        database[key] = "v2"
        await caches[0].set(key, "v2")
        let writtenAt = ContinuousClock.now
        #expect(
            await eventually(timeout: .seconds(30)) { (try? await caches[1].get(key)) == "v2" },
            "instance 1 kept the old value: \(caches[1].statistics)")
        let seenAt = ContinuousClock.now
        // And it stays so once the replica is promoted and the instances have moved on to it.
        let promotionDeadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < promotionDeadline, (try? cluster.roles().primaries.contains(heir)) != true {
            try await Task.sleep(for: .milliseconds(20))
        }
        let promotedAt = ContinuousClock.now
        #expect(try cluster.roles().primaries.contains(heir), "the replica was not promoted within 30 s")
        #expect(await eventually(timeout: .seconds(30)) { caches.allSatisfy { $0.statistics.isCoherent } })
        var lastRead: [String?] = []
        let converged = await eventually(timeout: .seconds(10)) {
            lastRead = []
            for cache in caches { lastRead.append(try? await cache.get(key)) }
            return lastRead.allSatisfy { $0 == "v2" }
        }
        let convergedAt = ContinuousClock.now
        #expect(converged, "after the promotion the instances read \(lastRead)")
        print(
            "a write during a failover (\(coherence)): the write returned \(writtenAt - killedAt) after the kill, "
                + "the other instance read it \(seenAt - writtenAt) later; promotion \(promotedAt - killedAt) "
                + "after the kill; every instance read it \(convergedAt - promotedAt) after the promotion")
        for cache in caches { await cache.shutdown() }
        for client in clients { await client.shutdown() }
    }

    @Test func trackingReportsChangesOnEveryPrimary() async throws {
        let reader = try makeClusterClient()
        let writer = try makeClusterClient()
        let events = Events()
        let tracking = try await reader.startTracking(mode: .default, noLoop: false, healthCheckInterval: .seconds(1)) {
            events.append($0)
        }
        #expect(tracking.isActive)
        let primaries = try cluster.roles().primaries
        let keys = try primaries.map { try key(ownedBy: $0, prefix: "", name: "tracked") }
        for key in keys { try await writer.set(key, "v1") }
        for key in keys { #expect(try await reader.getString(key) == "v1") }  // now tracked, each at its owner
        for key in keys { try await writer.set(key, "v2") }
        for key in keys {
            #expect(await eventually { events.invalidatedKeys.contains(key) }, "no invalidation for \(key)")
        }
        await tracking.stop()
        #expect(!tracking.isActive)
        await reader.shutdown()
        await writer.shutdown()
    }

    /// Topology reads go to any node, replicas included; asking a replica must not disturb
    /// tracking (only nodes that serve reads are tracked).
    @Test func topologyReadsFromReplicasLeaveTrackingOn() async throws {
        let client = try makeClusterClient()
        // Replicas appear in the topology once their first sync is done.
        #expect(
            await eventually(timeout: .seconds(30)) {
                (try? await client.refreshTopology())?.shards.allSatisfy { !$0.replicas.isEmpty } == true
            })
        let events = Events()
        let tracking = try await client.startTracking(mode: .default, noLoop: false, healthCheckInterval: .seconds(1)) {
            events.append($0)
        }
        for _ in 0..<24 { try await client.refreshTopology() }  // a replica is asked first half the time
        #expect(tracking.isActive)
        #expect(events.all.isEmpty, "\(events.all)")
        await tracking.stop()
        await client.shutdown()
    }

    /// A slot that changes owner is reported, whether the client learns of it from a `MOVED`
    /// reply or from a topology read. (Redis itself also invalidates the keys `MIGRATE` takes
    /// away; the report covers what no node reports: a slot given to another node.)
    @Test func aSlotThatChangesOwnerIsReported() async throws {
        let client = try makeClusterClient()
        let events = Events()
        let tracking = try await client.startTracking(mode: .default, noLoop: false, healthCheckInterval: .seconds(1)) {
            events.append($0)
        }
        let primaries = try cluster.roles().primaries
        let name = try key(ownedBy: primaries[0], prefix: "", name: "reported")
        let slot = RedisClusterSlot(key: name)
        try await client.set(name, "v")
        let mover = ClusterSlotMover(cluster: cluster)
        // Learned from MOVED.
        try mover.move(slot: slot.value, from: primaries[0], to: primaries[1])
        #expect(try await client.getString(name) == "v")
        #expect(client.statistics.movedReplies >= 1)
        #expect(await eventually { events.movedSlots.contains(slot) })
        // Learned from a topology read.
        let before = events.all.count
        try mover.move(slot: slot.value, from: primaries[1], to: primaries[0])
        try await client.refreshTopology()
        #expect(await eventually { events.all.dropFirst(before).contains(.slots([slot])) })
        #expect(tracking.isActive)
        await tracking.stop()
        await client.shutdown()
    }

    /// A slot moves to another primary while one of its keys is cached locally: the copy goes
    /// (the stream reports the slot), and reads after the move are tracked at the new owner.
    @Test func aSlotThatMovesDropsItsLocalCopies() async throws {
        let clientObserver = RecordingObserver()
        let client = try makeClusterClient(observer: clientObserver)
        let outsider = try makeClusterClient()
        let database = TestDatabase([:])
        let primaries = try cluster.roles().primaries
        let name = try key(ownedBy: primaries[0], prefix: "t:", name: "moving")
        let stays = try key(ownedBy: primaries[2], prefix: "t:", name: "staying")
        database[name] = "v1"
        database[stays] = "s1"
        var options = TieredCacheOptions()
        options.jitter = 0
        let observer = RecordingObserver()
        options.observer = observer
        let cache = TieredCache(
            local: .lru(capacity: 100, ttl: .seconds(300)),
            redis: [RedisTierOptions(name: "cluster", client: client, namespace: "t:", ttl: .seconds(600))],
            codec: StringCodec(), options: options, loader: database.loader)
        try await cache.start()
        #expect(cache.statistics.isCoherent)
        for key in [name, stays] {
            #expect(try await cache.get(key) == database[key])
            await cache.waitForBackgroundFills()
            #expect(await eventually { (try? await cache.get(key)) == database[key] && cache.localCount >= 1 })
        }
        let localBefore = cache.localCount
        let slot = RedisClusterSlot(key: "t:" + name).value
        try ClusterSlotMover(cluster: cluster).move(slot: slot, from: primaries[0], to: primaries[1])
        // The client learns of the move (a refresh, as after any MOVED), and drops what it held
        // in that slot, and only that.
        try await client.refreshTopology()
        #expect(await eventually { cache.localCount == localBefore - 1 }, "\(localBefore): \(observer.summary)")
        let hitsBefore = cache.statistics["local"]?.hits ?? 0
        #expect(try await cache.get(stays) == "s1")
        #expect(
            (cache.statistics["local"]?.hits ?? 0) == hitsBefore + 1,
            "\(observer.summary) \(clientObserver.events.filter { if case .trackingLost = $0 { true } else { false } })"
        )
        // Read again (now at the new owner, tracked there); then another program changes it there.
        #expect(try await cache.get(name) == "v1")
        #expect(await eventually { (try? await cache.get(name)) == "v1" && cache.localCount == localBefore })
        database[name] = "v2"
        try await outsider.del("t:" + name)
        #expect(await eventually { (try? await cache.get(name)) == "v2" })
        #expect(cache.statistics.isCoherent)
        // Put the slot back for the next test.
        try ClusterSlotMover(cluster: cluster).move(slot: slot, from: primaries[1], to: primaries[0])
        await cache.shutdown()
        await client.shutdown()
        await outsider.shutdown()
    }

    /// Two instances over the cluster, each with its own cluster client: a write through one
    /// reaches the other's local tier, on every shard.
    @Test(arguments: [
        TieredCacheOptions.Coherence.clientTracking(broadcast: false), .clientTracking(broadcast: true),
        .pubSub(channel: "inv"),
    ])
    func aWriteThroughOneInstanceReachesTheOther(_ coherence: TieredCacheOptions.Coherence) async throws {
        let clients = try (0..<2).map { _ in try makeClusterClient() }
        let database = TestDatabase([:])
        let primaries = try cluster.roles().primaries
        // Each case its own namespace: the cases share the cluster.
        let namespace = "w\(String(describing: coherence).hashValue & 0xFFFF):"
        let keys = try primaries.map { try key(ownedBy: $0, prefix: namespace, name: "shared") }
        for key in keys { database[key] = "v1" }
        let caches = try await startCaches(clients, coherence: coherence, namespace: namespace, database: database)
        for key in keys {
            #expect(try await caches[1].get(key) == "v1")
            #expect(
                await eventually {
                    (try? await caches[1].get(key)) == "v1" && (caches[1].statistics["local"]?.hits ?? 0) >= 1
                })
            await caches[0].set(key, "v2")
            #expect(await eventually { (try? await caches[1].get(key)) == "v2" }, "\(key) stayed stale")
        }
        for cache in caches { await cache.shutdown() }
        for client in clients { await client.shutdown() }
    }
}

/// Invalidation events, collected.
final class Events: Sendable {
    private let events = StrataMutex<[RedisInvalidation]>([])

    func append(_ event: RedisInvalidation) { events.withLock { $0.append(event) } }

    var all: [RedisInvalidation] { events.withLock { $0 } }

    var movedSlots: Set<RedisClusterSlot> {
        var slots: Set<RedisClusterSlot> = []
        for case .slots(let batch) in all { slots.formUnion(batch) }
        return slots
    }

    var invalidatedKeys: Set<String> {
        var keys: Set<String> = []
        for case .keys(let batch) in all { for key in batch { keys.insert(String(decoding: key, as: UTF8.self)) } }
        return keys
    }
}

/// What a `TieredCache` does with a cluster's report of moved slots: the local copies of the keys
/// in those slots go (their namespace included in the hash), and only those.
@Suite("TieredCache and moved cluster slots")
struct TieredCacheMovedSlotTests {
    @Test(arguments: [
        LocalTierOptions.lru(capacity: 100, ttl: .seconds(60)),
        .hotCold(capacity: 100, ttl: .seconds(60), promotionThreshold: 1),
    ])
    func onlyTheMovedSlotsKeysAreDropped(_ local: LocalTierOptions) async throws {
        let keys = (0..<40).map { "key\($0)" }
        let database = TestDatabase(Dictionary(uniqueKeysWithValues: keys.map { ($0, "v-\($0)") }))
        let cache = TieredCache(local: local, redis: [], codec: StringCodec(), loader: database.loader)
        for _ in 0..<3 { for key in keys { _ = try await cache.get(key) } }
        #expect(cache.localCount == keys.count)
        // Two slots, computed over the stored name ("n:" + key), as the servers see it.
        let moved = Set(keys.prefix(2).map { RedisClusterSlot(key: "n:" + $0) })
        let doomed = keys.filter { moved.contains(RedisClusterSlot(key: "n:" + $0)) }
        cache.handleTracking(.slots(Array(moved)), namespace: "n:")
        #expect(cache.localCount == keys.count - doomed.count)
        let callsBefore = database.totalCalls
        for key in keys { #expect(try await cache.get(key) == "v-\(key)") }
        #expect(database.totalCalls - callsBefore == doomed.count)  // the rest were local hits
    }
}
