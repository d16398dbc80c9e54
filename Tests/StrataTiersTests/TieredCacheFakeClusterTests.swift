import StrataCache
import StrataFakeRedis
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

@testable import StrataTiers

/// `TieredCache` over the fake cluster (three in-process primaries): deterministic slot moves
/// while keys are cached locally, and the README's cluster tier, run.
@Suite("TieredCache over the fake cluster", .blockingIO)
struct TieredCacheFakeClusterTests {
    /// The key of ours (`t:` namespace) named `name` plus the first index whose slot node `node` owns.
    static func key(_ name: String, ownedBy node: Int, in fake: FakeRedisCluster) -> String {
        var index = 0
        while fake.owner(ofSlot: FakeRedisCluster.slot(forKey: "t:\(name)\(index)")) != node { index += 1 }
        return "\(name)\(index)"
    }

    /// A batch read over keys of every node: one `MGET` per slot, and tags across nodes.
    @Test func batchesAndTagsAcrossNodes() async throws {
        let fake = try FakeRedisCluster(primaries: 3)
        defer { fake.shutdown() }
        let client = try RedisClusterClient(urls: fake.urls)
        let keys = (0..<3).map { Self.key("batch", ownedBy: $0, in: fake) } + ["x", "y", "z"]
        let rows = Dictionary(uniqueKeysWithValues: keys.map { ($0, "\($0) v1") })
        let database = TestDatabase(rows)
        // Another process: its own client (NOLOOP hides a client's own writes from its tracking).
        let writerClient = try RedisClusterClient(urls: fake.urls)
        let writer = TieredCache<String>(
            local: nil,
            redis: [RedisTierOptions(name: "cluster", client: writerClient, namespace: "t:", ttl: .seconds(600))],
            codec: StringCodec(), loader: database.loader)
        for key in keys.prefix(3) { await writer.set(key, "\(key) v1", tags: ["all"]) }
        let cache = TieredCache<String>(
            local: .lru(capacity: 100, ttl: .seconds(300)),
            redis: [RedisTierOptions(name: "cluster", client: client, namespace: "t:", ttl: .seconds(600))],
            codec: StringCodec(), loader: database.loader)
        try await cache.start()
        let batches = StrataMutex<[[String]]>([])
        let values = try await cache.getMany(keys) { missing in
            batches.withLock { $0.append(missing.sorted()) }
            return rows.filter { missing.contains($0.key) }
        }
        #expect(values == rows)
        #expect(batches.withLock { $0 } == [["x", "y", "z"]])  // the others came from the cluster
        #expect(cache.statistics["cluster"]?.hits == 3)
        for key in keys.prefix(3) { database[key] = "\(key) v2" }
        await writer.invalidate(tag: "all")
        for key in keys.prefix(3) {
            #expect(await eventually { (try? await cache.get(key)) == "\(key) v2" }, "\(key)")
        }
        await cache.shutdown()
        await client.shutdown()
        await writerClient.shutdown()
    }

    /// A slot moves while one of its keys is cached locally: the client learns of it from a
    /// `MOVED` reply, the copy goes, and the keys of other slots stay local.
    @Test func aMovedSlotsLocalCopyIsDropped() async throws {
        let fake = try FakeRedisCluster(primaries: 3)
        defer { fake.shutdown() }
        var configuration = try RedisClusterConfiguration(urls: fake.urls)
        configuration.periodicRefreshInterval = nil
        let client = try RedisClusterClient(configuration: configuration)
        let moving = Self.key("moving", ownedBy: 0, in: fake)
        let staying = Self.key("staying", ownedBy: 2, in: fake)
        let database = TestDatabase([moving: "m1", staying: "s1"])
        var options = TieredCacheOptions()
        options.jitter = 0
        let cache = TieredCache(
            local: .lru(capacity: 100, ttl: .seconds(300)),
            redis: [RedisTierOptions(name: "cluster", client: client, namespace: "t:", ttl: .seconds(600))],
            codec: StringCodec(), options: options, loader: database.loader)
        try await cache.start()
        for key in [moving, staying] { #expect(try await cache.get(key) == database[key]) }
        #expect(await eventually { cache.localCount == 2 })

        let slot = FakeRedisCluster.slot(forKey: "t:" + moving)
        fake.moveSlot(slot, to: 1)
        // Any command for the slot meets MOVED; the client reports the slot, the cache drops it.
        _ = try await client.exists(["t:" + moving])
        #expect(await eventually { cache.localCount == 1 })
        let hits = cache.statistics["local"]?.hits ?? 0
        #expect(try await cache.get(staying) == "s1")
        #expect(cache.statistics["local"]?.hits == hits + 1)
        // Read at the new owner, tracked there: a change there by another program reaches us.
        #expect(try await cache.get(moving) == "m1")
        #expect(await eventually { cache.localCount == 2 })
        let outsider = try RedisClusterClient(urls: fake.urls)
        database[moving] = "m2"
        try await outsider.del("t:" + moving)
        #expect(await eventually { (try? await cache.get(moving)) == "m2" })
        #expect(cache.statistics.isCoherent)
        await cache.shutdown()
        await client.shutdown()
        await outsider.shutdown()
    }

    @Test func readmeClusterTier() async throws {
        let fake = try FakeRedisCluster(primaries: 3)
        defer { fake.shutdown() }
        let urls = fake.urls
        // README: begin cluster tier
        let cluster = try RedisClusterClient(urls: urls)  // ["redis://10.0.0.1:7000", ...]
        let pages = TieredCache<String>(
            local: .lru(capacity: 10_000, ttl: .seconds(30)),
            redis: [RedisTierOptions(client: cluster, namespace: "pages:", ttl: .seconds(300))],
            codec: StringCodec(), loader: { id in "page \(id)" })
        try await pages.start()  // tracking on every primary, merged into one stream
        let home = try await pages.get("home")  // loaded, stored at the slot's owner, kept locally
        // README: end cluster tier
        #expect(home == "page home")
        #expect(pages.statistics.isCoherent)
        await pages.shutdown()
        await cluster.shutdown()
    }
}
