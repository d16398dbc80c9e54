import StrataCache
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Synchronization
import Testing

@testable import StrataTiers

/// A read that calls the loader returns as soon as the value is loaded; the value's write to
/// Redis goes on in the background. These tests hold that write (the next pipeline a tier sends)
/// and try to make the cache load twice, serve a value it should know is replaced, or serve one
/// past its TTL while the write is pending.
@Suite("Tiered cache: fills after the caller has its value")
struct BackgroundFillTests {
    static func cache(
        _ database: TestDatabase, client: any RedisCachingClient, clock: any TierClock = SystemTierClock(),
        configure: (inout TieredCacheOptions) -> Void = { _ in }
    ) -> TieredCache<String> {
        var options = TieredCacheOptions()
        options.jitter = 0
        options.coherenceHealthCheckInterval = .seconds(1)
        configure(&options)
        return TieredCache(
            local: .lru(capacity: 100, ttl: .seconds(30)),
            redis: [RedisTierOptions(client: client, namespace: "bf:", ttl: .seconds(60), timeout: .seconds(5))],
            codec: StringCodec(), options: options, clock: clock, loader: database.loader)
    }

    static func stored(_ client: RedisClient, _ key: String) async throws -> String? {
        try await TieredCacheFindingsTests.storedValue(client, "bf:" + key)
    }

    /// The caller gets the loaded value while its write to Redis is held; every read meanwhile
    /// gets it too, without loading again (red when the flight ends as the value is handed out:
    /// the reads miss Redis and load).
    @Test(arguments: TestRedisServer.kindsToTest)
    func readsDuringAPendingFillShareTheLoadedValue(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let raw = try makeClient(server)
            let client = HeldPipelineClient(raw)
            let database = TestDatabase(["k": "v1"])
            let cache = Self.cache(database, client: client)
            try await cache.start()
            client.holdNextPipeline()
            #expect(try await cache.get("k") == "v1")
            #expect(await eventually { client.held == 1 })
            #expect(try await Self.stored(raw, "k") == nil, "the write is held, yet the caller has the value")
            let values = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<20 { group.addTask { try await cache.get("k") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(values == Array(repeating: "v1", count: 20))
            #expect(database.calls("k") == 1)
            #expect(cache.localCount == 0, "kept locally before Redis took it")
            client.release()
            await cache.waitForBackgroundFills()
            #expect(try await Self.stored(raw, "k") == "v1")
            #expect(cache.localCount == 1)
            #expect(try await cache.get("k") == "v1")
            #expect(database.calls("k") == 1)
            await cache.shutdown()
            await raw.shutdown()
        }
    }

    /// A `set` while the loaded value's write is held: later reads get the new value, and the
    /// held write, once it runs, replaces nothing (red when a pending fill outlives `set`).
    @Test(arguments: TestRedisServer.kindsToTest)
    func aWriteDuringAPendingFillWins(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let raw = try makeClient(server)
            let client = HeldPipelineClient(raw)
            let database = TestDatabase(["k": "v1"])
            let cache = Self.cache(database, client: client)
            try await cache.start()
            client.holdNextPipeline()
            #expect(try await cache.get("k") == "v1")
            #expect(await eventually { client.held == 1 })
            database["k"] = "v2"
            await cache.set("k", "v2")
            #expect(try await cache.get("k") == "v2")
            client.release()
            await cache.waitForBackgroundFills()
            #expect(try await Self.stored(raw, "k") == "v2")
            #expect(try await cache.get("k") == "v2")
            #expect(database.calls("k") == 1)
            // And an invalidation during a held fill: the next read loads again.
            await cache.invalidate("k")
            client.holdNextPipeline()
            #expect(try await cache.get("k") == "v2")
            #expect(await eventually { client.held == 1 })
            await cache.invalidate("k")
            #expect(try await cache.get("k") == "v2")
            #expect(database.calls("k") == 3)
            client.release()
            await cache.waitForBackgroundFills()
            await cache.shutdown()
            await raw.shutdown()
        }
    }

    /// A pending fill does not serve its value past the value's TTL (red without the freshness
    /// check on joining a settled flight).
    @Test func aPendingFillsValueIsNotServedPastItsTTL() async throws {
        try await withTestRedisServer(.fake) { server in
            let raw = try makeClient(server)
            let client = HeldPipelineClient(raw)
            let clock = ManualTierClock()
            let database = TestDatabase(["k": "v1"])
            let cache = Self.cache(database, client: client, clock: clock)
            try await cache.start()
            client.holdNextPipeline()
            #expect(try await cache.get("k") == "v1")
            #expect(await eventually { client.held == 1 })
            database["k"] = "v2"
            clock.advance(by: .seconds(61))  // past the value's TTL
            #expect(try await cache.get("k") == "v2")
            #expect(database.calls("k") == 2)
            client.release()
            await cache.waitForBackgroundFills()
            await cache.shutdown()
            await raw.shutdown()
        }
    }

