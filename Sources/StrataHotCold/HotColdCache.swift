import StrataCache

/// A colder tier (Redis, or any `CacheTier` from StrataCache) fronted by a ``HotSet`` of its
/// hottest keys.
///
/// Reads are served from the hot set when it has a live copy; otherwise the colder tier is
/// read and the value offered for promotion. Writes and removals go to the colder tier and
/// drop the hot copy, so the hot set never serves a value that was changed through the cache.
/// Call ``invalidate(_:)`` when the colder tier reports a change made elsewhere (for example a
/// Redis client-tracking invalidation).
///
/// ```swift
/// let cold = LocalStoreTier(LRUCache<String, [UInt8]>(capacity: 1_000_000))
/// let cache = HotColdCache(cold: cold, hotCapacity: 10_000, hotTTL: .seconds(5))
/// try await cache.set("user:1", Array("Ada".utf8), ttl: nil)
/// let bytes = try await cache.get("user:1")
/// ```
public final class HotColdCache<Cold: CacheTier>: CacheTier {
    /// The key type.
    public typealias Key = Cold.Key
    /// The value type.
    public typealias Value = Cold.Value

    /// The hot set in front of the colder tier.
    public let hot: HotSet<Key, Value>
    /// The colder tier.
    public let cold: Cold

    /// Fronts `cold` with a new hot set of `hotCapacity` entries whose copies live `hotTTL`.
    public init(
        cold: Cold,
        hotCapacity: Int,
        hotTTL: Duration? = nil,
        promotionThreshold: Int = 2,
        clock: any CacheClock = MonotonicCacheClock()
    ) {
        self.cold = cold
        hot = HotSet(capacity: hotCapacity, ttl: hotTTL, promotionThreshold: promotionThreshold, clock: clock)
    }

    /// Fronts `cold` with an existing hot set.
    public init(cold: Cold, hot: HotSet<Key, Value>) {
        self.cold = cold
        self.hot = hot
    }

    /// The value for `key`: the hot copy if live, else the colder tier's (offered for promotion).
    public func get(_ key: Key) async throws -> Value? {
        switch hot.lookup(key) {
        case .hit(let value):
            return value
        case .miss(let ticket):
            guard let value = try await cold.get(key) else { return nil }
            hot.offer(key, value, ticket: ticket)
            return value
        }
    }

    /// Writes `value` to the colder tier and drops the hot copy.
    public func set(_ key: Key, _ value: Value, ttl: Duration?) async throws {
        hot.invalidate(key)
        defer { hot.invalidate(key) }
        try await cold.set(key, value, ttl: ttl)
    }

    /// Removes `key` from the colder tier and drops the hot copy.
    public func remove(_ key: Key) async throws {
        hot.invalidate(key)
        defer { hot.invalidate(key) }
        try await cold.remove(key)
    }

    /// Drops the hot copy of `key` (the colder tier changed it, or dropped it, elsewhere).
    public func invalidate(_ key: Key) {
        hot.invalidate(key)
    }
}
