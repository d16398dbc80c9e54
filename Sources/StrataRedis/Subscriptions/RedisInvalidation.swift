/// How the server decides which keys to report (`CLIENT TRACKING`).
public enum RedisTrackingMode: Sendable, Hashable {
    /// Report the keys this client has read (the server remembers them per connection).
    case `default`
    /// Report every change to keys starting with one of the prefixes, read or not (`BCAST`).
    /// An empty list means every key.
    case broadcast(prefixes: [String])
}

/// An event of server-assisted client-side caching.
public enum RedisInvalidation: Sendable, Hashable {
    /// These keys changed, expired or were deleted: drop any local copy.
    case keys([[UInt8]])
    /// The database was flushed: drop every local copy.
    case all
    /// Redis Cluster only: these hash slots moved to another node (a resharding or a failover):
    /// drop the local copies of every key in them (``RedisClusterSlot/init(key:)``).
    case slots([RedisClusterSlot])
    /// Invalidations may have been missed (the tracking connection, or a connection whose reads
    /// were tracked, was lost): drop every local copy, and cache nothing until ``trackingResumed``.
    case trackingLost(RedisClientError)
    /// Tracking works again; what is read from now on is tracked.
    case trackingResumed
}

/// The invalidations of client-side caching, as an async sequence. Leaving the loop (or dropping
/// the sequence) stops listening. When more than `bufferSize` events wait, older ones are dropped
/// and a ``RedisInvalidation/trackingLost(_:)`` is delivered in their place, so a slow consumer
/// flushes rather than keeps stale data.
public struct RedisInvalidations: AsyncSequence, Sendable {
    public typealias Element = RedisInvalidation

    let stream: AsyncStream<RedisInvalidation>

    public func makeAsyncIterator() -> AsyncStream<RedisInvalidation>.Iterator {
        stream.makeAsyncIterator()
    }
}
