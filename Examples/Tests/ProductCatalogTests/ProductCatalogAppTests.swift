import Foundation
import ProductCatalog
import StrataTiers
import Testing

/// The catalog app over real HTTP (a socket on a free port), against the embedded fake Redis and,
/// when `redis-server` is on PATH (or STRATA_REQUIRE_REDIS=1), against a real one.
@Suite("Product catalog app")
struct ProductCatalogAppTests {
    static let backends: [RedisBackend] = RedisBackend.realServerEnabled ? [.fake, .real] : [.fake]

    @Test(
        "A static product is public for at most its remaining TTL; a dynamic one is private, no-store",
        arguments: backends)
    func headers(backend: RedisBackend) async throws {
        try await withRedis(backend) { redis in
            try await withCatalogApp(redisURL: redis.url, database: ProductDatabase()) { catalog, client in
                let options = catalog.options
                // First read: the database answers; the entry has the Redis TTL (less jitter) left.
                let first = try await client.get("/api/products/1")
                #expect(first.status == 200)
                #expect(first.header("X-Cache-Tier") == "loader")
                let firstControl = try #require(first.header("Cache-Control"))
                #expect(firstControl.hasPrefix("public, max-age="))
                #expect(firstControl.hasSuffix(", stale-while-revalidate=10, stale-if-error=60"))
                let firstAge = try #require(maxAge(in: firstControl))
                #expect(firstAge > 0 && firstAge <= Int(options.redisTTL.components.seconds))
                let etag = try #require(first.header("ETag"))
                #expect(etag.hasPrefix("\"") && etag.hasSuffix("\"") && etag.count == 18)
                let product = try JSONDecoder().decode(Product.self, from: Data(first.text.utf8))
                #expect(product.id == "1" && product.kind == .static)

                // Second read: process memory answers; max-age shrinks to what the local copy has left.
                let page = try await warmLocally(client, "/products/1")
                #expect(page.status == 200)
                #expect(page.header("Content-Type") == "text/html; charset=utf-8")
                #expect(page.text.contains("<h1>Walnut desk</h1>"))
                #expect(page.header("ETag") == etag)
                let pageAge = try #require(maxAge(in: page.header("Cache-Control")))
                #expect(pageAge > 0 && pageAge <= Int(options.localTTL.components.seconds))

                let dynamic = try await client.get("/api/products/flash-1")
                #expect(dynamic.status == 200)
                #expect(dynamic.header("Cache-Control") == "private, no-store")
                #expect(dynamic.header("ETag") != nil)
                let dynamicPage = try await client.get("/products/flash-1")
                #expect(dynamicPage.header("Cache-Control") == "private, no-store")

                let missing = try await client.get("/api/products/nope")
                #expect(missing.status == 404)
                #expect(missing.header("Cache-Control") == "no-store")

                print("[\(backend)] GET /api/products/1 (static):\n\(describe(first))")
                print("[\(backend)] GET /products/1 (static, again):\n\(describe(page, body: false))")
                print("[\(backend)] GET /api/products/flash-1 (dynamic):\n\(describe(dynamic))")
            }
        }
    }

    @Test("max-age never exceeds the configured one or the TTL; no stale directives without SWR or fail-safe")
    func headersFollowTheOptions() async throws {
        try await withRedis(.fake) { redis in
            var options = ProductCatalog.Options()
            options.staticMaxAge = .seconds(7)
            options.staleWhileRevalidate = nil
            options.failSafe = nil
            try await withCatalogApp(redisURL: redis.url, database: ProductDatabase(), options: options) { _, client in
                let response = try await client.get("/api/products/2")
                #expect(response.header("Cache-Control") == "public, max-age=7")
            }
            options = ProductCatalog.Options()
            options.redisTTL = .seconds(3)
            options.localTTL = .seconds(2)
            try await withCatalogApp(redisURL: redis.url, database: ProductDatabase(), options: options) { _, client in
                // Key 3 is new on this server: loaded, kept 3 s at most, so max-age is 0...3 (not 300).
                let loaded = try await client.get("/api/products/3")
                let loadedAge = try #require(maxAge(in: loaded.header("Cache-Control")))
                #expect(loadedAge <= 3)
                let local = try await warmLocally(client, "/api/products/3")
                let localAge = try #require(maxAge(in: local.header("Cache-Control")))
                #expect(localAge <= 2)
            }
        }
    }

