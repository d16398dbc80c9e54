/// What a cache needs of Redis beyond typed commands: a lease for `WATCH`, server-assisted
/// client tracking, and pub/sub. ``RedisClient`` (one server) and ``RedisClusterClient`` (a
/// cluster) both provide it, so a `TieredCache` tier runs on either.
///
/// ```swift
/// func warm(_ redis: some RedisCachingClient) async throws {
///     try await redis.set("greeting", "hello")
///     let tracking = try await redis.startTracking(noLoop: true) { event in print(event) }
///     _ = try await redis.get("greeting")  // now tracked: a change elsewhere is reported
///     await tracking.stop()
/// }
/// ```
public protocol RedisCachingClient: RedisCommandRunner {
    /// Runs `body` on a connection leased for it alone, at the node that serves `key` (for
    /// `WATCH` and transactions). One server ignores the key.
    func withConnection<T>(
        forKey key: String,
        _ body: (RedisLeasedConnection) async throws -> T
    ) async throws -> T

    /// Turns on client tracking and calls `handler` with every invalidation (see
    /// ``RedisClient/startTracking(mode:noLoop:healthCheckInterval:handler:)``). A cluster tracks
    /// on every node and merges their reports.
    func startTracking(
        mode: RedisTrackingMode,
        noLoop: Bool,
        healthCheckInterval: Duration,
        handler: @escaping @Sendable (RedisInvalidation) -> Void
    ) async throws -> RedisTracking

    /// `SUBSCRIBE channel...` (a cluster delivers classic pub/sub messages on every node).
    func subscribe(to channels: [String], bufferSize: Int) async throws -> RedisSubscription

    /// The backoff between reconnection attempts, which callers reuse for their own retries.
    var reconnectBackoff: RedisConfiguration.Backoff { get }
}

extension RedisClient: RedisCachingClient {
    /// Runs `body` on a leased connection; one server needs no key (see ``withConnection(_:)``).
    public func withConnection<T>(
        forKey key: String,
        _ body: (RedisLeasedConnection) async throws -> T
    ) async throws -> T {
        try await withConnection(body)
    }

    /// The configured ``RedisConfiguration/reconnectBackoff``.
    public var reconnectBackoff: RedisConfiguration.Backoff { configuration.reconnectBackoff }
}

extension RedisClusterClient: RedisCachingClient {
    /// Runs `body` on a lease at the node that owns `key`'s slot, for `WATCH` and transactions.
    public func withConnection<T>(
        forKey key: String,
        _ body: (RedisLeasedConnection) async throws -> T
    ) async throws -> T {
        try await onLease(slot: RedisClusterSlot(key: key), retryOnMove: false, body)
    }

    /// The node configuration's ``RedisConfiguration/reconnectBackoff``.
    public var reconnectBackoff: RedisConfiguration.Backoff { configuration.node.reconnectBackoff }
}
