/// Something a ``RedisClient`` or a `TieredCache` did, as handed to a ``StrataObserver``.
///
/// Payloads are values that already exist where the event happens, so building an event
/// allocates nothing. Tier names are the tier's configured name (`"local"` for the in-process
/// tier, `"loader"` for the source of truth).
public enum StrataEvent: Sendable {
    // MARK: Client

    /// A connection opened and finished its handshake.
    case connectionOpened(id: Int, endpoint: RedisConfiguration.Endpoint)
    /// An open connection closed (`reason` says why; `shutdown` when the client closed it).
    case connectionClosed(id: Int, endpoint: RedisConfiguration.Endpoint, reason: RedisClientError)
    /// Opening a connection failed (connect, handshake or setup).
    case connectionFailed(endpoint: RedisConfiguration.Endpoint, reason: RedisClientError)
    /// After `failures` consecutive failed attempts, the next connection attempt waits `delay`.
    case reconnectScheduled(endpoint: RedisConfiguration.Endpoint, delay: Duration, failures: Int)
    /// A command on a shared connection finished: its name (`GET`), how long it took from the
    /// caller's point of view, and how it ended.
    case commandFinished(name: String, duration: Duration, outcome: CommandOutcome)
    /// A caller could not get a connection: the pool is at its limits (`reason` says which).
    case poolExhausted(endpoint: RedisConfiguration.Endpoint, reason: RedisClientError)
    /// Client tracking lost its link: invalidations may have been missed.
    case trackingLost(reason: RedisClientError)
    /// Client tracking is back after a loss.
    case trackingResumed

    // MARK: Tiers

    /// A tier answered a read. `duration` is the read's time for Redis tiers, zero for the
    /// local tier (not timed, to keep its hits cheap).
    case tierHit(tier: String, duration: Duration)
    /// A tier did not have the key (or had only an expired entry).
    case tierMiss(tier: String, duration: Duration)
    /// A tier's entry was served past its TTL on purpose (stale-while-revalidate, or fail-safe
    /// when `tier` is `"loader"`).
    case staleServed(tier: String)
    /// A Redis tier failed (or was skipped by its open circuit breaker).
    case tierFailed(tier: String, reason: any Error)
    /// A Redis tier's circuit breaker opened: the tier is skipped for a while.
    case breakerOpened(tier: String)
    /// A Redis tier's circuit breaker closed again: the tier is back in use.
    case breakerClosed(tier: String)
    /// Every local copy was dropped (the coherence link started, was lost or resumed, the server
    /// flushed everything, the regional bus was lost, or the cache shut down).
    case localTierFlushed(reason: StaticString)
    /// The loader returned (a value or "not found") after `duration`.
    case loaderCalled(key: String, duration: Duration)
    /// The loader threw after `duration`.
    case loaderFailed(key: String, duration: Duration, error: any Error)
    /// The loader ran past its timeout after `duration`.
    case loaderTimedOut(key: String, duration: Duration)
    /// Changed keys were announced to other instances on `channel`.
    case invalidationPublished(channel: String, keys: Int)
    /// Another writer's change reached this cache: `keys` keys dropped locally (`0`: all of them).
    case invalidationReceived(keys: Int)

    /// The event's name in snake case (`command_finished`), for logs and metrics.
    public var name: StaticString {
        switch self {
        case .connectionOpened: return "connection_opened"
        case .connectionClosed: return "connection_closed"
        case .connectionFailed: return "connection_failed"
        case .reconnectScheduled: return "reconnect_scheduled"
        case .commandFinished: return "command_finished"
        case .poolExhausted: return "pool_exhausted"
        case .trackingLost: return "tracking_lost"
        case .trackingResumed: return "tracking_resumed"
        case .tierHit: return "tier_hit"
        case .tierMiss: return "tier_miss"
        case .staleServed: return "stale_served"
        case .tierFailed: return "tier_failed"
        case .breakerOpened: return "breaker_opened"
        case .breakerClosed: return "breaker_closed"
        case .localTierFlushed: return "local_tier_flushed"
        case .loaderCalled: return "loader_called"
        case .loaderFailed: return "loader_failed"
        case .loaderTimedOut: return "loader_timed_out"
        case .invalidationPublished: return "invalidation_published"
        case .invalidationReceived: return "invalidation_received"
        }
    }
}

/// How a command ended.
public enum CommandOutcome: Sendable, Hashable, CustomStringConvertible {
    /// A reply arrived (not an error reply).
    case success
    /// The server answered with an error reply (`WRONGTYPE`, `ERR ...`).
    case serverError
    /// The client failed: timeout, closed connection, cancellation, pool exhausted, ...
    case clientError(RedisClientError.Code)

    /// `success`, `server_error`, or `client_error`.
    public var description: String {
        switch self {
        case .success: return "success"
        case .serverError: return "server_error"
        case .clientError: return "client_error"
        }
    }

    /// The outcome of a command that threw `error`.
    static func failure(_ error: any Error) -> CommandOutcome {
        if let error = error as? RedisClientError { return .clientError(error.code) }
        if error is RedisServerError { return .serverError }
        return .clientError(.unexpectedReply)
    }
}
