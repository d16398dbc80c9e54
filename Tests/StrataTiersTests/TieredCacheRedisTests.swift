import StrataCache
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

@testable import StrataTiers

/// TieredCache over a real redis-server: backfill, write-through, coherence across instances,
/// Redis failures.
@Suite("Tiered cache over Redis", .blockingIO)
struct TieredCacheRedisTests {
    func makeCache(
        _ database: TestDatabase,
        client: RedisClient,
        namespace: String = "t:",
        redisTTL: Duration = .seconds(60),
        localTTL: Duration? = .seconds(30),
        // Generous: on two busy cores a 200 ms call can time out, and a timed-out fill or read
        // changes what the test sees. Tests of timeouts pass their own.
        redisTimeout: Duration = .seconds(2),
        configure: (inout TieredCacheOptions) -> Void = { _ in }
    ) -> TieredCache<String> {
        var options = TieredCacheOptions()
        options.jitter = 0
        // A PING unanswered for 2 s means a lost link; shorter, a busy machine fakes losses.
        options.coherenceHealthCheckInterval = .seconds(1)
        configure(&options)
        return TieredCache(
            local: localTTL.map { .lru(capacity: 1000, ttl: $0) },
            redis: [
                RedisTierOptions(
                    name: "redis", client: client, namespace: namespace, ttl: redisTTL, timeout: redisTimeout)
            ],
            codec: StringCodec(), options: options, loader: database.loader)
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func readsGoThroughTheTiersAndBackfill(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let client = try makeClient(server)
            let database = TestDatabase(["k": "v"])
            let first = makeCache(database, client: client)
            try await first.start()
            #expect(try await first.get("k") == "v")  // loader, written through
            await first.waitForBackgroundFills()
            #expect(try await client.get("t:k") != nil)
            // A second instance with an empty local tier finds it in Redis, not the database.
            let second = makeCache(database, client: client)
            try await second.start()
            #expect(try await second.get("k") == "v")
            #expect(try await second.get("k") == "v")
            #expect(database.calls("k") == 1)
            #expect(second.statistics["redis"]?.hits == 1)
            #expect(second.statistics["local"]?.hits == 1)
            await first.shutdown()
            await second.shutdown()
            await client.shutdown()
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func backfillNeverOutlivesTheLowerTier(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let regionalClient = try makeClient(server)
            let globalClient = try makeClient(server)
            let database = TestDatabase(["k": "v"])
            var options = TieredCacheOptions()
            options.jitter = 0
            let cache = TieredCache(
                local: .lru(capacity: 10, ttl: .seconds(300)),
                redis: [
                    RedisTierOptions(name: "regional", client: regionalClient, namespace: "r:", ttl: .seconds(600)),
                    RedisTierOptions(name: "global", client: globalClient, namespace: "g:", ttl: .seconds(600)),
                ],
                codec: StringCodec(), options: options, loader: database.loader)
            try await cache.start()
            // Seed only the global tier, with 5 seconds left.
            let seeding = TieredCache(
                local: nil,
                redis: [RedisTierOptions(name: "global", client: globalClient, namespace: "g:", ttl: .seconds(5))],
                codec: StringCodec(), options: options, loader: database.loader)
            await seeding.set("k", "from global")
            #expect(try await cache.get("k") == "from global")
            #expect(cache.statistics["global"]?.hits == 1)
            #expect(await eventually { (try? await regionalClient.get("r:k")) != nil })
            let regionalTTL = try await regionalClient.ttl("r:k")
            guard case .expires(let left) = regionalTTL else {
                Issue.record("the backfilled copy must expire")
                return
            }
            #expect(left <= .seconds(5))  // not the regional tier's 600 s
            #expect(try await cache.fetch("k").remainingTTL <= .seconds(5))
            #expect(database.calls("k") == 0)
            await cache.shutdown()
            await seeding.shutdown()
            await regionalClient.shutdown()
            await globalClient.shutdown()
        }
    }

    @Test(
        arguments: TestRedisServer.kindsToTest,
        [
            TieredCacheOptions.Coherence.clientTracking(broadcast: false), .clientTracking(broadcast: true),
            .pubSub(channel: "inv"),
        ])
    func aWriteThroughOneInstanceReachesTheOthersLocalTier(
        _ kind: TestRedisServer.Kind,
        _ coherence: TieredCacheOptions.Coherence
    ) async throws {
        try await withTestRedisServer(kind) { server in
            let clientA = try makeClient(server)
            let clientB = try makeClient(server)
            let database = TestDatabase(["k": "v1"])
            let a = makeCache(database, client: clientA) { $0.coherence = coherence }
            let b = makeCache(database, client: clientB) { $0.coherence = coherence }
            try await a.start()
            try await b.start()
            #expect(try await b.get("k") == "v1")
            // B comes to hold it locally. (Its own fill of Redis may come back to it as an
            // invalidation, on its tracking link, and drop that first copy: Redis' NOLOOP is per
            // connection. The next read refills from Redis, which invalidates nothing.)
            #expect(
                await eventually {
                    (try? await b.get("k")) == "v1" && (b.statistics["local"]?.hits ?? 0) >= 1
                })
            await a.set("k", "v2")
            #expect(await eventually { (try? await b.get("k")) == "v2" })
            await a.invalidate("k")
            database["k"] = "v3"
            #expect(await eventually { (try? await b.get("k")) == "v3" })
            for cache in [a, b] { await cache.shutdown() }
            await clientA.shutdown()
            await clientB.shutdown()
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func aWriteByAnotherProgramInvalidatesLocalCopies(
        _ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion
    ) async throws {
        try await withTestRedisServer(kind) { server in
            let client = try makeClient(server, protocolVersion: version)
            let outsider = try makeClient(server)
            let database = TestDatabase(["k": "v1"])
            let cache = makeCache(database, client: client)
            try await cache.start()
            #expect(try await cache.get("k") == "v1")
            // The load's write through Redis lands first. A raw DEL racing it finds no key (so
            // nothing is invalidated) and the fill then writes v1 after it: the limit the README
            // states for plain DELs by other programs, not what this test is about.
            await cache.waitForBackgroundFills()
            // Not Strata: a raw SET of another value, or a DEL.
            try await outsider.del("t:k")
            database["k"] = "v2"
            #expect(await eventually { (try? await cache.get("k")) == "v2" })
            #expect((cache.statistics["local"]?.invalidationsReceived ?? 0) >= 1)
            await cache.shutdown()
            await client.shutdown()
            await outsider.shutdown()
        }
    }

    /// The race client-side caching must get right: a read's reply is on the wire when another
    /// instance writes the key, and the invalidation overtakes the reply. The fake delays GET
    /// replies (the command runs at once) so the order is certain, not a matter of luck.
    @Test func aReplyOvertakenByItsInvalidationIsNotCached() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let writerClient = try makeClient(server)
            let database = TestDatabase(["k": "v1"])
            let writer = makeCache(database, client: writerClient)
            let cache = makeCache(database, client: client, redisTimeout: .seconds(5))
            try await writer.start()
            try await cache.start()
            #expect(try await writer.get("k") == "v1")  // now in Redis; the cache's local tier is empty
            await writer.waitForBackgroundFills()

            server.fake!.inject(.replyLatency(.milliseconds(500), commands: ["GET"]))
            let read = Task { try await cache.get("k") }
            // The GET has run (the key is tracked) once the fault has been applied to it.
            #expect(await eventually { server.fake!.statistics().faultsApplied >= 1 })
            database["k"] = "v2"
            await writer.set("k", "v2")
            #expect(await eventually { (cache.statistics["local"]?.invalidationsReceived ?? 0) >= 1 })
            // The old reply arrives after the invalidation: it may be returned (the read began
            // before the write) but must not be kept.
            #expect(try await read.value == "v1")
            #expect(cache.localCount == 0)
            server.fake!.clearFaults()
            #expect(try await cache.get("k") == "v2")
            await cache.shutdown()
            await writer.shutdown()
            await client.shutdown()
            await writerClient.shutdown()
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func redisKilledMidRunThenBack(_ kind: TestRedisServer.Kind) async throws {
        let server = try TestRedisServer.start(kind)
        defer { server.stop() }
        let client = try makeClient(server)
        let database = TestDatabase(["k": "v"])
        let cache = makeCache(database, client: client, localTTL: nil)  // every read reaches Redis
        try await cache.start()
        #expect(try await cache.get("k") == "v")
        await cache.waitForBackgroundFills()  // the key's flight, which serves the value, ends too
        server.kill()
        // Redis down is not an outage: reads keep being served, from the loader.
        for _ in 0..<20 { #expect(try await cache.get("k") == "v") }
        #expect(database.calls("k") > 1)
        #expect((cache.statistics["redis"]?.errors ?? 0) > 0)
        #expect(!cache.statistics.isCoherent)  // tracking lost: the local tier is not trusted
        // Redis comes back: after the breaker's probe, the tier is used again.
        try server.restart()
        #expect(
            await eventually(timeout: .seconds(10)) {
                _ = try? await cache.get("k")
                return (cache.statistics["redis"]?.hits ?? 0) > 0 && cache.statistics.isCoherent
            })
        let loadsBefore = database.calls("k")
        let hitsBefore = cache.statistics["redis"]?.hits ?? 0
        for _ in 0..<20 { #expect(try await cache.get("k") == "v") }
        #expect(database.calls("k") == loadsBefore)
        #expect((cache.statistics["redis"]?.hits ?? 0) >= hitsBefore + 20)
        await cache.shutdown()
        await client.shutdown()
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func lostTrackingConnectionFlushesTheLocalTier(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let client = try makeClient(server)
            let admin = try makeClient(server)
            let database = TestDatabase(["k": "v"])
            let cache = makeCache(database, client: client)
            try await cache.start()
            // Held locally (a fill's own echo on the tracking link may drop the first copy).
            #expect(await eventually { (try? await cache.get("k")) == "v" && cache.localCount == 1 })
            try await admin.send("CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal")
            #expect(await eventually { cache.localCount == 0 })
            // Tracking comes back and the local tier fills again.
            #expect(await eventually { cache.statistics.isCoherent })
            #expect(
                await eventually {
                    _ = try? await cache.get("k")
                    return cache.localCount == 1
                })
            await cache.shutdown()
            await client.shutdown()
            await admin.shutdown()
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func distributedLockLoadsOnceAcrossInstances(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let database = TestDatabase(["k": "v"])
            var caches: [TieredCache<String>] = []
            var clients: [RedisClient] = []
            for _ in 0..<4 {
                let client = try makeClient(server)
                clients.append(client)
                _ = try await client.send("PING")  // connected before the race starts
                // A lock request that times out loads without the lock, by design (Redis being slow
                // must not stall reads); on two busy cores 200 ms is not enough, so allow more here.
                let cache = makeCache(database, client: client, redisTimeout: .seconds(5)) {
                    $0.distributedLock = .init(lease: .seconds(5), wait: .seconds(5))
                }
                try await cache.start()
                caches.append(cache)
            }
            database.gate.close()
            let results = try await withThrowingTaskGroup(of: String?.self) { group in
                for cache in caches {
                    for _ in 0..<25 { group.addTask { try await cache.get("k") } }
                }
                #expect(await eventually { database.gate.waiting == 1 })
                try await Task.sleep(for: .milliseconds(50))
                #expect(database.gate.waiting == 1)  // the other instances wait on the lock
                database.gate.open()
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(results.count == 100 && results.allSatisfy { $0 == "v" })
            #expect(database.calls("k") == 1)
            let first = clients[0]
            #expect(await eventually { (try? await first.get("t:__lock:k")) == .some(nil) })  // released by its owner
            for cache in caches { await cache.shutdown() }
            for client in clients { await client.shutdown() }
        }
    }
}

@Suite("Tiered cache: regions and fan-out", .blockingIO)
struct TieredCacheRegionTests {
    /// Two regions, each with its own regional Redis (here: its own namespace) over one global Redis.
    @Test(arguments: TestRedisServer.kindsToTest)
    func anInvalidationReachesEveryRegionsTiers(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let database = TestDatabase(["k": "v1"])
            var options = TieredCacheOptions()
            options.jitter = 0
            options.coherence = .pubSub(channel: "local-invalidations")
            func region(_ name: String) throws -> (TieredCache<String>, [RedisClient]) {
                let regional = try makeClient(server)
                let global = try makeClient(server)
                var regionOptions = options
                regionOptions.region = name
                let cache = TieredCache(
                    local: .lru(capacity: 100, ttl: .seconds(60)),
                    redis: [
                        RedisTierOptions(name: "regional", client: regional, namespace: "\(name):", ttl: .seconds(60)),
                        RedisTierOptions(name: "global", client: global, namespace: "global:", ttl: .seconds(600)),
                    ],
                    codec: StringCodec(), options: regionOptions, loader: database.loader)
                return (cache, [regional, global])
            }
            let (east, eastClients) = try region("east")
            let (west, westClients) = try region("west")
            try await east.start()
            try await west.start()
            #expect(try await east.get("k") == "v1")
            #expect(try await west.get("k") == "v1")  // from the global tier: one database call
            #expect(database.calls("k") == 1)
            let westClient = westClients[0]
            #expect(await eventually { (try? await westClient.get("west:k")) != nil })  // backfilled into west's region

            database["k"] = "v2"
            await east.invalidate("k")
            // West's regional copy and local copy go too, not only east's.
            let westRegional = westClients[0]
            let westDropped = await eventually {
                guard let stored = try? await westRegional.get("west:k") else { return true }
                return CacheEnvelopeProbe.isTombstone(stored)
            }
            #expect(westDropped)
            #expect(await eventually { (try? await west.get("k")) == "v2" })
            for cache in [east, west] { await cache.shutdown() }
            for client in eastClients + westClients { await client.shutdown() }
        }
    }

    /// The invalidation hook names the keys another writer's change dropped locally, from
    /// another region (the regional bus) and from the same region (client tracking), and is not
    /// called for the writer's own change.
    @Test(arguments: TestRedisServer.kindsToTest)
    func theInvalidationHookNamesWhatAnotherWriterDropped(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let database = TestDatabase(["k": "v1"])
            let heard = HeardKeys()
            var clients: [RedisClient] = []
            func instance(_ name: String, region: String) throws -> TieredCache<String> {
                let regional = try makeClient(server)
                let global = try makeClient(server)
                clients += [regional, global]
                var options = TieredCacheOptions()
                options.jitter = 0
                options.region = region
                options.invalidationHook = { keys in heard.append(keys, by: name) }
                return TieredCache(
                    local: .lru(capacity: 100, ttl: .seconds(60)),
                    redis: [
                        RedisTierOptions(
                            name: "regional", client: regional, namespace: "\(region):", ttl: .seconds(60)),
                        RedisTierOptions(name: "global", client: global, namespace: "global:", ttl: .seconds(600)),
                    ],
                    codec: StringCodec(), options: options, loader: database.loader)
            }
            let writer = try instance("east 1", region: "east")
            let neighbour = try instance("east 2", region: "east")
            let remote = try instance("west", region: "west")
            let caches = [writer, neighbour, remote]
            for cache in caches { try await cache.start() }
            for cache in caches { #expect(try await cache.get("k") == "v1") }
            // A fill landing late may reach another instance's client tracking: count from here.
            try await Task.sleep(for: .milliseconds(100))
            heard.clear()

            await writer.set("k", "v2")
            #expect(await eventually { heard.keys(by: "west").contains("k") })
            #expect(await eventually { heard.keys(by: "east 2").contains("k") })
            #expect(heard.keys(by: "east 1").isEmpty)
            #expect(await eventually { (try? await remote.get("k")) == "v2" })
            for cache in caches { await cache.shutdown() }
            for client in clients { await client.shutdown() }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func fillsAreNotAnnouncedAndChangesAreBatched(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let client = try makeClient(server)
            let listener = try makeClient(server)
            let database = TestDatabase((0..<50).reduce(into: [:]) { $0["k\($1)"] = "v" })
            var options = TieredCacheOptions()
            options.coherence = .pubSub(channel: "changes")
            options.publishBatchWindow = .milliseconds(200)
            let cache = TieredCache(
                local: .lru(capacity: 100, ttl: .seconds(60)),
                redis: [RedisTierOptions(name: "redis", client: client, namespace: "f:", ttl: .seconds(60))],
                codec: StringCodec(), options: options, loader: database.loader)
            try await cache.start()
            let messages = try await listener.subscribe(to: ["changes"])
            for i in 0..<50 { _ = try await cache.get("k\(i)") }  // fills: no announcement
            await withTaskGroup(of: Void.self) { group in  // changes, together: batched
                for i in 0..<10 { group.addTask { await cache.invalidate("k\(i)") } }
            }
            // Batched: fewer messages than changes (however the windows fall on a busy machine),
            // carrying exactly the changed keys, and no fill.
            var iterator = messages.makeAsyncIterator()
            var keys: [String] = []
            var messageCount = 0
            while keys.count < 10, let message = try await iterator.next() {
                messageCount += 1
                let parts = try RESPParser.parseAll(message.payload).first?.asArray() ?? []
                keys += try parts.dropFirst(2).map { try $0.asString() }
            }
            #expect(keys.sorted() == (0..<10).map { "k\($0)" }.sorted())
            #expect(messageCount < 10)
            await cache.shutdown()
            await client.shutdown()
            await listener.shutdown()
        }
    }
}

/// Reads the marker of a stored envelope without the module's internals.
enum CacheEnvelopeProbe {
    /// Whether stored bytes are a tombstone (flag bit 1 of the third byte).
    static func isTombstone(_ bytes: [UInt8]) -> Bool { bytes.count > 2 && bytes[0] == 0x53 && bytes[2] & 2 != 0 }
}

/// The keys each instance's invalidation hook was called with, by instance name.
final class HeardKeys: Sendable {
    private let heard = StrataMutex<[String: [String]]>([:])

    func append(_ keys: [String], by instance: String) { heard.withLock { $0[instance, default: []] += keys } }

    func keys(by instance: String) -> [String] { heard.withLock { $0[instance] ?? [] } }

    func clear() { heard.withLock { $0 = [:] } }
}
