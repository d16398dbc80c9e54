import StrataCache
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

@testable import StrataTiers

/// `get(key, loader:)`: a loader given with the read, for request-scoped context.
@Suite("Tiered cache: per-call loaders", .blockingIO)
struct PerCallLoaderTests {
    @Test func theCallsLoaderRunsAndItsValueIsCachedForEveryone() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let clock = ManualTierClock()
            let constructed = TestDatabase(["k": "from the cache's loader"])
            var options = TieredCacheOptions()
            options.jitter = 0
            options.staleWhileRevalidate = .seconds(60)
            let cache = TieredCache<String>(
                local: .lru(capacity: 100, ttl: .seconds(1)),
                redis: [RedisTierOptions(client: client, namespace: "pc:", ttl: .seconds(1))],
                codec: StringCodec(), options: options, clock: clock, loader: constructed.loader)
            try await cache.start()
            let tenants = StrataMutex<[String]>([])
            func loader(tenant: String) -> TieredCache<String>.Loader {
                { key in
                    tenants.withLock { $0.append(tenant) }
                    return "\(key) for \(tenant)"
                }
            }
            #expect(try await cache.get("k", loader: loader(tenant: "acme")) == "k for acme")
            await cache.waitForBackgroundFills()
            // Cached: the next reads, with any loader or none, are served without loading.
            #expect(try await cache.get("k", loader: loader(tenant: "other")) == "k for acme")
            #expect(try await cache.get("k") == "k for acme")
            #expect(tenants.withLock { $0 } == ["acme"])
            #expect(constructed.totalCalls == 0)
            // A stale hit refreshes in the background with the read's own loader.
            clock.advance(by: .milliseconds(1500))
            let result = try await cache.fetch("k", loader: loader(tenant: "beta"))
            #expect(result.value == "k for acme" && result.isStale)
            #expect(await eventually { (try? await cache.get("k", loader: loader(tenant: "gamma"))) == "k for beta" })
            #expect(tenants.withLock { $0 } == ["acme", "beta"])
            #expect(constructed.totalCalls == 0)
            // Without a per-call loader, the cache's own runs.
            #expect(try await cache.get("other") == nil)
            #expect(constructed.totalCalls == 1)
            await cache.shutdown()
            await client.shutdown()
        }
    }

    /// An adaptive loader sets each value's TTL, or keeps it out of every tier.
    @Test func anAdaptiveLoaderSetsTheTTLOrSkipsCaching() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let clock = ManualTierClock()
            let calls = StrataMutex<[String: Int]>([:])
            var options = TieredCacheOptions()
            options.jitter = 0
            let cache = TieredCache<String>(
                local: .lru(capacity: 100, ttl: .seconds(60)),
                redis: [RedisTierOptions(client: client, namespace: "ad:", ttl: .seconds(60))],
                codec: StringCodec(), options: options, clock: clock
            ) { key in
                let call = calls.withLock {
                    $0[key, default: 0] += 1
                    return $0[key]!
                }
                switch key {
                case "volatile": return .cache("volatile \(call)", ttl: .seconds(2))
                case "private": return .doNotCache("private \(call)")
                default: return .cache("\(key) \(call)")
                }
            }
            try await cache.start()
            #expect(try await cache.get("volatile") == "volatile 1")
            #expect(try await cache.fetch("volatile").remainingTTL <= .seconds(2))
            #expect(try await cache.get("steady") == "steady 1")
            clock.advance(by: .seconds(3))  // past the volatile TTL, well within the default
            #expect(try await cache.get("volatile") == "volatile 2")
            #expect(try await cache.get("steady") == "steady 1")
            // Not cached: loaded on every read, and never written to Redis.
            #expect(try await cache.get("private") == "private 1")
            #expect(try await cache.get("private") == "private 2")
            await cache.waitForBackgroundFills()  // the fills of the cached ones land in Redis
            #expect(try await client.get("ad:private") == nil)
            #expect(try await client.get("ad:steady") != nil)
            // Per call too.
            #expect(try await cache.get("x", adaptiveLoader: { _ in .doNotCache("once") }) == "once")
            #expect(try await cache.get("x", adaptiveLoader: { _ in .cache("kept") }) == "kept")
            #expect(try await cache.get("x", adaptiveLoader: { _ in .cache("not asked") }) == "kept")
            await cache.shutdown()
            await client.shutdown()
        }
    }
}
