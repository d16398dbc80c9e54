import StrataCache

/// A value with the instant it stops being served: what a ``TTLCache`` keeps in its base store.
public struct Expiring<Value: Sendable>: Sendable {
    /// The stored value.
    public var value: Value
    /// When the value expires, on the TTL layer's clock.
    public var deadline: CacheInstant

    /// Wraps `value`, expiring at `deadline`.
    public init(_ value: Value, deadline: CacheInstant) {
        self.value = value
        self.deadline = deadline
    }
}

extension Expiring: DeadlineCarrying {
    /// ``deadline`` in nanoseconds: what an `LRUCache` base reads to keep the expiry itself.
    @inlinable
    package var deadlineNanoseconds: Int64 { deadline.nanoseconds }
}
