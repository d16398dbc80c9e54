import ServiceLifecycle
import StrataTiers

/// A `TieredCache` as a swift-service-lifecycle `Service`: `run()` starts its coherence links
/// (`start()`), waits for graceful shutdown, then stops them (`shutdown()`).
///
/// ```swift
/// let group = ServiceGroup(
///     services: [RedisClientService(redis), TieredCacheService(pages), myServer], logger: logger)
/// try await group.run()
/// ```
///
/// The cache's Redis clients are not its own: run them as ``RedisClientService``s placed before
/// the cache, so that on shutdown the cache stops (publishing its last invalidations) before
/// the clients close. If `start()` fails (Redis unreachable, say), `run()` throws and the group
/// shuts down; cancelled while starting, it returns.
public struct TieredCacheService<Value: Sendable>: Service {
    /// The cache this service runs.
    public let cache: TieredCache<Value>

    /// A service that runs `cache` until graceful shutdown.
    public init(_ cache: TieredCache<Value>) {
        self.cache = cache
    }

    /// Starts the cache's coherence links, waits for graceful shutdown (or cancellation), then
    /// shuts the cache down and returns.
    ///
    /// - Throws: What `TieredCache.start()` throws, unless the task was cancelled meanwhile (then
    ///   `run()` returns). Either way the cache is shut down first, so nothing it started is left.
    public func run() async throws {
        do {
            try await cache.start()
        } catch {
            await cache.shutdown()
            if Task.isCancelled { return }
            throw error
        }
        // Throws only when the task is cancelled: the cache shuts down just the same.
        try? await gracefulShutdown()
        await cache.shutdown()
    }
}