    @Test("If-None-Match is answered with 304 from the local tier, without touching Redis", arguments: backends)
    func notModified(backend: RedisBackend) async throws {
        try await withRedis(backend) { redis in
            let database = ProductDatabase()
            try await withCatalogApp(redisURL: redis.url, database: database) { catalog, client in
                let first = try await client.get("/products/2")
                let etag = try #require(first.header("ETag"))
                _ = try await warmLocally(client, "/products/2")

                let before = catalog.cache.statistics
                let queriesBefore = database.queryCount
                let conditional = try await client.get(
                    "/products/2", headers: ["If-None-Match": "\"0000000000000000\", \(etag)"])
                let after = catalog.cache.statistics
                #expect(conditional.status == 304)
                #expect(conditional.body.isEmpty)
                #expect(conditional.header("ETag") == etag)
                #expect(conditional.header("Cache-Control")?.hasPrefix("public, max-age=") == true)
                #expect(conditional.header("X-Cache-Tier") == "local")
                // Redis was not asked: its tier's counters did not move; the local tier answered.
                #expect(after["redis"]?.hits == before["redis"]?.hits)
                #expect(after["redis"]?.misses == before["redis"]?.misses)
                #expect(after["local"]!.hits == before["local"]!.hits + 1)
                #expect(database.queryCount == queriesBefore)

                // The JSON route shares the tag; a weak form of it matches too; another tag does not.
                let json = try await client.get("/api/products/2", headers: ["If-None-Match": "W/\(etag)"])
                #expect(json.status == 304)
                let other = try await client.get("/api/products/2", headers: ["If-None-Match": "\"0000000000000000\""])
                #expect(other.status == 200)
                print("[\(backend)] GET /products/2 with If-None-Match:\n\(describe(conditional))")
            }
        }
    }

    @Test("A write through one instance is seen through another within the invalidation bound", arguments: backends)
    func writeInvalidatesOtherInstances(backend: RedisBackend) async throws {
        try await withRedis(backend) { redis in
            // One database, two app instances, each with its own Redis client and local tier.
            let database = ProductDatabase()
            try await withCatalogApp(redisURL: redis.url, database: database) { _, writerClient in
                try await withCatalogApp(redisURL: redis.url, database: database) { _, readerClient in
                    let before = try await readerClient.get("/api/products/2")
                    let oldTag = try #require(before.header("ETag"))
                    _ = try await warmLocally(readerClient, "/api/products/2")

                    let written = try await writerClient.post(
                        "/products/2", json: #"{"priceCents": 17500, "name": "Oak bookshelf (sale)"}"#)
                    #expect(written.status == 200)
                    let newTag = try #require(written.header("ETag"))
                    #expect(newTag != oldTag)

                    // Bounded polling: the reader must drop its local copy (client tracking) and
                    // serve the new version within the bound.
                    let bound = Duration.seconds(3)
                    let deadline = ContinuousClock.now + bound
                    var seen: Product?
                    var attempts = 0
                    while ContinuousClock.now < deadline && attempts < 1_000 {
                        attempts += 1
                        let response = try await readerClient.get("/api/products/2")
                        let product = try JSONDecoder().decode(Product.self, from: Data(response.text.utf8))
                        if product.revision == 2 {
                            seen = product
                            #expect(response.header("ETag") == newTag)
                            // Its local copy (30 s TTL) was dropped, not expired: Redis answered.
                            #expect(response.header("X-Cache-Tier") == "redis")
                            break
                        }
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    let product = try #require(seen, "the reader still served revision 1 after \(bound)")
                    #expect(product.priceCents == 17_500 && product.name == "Oak bookshelf (sale)")
                    // The old tag no longer matches: a CDN revalidating gets the new page.
                    let revalidated = try await readerClient.get("/products/2", headers: ["If-None-Match": oldTag])
                    #expect(revalidated.status == 200)
                    #expect(revalidated.text.contains("$175.00"))
                    print("[\(backend)] write seen by the other instance after \(attempts) poll(s)")
                }
            }
        }
    }

    @Test("POST to an unknown product is 404; a malformed body is 400")
    func writeErrors() async throws {
        try await withRedis(.fake) { redis in
            try await withCatalogApp(redisURL: redis.url, database: ProductDatabase()) { _, client in
                let missing = try await client.post("/products/nope", json: #"{"priceCents": 1}"#)
                #expect(missing.status == 404)
                let malformed = try await client.post("/products/1", json: "{")
                #expect(malformed.status == 400)
            }
        }
    }
}
