import StrataCache

/// An LRU cache split into independently locked stripes, for many threads at once.
///
/// A key always lives in the stripe its hash selects, so threads working on different keys
/// rarely wait for each other. Each stripe is an ``LRUCache`` holding an equal share of the
/// capacity; recency is tracked per stripe, so eviction is LRU within a stripe (an
/// approximation of global LRU that is close for more than a few hundred entries per stripe).
///
/// ```swift
/// let cache = StripedLRUCache<Int, String>(capacity: 100_000, stripes: 16)
/// cache.set(1, "one")
/// ```
///
/// - Complexity: O(1) per operation, plus hashing the key once more to pick the stripe.
public final class StripedLRUCache<Key: Hashable & Sendable, Value: Sendable>: LocalStore {
    @usableFromInline let stripes: [LRUCache<Key, Value>]
    @usableFromInline let mask: Int

    /// The total capacity: the sum of the stripes' capacities.
    public let capacity: Int

    /// Creates a striped cache.
    ///
    /// - Parameters:
    ///   - capacity: the total maximum number of entries, shared equally by the stripes
    ///     (rounded up to a multiple of the stripe count).
    ///   - stripes: the number of stripes, rounded up to a power of two; by default 16.
    ///   - onEvict: called with each evicted entry, outside the stripe's lock.
    public init(capacity: Int, stripes: Int = 16, onEvict: (@Sendable (Key, Value) -> Void)? = nil) {
        precondition(capacity > 0 && stripes > 0, "capacity and stripes must be positive")
        var count = 1
        while count < stripes { count <<= 1 }
        let perStripe = (capacity + count - 1) / count
        self.stripes = (0..<count).map { _ in LRUCache(capacity: perStripe, onEvict: onEvict) }
        mask = count - 1
        self.capacity = perStripe * count
    }

    @inlinable
    func stripe(for key: Key) -> LRUCache<Key, Value> {
        // The high bits pick the stripe; the dictionary inside uses the low ones.
        let hash = UInt(bitPattern: key.hashValue)
        return stripes[Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask]
    }

    /// The number of stripes.
    public var stripeCount: Int { stripes.count }

    /// The value for `key`, marked most recently used in its stripe.
    @inlinable
    public func get(_ key: Key) -> Value? {
        stripe(for: key).get(key)
    }

    /// The value for `key`, without side effects.
    @inlinable
    public func peek(_ key: Key) -> Value? {
        stripe(for: key).peek(key)
    }

    /// Stores `value` for `key`, evicting from the key's stripe if it is full.
    @inlinable
    public func set(_ key: Key, _ value: Value, evicted: (Key, Value) -> Void) {
        stripe(for: key).set(key, value, evicted: evicted)
    }

    /// Removes the entry for `key` and returns its value.
    @inlinable @discardableResult
    public func remove(_ key: Key) -> Value? {
        stripe(for: key).remove(key)
    }

    /// Removes every entry, stripe by stripe (not atomically across stripes).
    public func removeAll() {
        for stripe in stripes { stripe.removeAll() }
    }

    /// The number of entries, summed over the stripes (not an atomic snapshot).
    public var count: Int {
        stripes.reduce(0) { $0 + $1.count }
    }

    /// The stripes' statistics, summed.
    public var statistics: CacheStatistics {
        stripes.reduce(CacheStatistics()) { $0 + $1.statistics }
    }
}
