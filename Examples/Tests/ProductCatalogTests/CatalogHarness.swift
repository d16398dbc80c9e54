import Foundation
import Hummingbird
import ProductCatalog
import StrataRedis
import StrataTiers

/// Runs `body` with a catalog app serving real HTTP on a free loopback port, reading through its
/// own Redis client to `redisURL`; the app, the cache and the client are shut down afterwards,
/// also when `body` throws.
func withCatalogApp<R: Sendable>(
    redisURL: String,
    database: ProductDatabase,
    options: ProductCatalog.Options = ProductCatalog.Options(),
    _ body: @Sendable (ProductCatalog, HTTPTestClient) async throws -> R
) async throws -> R {
    let redis = try RedisClient(url: redisURL)
    let catalog = ProductCatalog(redis: redis, database: database, options: options)
    do {
        try await catalog.start()
        let (ports, portContinuation) = AsyncStream<Int?>.makeStream()
        let app = buildApplication(
            catalog: catalog, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { port in
                portContinuation.yield(port)
                portContinuation.finish()
            })
        let result = try await withThrowingTaskGroup(of: R?.self) { group in
            // The server runs until the group is cancelled.
            group.addTask {
                try await app.run()
                return nil
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let bound = await iterator.next(), let port = bound else {
                throw TestFailure("the app did not report its port")
            }
            return try await body(catalog, HTTPTestClient(port: port))
        }
        await catalog.shutdown()
        await redis.shutdown()
        return result
    } catch {
        await catalog.shutdown()
        await redis.shutdown()
        throw error
    }
}

/// Runs `body` against a Redis server of `backend`, stopped afterwards even when `body` throws.
/// Starting and stopping block (a real server is a child process), so they run off the pool.
func withRedis<R: Sendable>(_ backend: RedisBackend, _ body: (TestRedis) async throws -> R) async throws -> R {
    let server = try await offThePool { try TestRedis.start(backend) }
    do {
        let result = try await body(server)
        try await offThePool { server.stop() }
        return result
    } catch {
        _ = try? await offThePool { server.stop() }
        throw error
    }
}

/// GETs `path` until the local tier answers (bounded): a load's own write to Redis can come back
/// to the loading instance as an invalidation (Redis' NOLOOP is per connection, and the read and
/// the write may use different pooled connections), dropping its first local copy; the next read
/// refills it from Redis.
func warmLocally(_ client: HTTPTestClient, _ path: String) async throws -> HTTPTestResponse {
    var last: HTTPTestResponse?
    for _ in 0..<50 {
        let response = try await client.get(path)
        if response.header("X-Cache-Tier") == "local" { return response }
        last = response
    }
    throw TestFailure("\(path) never came from the local tier (last: \(last?.header("X-Cache-Tier") ?? "-"))")
}

/// `max-age=N` in a `Cache-Control` value.
func maxAge(in cacheControl: String?) -> Int? {
    guard let cacheControl else { return nil }
    for directive in cacheControl.split(separator: ",") {
        let parts = directive.split(separator: "=", maxSplits: 1)
        if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == "max-age" {
            return Int(parts[1])
        }
    }
    return nil
}

/// The status line and the caching headers, for the test log.
func describe(_ response: HTTPTestResponse, body: Bool = true) -> String {
    var lines = ["  HTTP \(response.status)"]
    for field in response.headers
    where ["cache-control", "etag", "content-type", "x-cache-tier"].contains(field.name.lowercased()) {
        lines.append("  \(field.name): \(field.value)")
    }
    if body && !response.body.isEmpty { lines.append("  \(response.text)") }
    return lines.joined(separator: "\n")
}
