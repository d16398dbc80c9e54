import StrataCache
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

@testable import StrataTiers

/// Tags: `set(..., tags:)` (or a loader's tags) and `invalidate(tag:)`, which must reach every
/// instance and every tier at O(1) cost, and never let a read that begins after it return an
/// entry written with the tag before it.
@Suite("Tiered cache: tags")
struct TagTests {
    static func cache(
        _ database: TestDatabase, tiers: [RedisTierOptions], region: String? = nil,
        configure: (inout TieredCacheOptions) -> Void = { _ in }
    ) -> TieredCache<String> {
        var options = TieredCacheOptions()
        options.jitter = 0
        options.coherenceHealthCheckInterval = .seconds(1)
        options.region = region
        configure(&options)
        return TieredCache(
            local: .lru(capacity: 2_000, ttl: .seconds(60)), redis: tiers, codec: StringCodec(), options: options,
            adaptiveLoader: { key in
                // Keys "a..." are in group "g", the others in none.
                TieredCacheLoad(value: try await database.loader(key), tags: key.hasPrefix("a") ? ["g"] : [])
            })
    }

    @Test func aLocalOnlyCacheDropsTaggedEntries() async throws {
        let database = TestDatabase(["a1": "1", "a2": "2", "b": "3"])
        let cache = Self.cache(database, tiers: [])
        for key in ["a1", "a2", "b"] { _ = try await cache.get(key) }
        await cache.set("x", "set", tags: ["g"])
        database["a1"] = "1'"
        await cache.invalidate(tag: "g")
        #expect(try await cache.get("a1") == "1'")
        #expect(try await cache.get("x") == nil)  // the set value is void: loaded (no row)
        #expect(database.calls("x") == 1)
        #expect(try await cache.get("b") == "3")
        #expect(database.calls("b") == 1, "an untagged entry was dropped")
        #expect(database.calls("a1") == 2 && database.calls("a2") == 1)
        #expect(try await cache.get("a2") == "2")
        #expect(database.calls("a2") == 2)
    }

    static let coherenceModes: [TieredCacheOptions.Coherence] = [
        .clientTracking(broadcast: false), .clientTracking(broadcast: true), .pubSub(channel: "tags"),
    ]