    /// Across processes: the load lock is held until the value is in Redis, so another instance
    /// that misses meanwhile waits for the value instead of loading it (red when the lock is
    /// released as soon as the value is loaded).
    @Test(arguments: TestRedisServer.kindsToTest)
    func theLoadLockIsHeldUntilTheFillLands(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let raws = try (0..<2).map { _ in try makeClient(server) }
            let held = HeldPipelineClient(raws[0])
            let database = TestDatabase(["k": "v1"])
            let lock = TieredCacheOptions.DistributedLock(
                lease: .seconds(20), wait: .seconds(15), pollInterval: .milliseconds(5))
            let first = Self.cache(database, client: held) { $0.distributedLock = lock }
            let second = Self.cache(database, client: raws[1]) { $0.distributedLock = lock }
            try await first.start()
            try await second.start()
            held.holdNextPipeline()
            #expect(try await first.get("k") == "v1")
            #expect(await eventually { held.held == 1 })
            let other = Task { try await second.get("k") }
            // Give the other instance time to reach the lock (it waits there either way).
            try await Task.sleep(for: .milliseconds(300))
            held.release()
            #expect(try await other.value == "v1")
            #expect(database.calls("k") == 1)
            await first.shutdown()
            await second.shutdown()
            for raw in raws { await raw.shutdown() }
        }
    }

    /// Once `waitForBackgroundFills()` returns, the flights those fills kept open have ended
    /// too, so the next read of a key invalidated out of band reaches Redis (red when the flight
    /// ends in a task of its own after the fill: it is still open for some of the keys).
    @Test func waitingForTheFillsWaitsForTheirFlights() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let keys = (0..<50).map { "k\($0)" }
            let database = TestDatabase(Dictionary(uniqueKeysWithValues: keys.map { ($0, "v") }))
            let cache = Self.cache(database, client: client)
            try await cache.start()
            for key in keys {
                #expect(try await cache.get(key) == "v")
                await cache.waitForBackgroundFills()
                #expect(!cache.flights.isRunning(key), "the flight of \(key) outlived its fill")
            }
            await cache.shutdown()
            await client.shutdown()
        }
    }
}

/// A Redis client whose next pipeline (a tier's write: a fill, a `set`, a tombstone) waits
/// until ``release()``; single commands (reads, the load lock) pass. It records what it sends.
final class HeldPipelineClient: RedisCachingClient {
    private let client: RedisClient
    private let armed = Atomic<Bool>(false)
    private let gate = Gate()
    private let sent = StrataMutex<[String]>([])

    /// What went through it, in order: a command's name, or `PIPELINE n`.
    var log: [String] { sent.withLock { $0 } }

    func clearLog() { sent.withLock { $0 = [] } }

    init(_ client: RedisClient) { self.client = client }

    /// Holds the next pipeline.
    func holdNextPipeline() {
        gate.close()
        armed.store(true, ordering: .sequentiallyConsistent)
    }

    /// Lets the held pipeline go.
    func release() { gate.open() }

    /// How many pipelines wait.
    var held: Int { gate.waiting }

    func execute<Command: RedisCommand>(_ command: Command) async throws -> Command.Response {
        sent.withLock { $0.append("\(Command.self)".prefix { $0 != "<" }.uppercased()) }
        return try await client.execute(command)
    }

    func execute(_ pipeline: RedisPipeline) async throws -> RedisPipelineReplies {
        sent.withLock { $0.append("PIPELINE \(pipeline.count)") }
        if armed.compareExchange(expected: true, desired: false, ordering: .sequentiallyConsistent).exchanged {
            await gate.pass()
        }
        return try await client.execute(pipeline)
    }

    func transaction(_ pipeline: RedisPipeline) async throws -> RedisTransactionResult {
        try await client.transaction(pipeline)
    }

    func withConnection<T>(forKey key: String, _ body: (RedisLeasedConnection) async throws -> T) async throws -> T {
        try await client.withConnection(forKey: key, body)
    }

    func startTracking(
        mode: RedisTrackingMode, noLoop: Bool, healthCheckInterval: Duration,
        handler: @escaping @Sendable (RedisInvalidation) -> Void
    ) async throws -> RedisTracking {
        try await client.startTracking(
            mode: mode, noLoop: noLoop, healthCheckInterval: healthCheckInterval, handler: handler)
    }

    func subscribe(to channels: [String], bufferSize: Int) async throws -> RedisSubscription {
        try await client.subscribe(to: channels, bufferSize: bufferSize)
    }

    var reconnectBackoff: RedisConfiguration.Backoff { client.reconnectBackoff }
}
