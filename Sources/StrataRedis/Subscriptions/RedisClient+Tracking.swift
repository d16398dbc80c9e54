import Synchronization

/// A running client-side caching session; ``stop()`` ends it.
public final class RedisTracking: Sendable {
    private let active: @Sendable () -> Bool
    private let ending: @Sendable () async -> Void
    private let stopped = Atomic<Bool>(false)

    init(hub: TrackingHub, id: UInt64) {
        self.active = { hub.isActive }
        self.ending = { await hub.stop(id) }
    }

    /// A session made of others (a cluster's, one per node).
    init(active: @escaping @Sendable () -> Bool, stop: @escaping @Sendable () async -> Void) {
        self.active = active
        self.ending = stop
    }

    /// Whether invalidations are flowing now (false between a loss and its recovery).
    public var isActive: Bool { active() && !stopped.load(ordering: .relaxed) }

    /// Stops listening; the last listener turns tracking off on the server.
    public func stop() async {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        await ending()
    }
}

extension RedisClient {
    /// Turns on server-assisted client-side caching (`CLIENT TRACKING`) and calls `handler` with
    /// every invalidation, on the client's I/O thread (keep it short: drop entries, do not await).
    ///
    /// In ``RedisTrackingMode/default`` mode the server reports the keys this client read through
    /// any of its pooled connections; in ``RedisTrackingMode/broadcast(prefixes:)`` mode, every
    /// change under the prefixes. `noLoop` leaves out changes made by this client itself.
    ///
    /// Every shared connection is tracked before this returns, and so is every connection opened
    /// or leased afterwards. A lease taken before tracking started and still held (a
    /// ``withConnection(_:)`` body that is running) stays untracked until it ends: the reads it
    /// makes are not reported. Its connection is closed when it comes back, never leased again.
    ///
    /// - Parameters:
    ///   - mode: which keys the server reports: those read here, or every key under some prefixes.
    ///   - noLoop: leave out changes made by this client itself (`NOLOOP`).
    ///   - healthCheckInterval: how often the tracking connection is pinged; a silent link is
    ///     reported as ``RedisInvalidation/trackingLost(_:)`` within two intervals.
    ///   - handler: called with every invalidation, on the client's I/O thread.
    public func startTracking(
        mode: RedisTrackingMode = .default,
        noLoop: Bool = false,
        healthCheckInterval: Duration = .seconds(1),
        handler: @escaping @Sendable (RedisInvalidation) -> Void
    ) async throws -> RedisTracking {
        let options = TrackingHub.Options(mode: mode, noLoop: noLoop, healthCheckInterval: healthCheckInterval)
        let id = try await tracking.start(options, listener: handler)
        return RedisTracking(hub: tracking, id: id)
    }

    /// Turns on client-side caching and returns its invalidations as an async sequence. Ending the
    /// iteration stops listening.
    public func invalidations(
        mode: RedisTrackingMode = .default,
        noLoop: Bool = false,
        healthCheckInterval: Duration = .seconds(1),
        bufferSize: Int = 4096
    ) async throws -> RedisInvalidations {
        let (stream, continuation) = AsyncStream<RedisInvalidation>.makeStream(
            bufferingPolicy: .bufferingNewest(max(2, bufferSize)))
        let overflowed = Atomic<Bool>(false)
        let session = try await startTracking(mode: mode, noLoop: noLoop, healthCheckInterval: healthCheckInterval) {
            event in
            if case .dropped = continuation.yield(event), !overflowed.exchange(true, ordering: .relaxed) {
                // Events were dropped: whatever they said is unknown now.
                continuation.yield(
                    .trackingLost(
                        RedisClientError(.subscriptionLost, "invalidations were dropped: the consumer fell behind")))
                overflowed.store(false, ordering: .relaxed)
            }
        }
        continuation.onTermination = { _ in Task { await session.stop() } }
        return RedisInvalidations(stream: stream)
    }
}
