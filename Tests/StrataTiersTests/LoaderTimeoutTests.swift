import StrataCache
import StrataRedis
import StrataServerTestSupport
import Testing

@testable import StrataTiers

/// Loader timeouts: a hard one gives up (or serves the fail-safe value), a soft one serves the
/// fail-safe value at once and lets the load land in the tiers when it is done. The loader is
/// held at a gate, so nothing here depends on how fast the machine is.
@Suite("Tiered cache: loader timeouts", .blockingIO)
struct LoaderTimeoutTests {
    static func cache(
        _ database: TestDatabase, client: RedisClient, clock: ManualTierClock,
        configure: (inout TieredCacheOptions) -> Void
    ) -> TieredCache<String> {
        var options = TieredCacheOptions()
        options.jitter = 0
        options.negativeTTL = nil
        configure(&options)
        return TieredCache(
            local: .lru(capacity: 100, ttl: .seconds(1)),
            redis: [RedisTierOptions(client: client, namespace: "lt:", ttl: .seconds(1))],
            codec: StringCodec(), options: options, clock: clock, loader: database.loader)
    }

    @Test func aHardTimeoutGivesUpAndTheNextReadLoadsAgain() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let database = TestDatabase(["k": "v1"])
            let cache = Self.cache(database, client: client, clock: ManualTierClock()) {
                $0.loaderTimeout = .milliseconds(100)
            }
            try await cache.start()
            database.gate.close()
            await #expect {
                try await cache.get("k")
            } throws: { ($0 as? RedisClientError)?.code == .timeout }
            #expect(cache.statistics["loader"]?.loadErrors == 1)
            database.gate.open()
            #expect(try await cache.get("k") == "v1")
            await cache.shutdown()
            await client.shutdown()
        }
    }

    @Test func aHardTimeoutServesTheFailSafeValue() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let clock = ManualTierClock()
            let database = TestDatabase(["k": "v1"])
            let cache = Self.cache(database, client: client, clock: clock) {
                $0.loaderTimeout = .milliseconds(100)
                $0.failSafeMaxStaleness = .seconds(300)
            }
            try await cache.start()
            #expect(try await cache.get("k") == "v1")
            await cache.waitForBackgroundFills()
            database["k"] = "v2"
            database.gate.close()
            clock.advance(by: .seconds(5))  // past every TTL, within the fail-safe window
            let result = try await cache.fetch("k")
            #expect(result.value == "v1" && result.source == .failSafe)
            database.gate.open()
            #expect(await eventually { (try? await cache.get("k")) == "v2" })
            await cache.shutdown()
            await client.shutdown()
        }
    }

    @Test func aSoftTimeoutServesTheFailSafeValueAndTheLoadLandsLater() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let clock = ManualTierClock()
            let database = TestDatabase(["k": "v1"])
            let cache = Self.cache(database, client: client, clock: clock) {
                $0.loaderSoftTimeout = .milliseconds(50)
                $0.failSafeMaxStaleness = .seconds(300)
            }
            try await cache.start()
            #expect(try await cache.get("k") == "v1")
            await cache.waitForBackgroundFills()
            database["k"] = "v2"
            database.gate.close()
            clock.advance(by: .seconds(5))
            let result = try await cache.fetch("k")  // the loader is held: served early
            #expect(result.value == "v1" && result.source == .failSafe)
            #expect(database.gate.waiting >= 1)  // and the load goes on
            database.gate.open()
            // The load finishes in the background and writes v2 through Redis.
            #expect(
                await eventually {
                    guard let bytes = try? await client.get("lt:k"), let envelope = CacheEnvelope(decoding: bytes)
                    else {
                        return false
                    }
                    return String(decoding: envelope.payload, as: UTF8.self) == "v2"
                })
            #expect(try await cache.get("k") == "v2")
            await cache.shutdown()
            await client.shutdown()
        }
    }

    /// Without a fail-safe value there is nothing to serve early: the read waits for the loader.
    @Test func aSoftTimeoutWithoutAFailSafeValueWaits() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let database = TestDatabase(["k": "v1"])
            let cache = Self.cache(database, client: client, clock: ManualTierClock()) {
                $0.loaderSoftTimeout = .milliseconds(20)
            }
            try await cache.start()
            database.gate.close()
            let read = Task { try await cache.get("k") }
            #expect(await eventually { database.gate.waiting == 1 })
            try await Task.sleep(for: .milliseconds(200))  // ten soft timeouts
            #expect(database.gate.waiting == 1)
            database.gate.open()
            #expect(try await read.value == "v1")
            await cache.shutdown()
            await client.shutdown()
        }
    }
}
