import StrataCache
import StrataRedis
import StrataServerTestSupport
import StrataTiers
import Testing

/// The README's tiered cache example, compiled and run against the fake server.
@Suite("README example", .blockingIO)
struct TiersReadmeExampleTests {
    @Test func tieredCacheExample() async throws {
        try await withTestRedisServer(.fake) { server in
            try await readmeTieredCacheExample(url: server.url)
        }
    }
}

/// The README's stand-in for a real database.
private struct Database: Sendable {
    func product(id: String) async throws -> Product? { Product(id: id, name: "Lamp", priceCents: 4_900) }
}

// README: begin tiers
struct Product: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var priceCents: Int
}
// README: end tiers

func readmeTieredCacheExample(url: String) async throws {
    let database = Database()
    // README: begin tiers
    let redis = try RedisClient(url: url)

    var options = TieredCacheOptions()
    options.distributedLock = .init()  // one database call per key across all instances
    options.failSafeMaxStaleness = .seconds(300)  // the database is down: serve the last value
    let products = TieredCache<Product>(
        local: .lru(capacity: 10_000, ttl: .seconds(30)),  // process memory
        redis: [RedisTierOptions(client: redis, namespace: "products:", ttl: .seconds(600))],
        codec: JSONCodec<Product>(),
        options: options,
        loader: { id in try await database.product(id: id) }  // the database, last tier
    )
    try await products.start()  // connects client tracking: other writers invalidate local copies

    let lamp = try await products.get("42")  // loaded once, then served from memory or Redis
    await products.set("42", Product(id: "42", name: "Lamp", priceCents: 3_900))  // writes through
    await products.invalidate("42")  // removed from every tier, every instance

    // For pages behind a CDN: never let it keep a page longer than the cache would.
    let result = try await products.fetch("42")
    let header = CacheControl.public(maxAge: .seconds(60)).limited(to: result.remainingTTL)
    print(header)  // public, max-age=60

    print(products.statistics)  // per tier: hits, misses, loads, stale served, p50/p99
    await products.shutdown()
    await redis.shutdown()
    // README: end tiers
    #expect(lamp?.name == "Lamp")
    #expect(result.value?.priceCents == 4_900)
    #expect(header.description == "public, max-age=60")
}