    /// Two instances on one tier: the invalidating instance reads the new value at once, the other
    /// drops its local copy when the announcement arrives (red when the tag's change is not
    /// announced, or the other instance keeps the time it knew).
    @Test(arguments: TestRedisServer.kindsToTest, coherenceModes)
    func aTagInvalidationReachesTheOtherInstance(
        _ kind: TestRedisServer.Kind, _ coherence: TieredCacheOptions.Coherence
    ) async throws {
        try await withTestRedisServer(kind) { server in
            let clients = try (0..<2).map { _ in try makeClient(server) }
            let database = TestDatabase(["a1": "v1", "a2": "w1", "b": "b1"])
            let caches = clients.map { client in
                Self.cache(database, tiers: [RedisTierOptions(client: client, namespace: "tg:", ttl: .seconds(60))]) {
                    $0.coherence = coherence
                }
            }
            for cache in caches { try await cache.start() }
            let (writer, reader) = (caches[0], caches[1])
            await writer.set("a1", "v1", tags: ["g"])
            // Every key in the reader's local tier (a late announcement of the `set` may drop one).
            #expect(
                await eventually {
                    for key in ["a1", "a2", "b"] { _ = try? await reader.get(key) }
                    await reader.waitForBackgroundFills()
                    return reader.localCount == 3
                })
            database["a1"] = "v2"
            database["a2"] = "w2"
            await writer.invalidate(tag: "g")
            #expect(try await writer.get("a1") == "v2")
            #expect(try await writer.get("a2") == "w2")
            #expect(await eventually { (try? await reader.get("a1")) == "v2" }, "\(reader.statistics)")
            #expect(try await reader.get("a2") == "w2")
            let untaggedLoads = database.calls("b")
            #expect(try await reader.get("b") == "b1")
            #expect(database.calls("b") == untaggedLoads)
            for cache in caches { await cache.shutdown() }
            for client in clients { await client.shutdown() }
        }
    }

    /// Regions: the tag's time lives in the global tier; another region's instances and the
    /// writer's own region's other instance both stop serving entries written before it, from
    /// their local tiers and their regional tiers (red when the same region ignores the bus).
    @Test(arguments: TestRedisServer.kindsToTest)
    func aTagInvalidationReachesEveryRegion(_ kind: TestRedisServer.Kind) async throws {
        let servers = try (0..<3).map { _ in try TestRedisServer.start(kind) }
        defer { for server in servers { server.stop() } }
        let (global, regionals) = (servers[2], [servers[0], servers[1]])
        let database = TestDatabase(["a1": "v1"])
        var clients: [RedisClient] = []
        var caches: [TieredCache<String>] = []
        // Instances 0 and 2 in region r0, instance 1 in region r1.
        for instance in 0..<3 {
            let region = instance % 2
            let near = try makeClient(regionals[region])
            let far = try makeClient(global)
            clients += [near, far]
            caches.append(
                Self.cache(
                    database,
                    tiers: [
                        RedisTierOptions(name: "regional", client: near, namespace: "r:", ttl: .seconds(60)),
                        RedisTierOptions(name: "global", client: far, namespace: "g:", ttl: .seconds(120)),
                    ], region: "r\(region)"))
        }
        for cache in caches { try await cache.start() }
        for cache in caches {
            #expect(try await cache.get("a1") == "v1")
            await cache.waitForBackgroundFills()
        }
        database["a1"] = "v2"
        await caches[0].invalidate(tag: "g")
        // The others first: the writer's own read would load the new value into its region's tier.
        for index in [1, 2] {
            #expect(await eventually { (try? await caches[index].get("a1")) == "v2" }, "instance \(index)")
        }
        #expect(try await caches[0].get("a1") == "v2")
        for cache in caches { await cache.shutdown() }
        for client in clients { await client.shutdown() }
    }

    /// An instance that invalidated a tag hears of the next instance's invalidation of it: its own
    /// write ended its tracking of the tag's key, and the read-back starts it again (found by the
    /// coherence checker, seed 76 on a real server: every instance but the last writer kept a
    /// void entry; red without the read-back).
    @Test(arguments: TestRedisServer.kindsToTest)
    func theInvalidatorHearsOfTheNextInvalidation(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let clients = try (0..<2).map { _ in try makeClient(server) }
            let database = TestDatabase(["a1": "v0"])
            let caches = clients.map { client in
                Self.cache(database, tiers: [RedisTierOptions(client: client, namespace: "tn:", ttl: .seconds(60))])
            }
            for cache in caches { try await cache.start() }
            let (first, second) = (caches[0], caches[1])
            await first.invalidate(tag: "g")
            await first.set("a1", "v1", tags: ["g"])
            #expect(try await first.get("a1") == "v1")
            database["a1"] = "v2"
            await second.invalidate(tag: "g")
            #expect(await eventually { (try? await first.get("a1")) == "v2" }, "\(first.statistics)")
            for cache in caches { await cache.shutdown() }
            for client in clients { await client.shutdown() }
        }
    }

    /// A read that begins after `invalidate(tag:)` returned does not get a value loaded before it,
    /// even by joining a load that was in flight (red without the check after a flight).
    @Test func aLoadInFlightDuringATagInvalidationIsNotServedAfterIt() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let rows = StrataMutex(["a1": "v1"])
            let gate = Gate()
            var options = TieredCacheOptions()
            options.jitter = 0
            let cache = TieredCache<String>(
                local: .lru(capacity: 10, ttl: .seconds(30)),
                redis: [RedisTierOptions(client: client, namespace: "tf:", ttl: .seconds(60))],
                codec: StringCodec(), options: options,
                adaptiveLoader: { key in
                    let value = rows.withLock { $0[key] }
                    await gate.pass()
                    return .cache(value, tags: ["g"])
                })
            try await cache.start()
            gate.close()
            let early = Task { try await cache.get("a1") }
            #expect(await eventually { gate.waiting == 1 })
            rows.withLock { $0["a1"] = "v2" }
            await cache.invalidate(tag: "g")
            let late = Task { try await cache.get("a1") }
            try await Task.sleep(for: .milliseconds(50))
            gate.open()
            // Began before the invalidation: either is allowed (it loads again, as the late one).
            #expect(["v1", "v2"].contains(try await early.value))
            #expect(try await late.value == "v2")
            #expect(try await cache.get("a1") == "v2")
            await cache.shutdown()
            await client.shutdown()
        }
    }

    /// O(1): invalidating a tag on 1,000 entries is one pipeline of three commands (the time, its
    /// expiry, the read-back that keeps the tag tracked).
    @Test func aTagInvalidationCostsOneRoundTrip() async throws {
        try await withTestRedisServer(.fake) { server in
            let raw = try makeClient(server)
            let client = HeldPipelineClient(raw)
            let cache = Self.cache(
                TestDatabase([:]), tiers: [RedisTierOptions(client: client, namespace: "to:", ttl: .seconds(60))])
            try await cache.start()
            for i in 0..<1_000 { await cache.set("a\(i)", "v", tags: ["g"]) }
            client.clearLog()
            await cache.invalidate(tag: "g")
            #expect(client.log == ["PIPELINE 3"])
            #expect(try await cache.get("a7") == nil)  // the loader's: no row
            await cache.shutdown()
            await raw.shutdown()
        }
    }

    /// A tag write Redis refused: this instance honours the invalidation at once; the others once
    /// it is retried, which announces it again (red when the retry is not announced: over pub/sub
    /// the reader read the old time back after the first announcement, and keeps it).
    @Test func aFailedTagWriteIsRetriedAndAnnounced() async throws {
        try await withTestRedisServer(.fake) { server in
            let clients = try (0..<2).map { _ in try makeClient(server) }
            let database = TestDatabase(["a1": "v1"])
            let caches = clients.map { client in
                Self.cache(
                    database,
                    tiers: [
                        RedisTierOptions(
                            client: client, namespace: "tr:", ttl: .seconds(60), breakerFailureThreshold: 100)
                    ]
                ) { $0.coherence = .pubSub(channel: "tags") }
            }
            for cache in caches { try await cache.start() }
            let (writer, reader) = (caches[0], caches[1])
            for cache in caches {
                #expect(try await cache.get("a1") == "v1")
                await cache.waitForBackgroundFills()
            }
            server.fake!.inject(.errorReply("ERR injected", commands: ["ZADD"]))
            database["a1"] = "v2"
            await writer.invalidate(tag: "g")
            #expect(writer.tagsAllow(try #require(writer.lruLocal?.cache.get("a1"))) == false)  // void here at once
            #expect(writer.pendingTagWrites.withLock { $0.keys.sorted() } == ["g"])
            // The first announcement arrives; the reader reads the tag's old time back.
            #expect(await eventually { (reader.statistics["local"]?.invalidationsReceived ?? 0) >= 1 })
            #expect(try await reader.get("a1") == "v1")
            server.fake!.clearFaults()
            await writer.retryFailedTagWrites()
            #expect(writer.pendingTagWrites.withLock { $0.isEmpty })
            #expect(await eventually { (try? await reader.get("a1")) == "v2" }, "\(reader.statistics)")
            for cache in caches { await cache.shutdown() }
            for client in clients { await client.shutdown() }
        }
    }
}
