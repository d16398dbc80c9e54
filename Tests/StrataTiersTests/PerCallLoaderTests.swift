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
            // Cached: the next reads, with any loader or none, are served without loading.
            #expect(try await cache.get("k", loader: loader(tenant: "other")) == "k for acme")
            #expect(try await cache.get("k") == "k for acme")
            #expect(tenants.withLock { $0 } == ["acme"])
            #expect(constructed.totalCalls == 0)
            // A stale hit refreshes in the background with the read's own loader.
            clock.advance(by: .milliseconds(1500))
            let result = try await cache.fetch("k", loader: loader(tenant: "beta"))
            #expect(result.value == "k for acme" && result.isStale)
            #expect(await eventually { (try? await cache.get("k")) == "k for beta" })
            #expect(tenants.withLock { $0 } == ["acme", "beta"])
            #expect(constructed.totalCalls == 0)
            // Without a per-call loader, the cache's own runs.
            #expect(try await cache.get("other") == nil)
            #expect(constructed.totalCalls == 1)
            await cache.shutdown()
            await client.shutdown()
        }
    }
}
