import ServiceLifecycle
import StrataRedis

/// A ``StrataRedis/RedisClient`` as a swift-service-lifecycle `Service`: it runs the client's
/// background work (idle health checks, connections opening, client tracking) as child tasks of
/// the service group, and shuts the client down on graceful shutdown.
///
/// ```swift
/// let redis = try RedisClient(url: "redis://127.0.0.1:6379")
/// let group = ServiceGroup(services: [RedisClientService(redis), myServer], logger: logger)
/// try await group.run()
/// ```
///
/// On graceful shutdown (or cancellation) the commands in flight finish, within the client's
/// grace period (five seconds), then every connection closes and later commands fail with
/// `shutdown`. The service group shuts services down in the reverse order of the list: put the
/// client before the services that use it (a ``TieredCacheService`` over it, the HTTP server).
///
/// A client runs in one place only: if it already runs elsewhere (`RedisClient.run()`) or was
/// shut down, `run()` returns at once, which a service group treats as the service ending.
public struct RedisClientService: Service {
    /// The client this service runs.
    public let client: RedisClient

    /// A service that runs `client` until graceful shutdown.
    public init(_ client: RedisClient) {
        self.client = client
    }

    /// Runs the client's background work until graceful shutdown or cancellation, then shuts the
    /// client down and returns.
    public func run() async {
        let client = self.client
        await cancelWhenGracefulShutdown { await client.run() }
    }
}
