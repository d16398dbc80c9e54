import StrataCache

/// An LRU cache split into independently locked stripes, for many threads at once.
///
/// A key always lives in the stripe its hash selects, so threads working on different keys
/// rarely wait for each other. Each stripe holds an equal share of the capacity; recency is
/// tracked per stripe, so eviction is LRU within a stripe (an approximation of global LRU
/// that is close for more than a few hundred entries per stripe). The stripes sit inline in
/// one allocation, each on its own cache lines, so an operation touches no reference count
/// and no line that another stripe's lock writes.
///
/// ```swift
/// let cache = StripedLRUCache<Int, String>(capacity: 100_000, stripes: 16)
/// cache.set(1, "one")
/// ```
///
/// - Complexity: O(1) per operation; the key is hashed once, for both the stripe and its table.
public final class StripedLRUCache<Key: Hashable & Sendable, Value: Sendable>: LocalStore, @unchecked Sendable {
    // @unchecked: the stripes are reached through a pointer that never changes after init,
    // and each stripe's state is only touched under its own lock.

    /// The first stripe; stripe `i` starts `i * stride` bytes further.
    @usableFromInline let base: UnsafeMutableRawPointer
    /// Bytes from one stripe to the next: whole cache lines, so stripes share none.
    @usableFromInline let stride: Int
    @usableFromInline let mask: Int
    @usableFromInline let onEvict: (@Sendable (Key, Value) -> Void)?

    /// The total capacity: the sum of the stripes' capacities.
    public let capacity: Int

    /// The number of stripes.
    public let stripeCount: Int

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
        let line = 128  // two 64-byte lines: adjacent-line prefetch pairs them on x86
        stride = (MemoryLayout<LRUShard<Key, Value>>.stride + line - 1) / line * line
        base = UnsafeMutableRawPointer.allocate(
            byteCount: stride * count,
            alignment: Swift.max(line, MemoryLayout<LRUShard<Key, Value>>.alignment)
        )
        for index in 0..<count {
            (base + index * stride).bindMemory(to: LRUShard<Key, Value>.self, capacity: 1)
                .initialize(to: LRUShard(capacity: perStripe, maxCost: nil))
        }
        mask = count - 1
        stripeCount = count
        self.capacity = perStripe * count
        self.onEvict = onEvict
    }

    deinit {
        for index in 0..<stripeCount {
            shard(at: index).deinitialize(count: 1)
        }
        base.deallocate()
    }

    @inlinable
    func shard(at index: Int) -> UnsafeMutablePointer<LRUShard<Key, Value>> {
        (base + index &* stride).assumingMemoryBound(to: LRUShard<Key, Value>.self)
    }

    /// The stripe of `key` and the hash its stripe's table uses, from one `hashValue`: the high
    /// bits (mixed) pick the stripe, the low 32 bits are the table's hash.
    @inlinable
    func shard(for key: Key) -> (shard: UnsafeMutablePointer<LRUShard<Key, Value>>, hash: UInt32) {
        let hash = UInt(bitPattern: key.hashValue)
        let index = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
        return (shard(at: index), UInt32(truncatingIfNeeded: hash))
    }

    /// The value for `key`, marked most recently used in its stripe.
    @inlinable
    public func get(_ key: Key) -> Value? {
        let (shard, hash) = shard(for: key)
        return shard.pointee.get(key, hash: hash)
    }

    /// The value for `key`, without side effects.
    @inlinable
    public func peek(_ key: Key) -> Value? {
        let (shard, hash) = shard(for: key)
        return shard.pointee.peek(key, hash: hash)
    }

    /// Stores `value` for `key`, evicting from the key's stripe if it is full.
    @inlinable
    public func set(_ key: Key, _ value: Value, evicted: (Key, Value) -> Void) {
        let (shard, hash) = shard(for: key)
        let dropped = shard.pointee.set(key, value, hash: hash, cost: 0)
        dropped.deliver(to: evicted, listener: onEvict)
    }

    /// Removes the entry for `key` and returns its value.
    @inlinable @discardableResult
    public func remove(_ key: Key) -> Value? {
        let (shard, hash) = shard(for: key)
        return shard.pointee.remove(key, hash: hash)
    }

    /// Removes every entry, stripe by stripe (not atomically across stripes).
    public func removeAll() {
        for index in 0..<stripeCount { shard(at: index).pointee.removeAll() }
    }

    /// The number of entries, summed over the stripes (not an atomic snapshot).
    public var count: Int {
        (0..<stripeCount).reduce(0) { $0 + shard(at: $1).pointee.count }
    }

    /// The stripes' statistics, summed.
    public var statistics: CacheStatistics {
        (0..<stripeCount).reduce(CacheStatistics()) { $0 + shard(at: $1).pointee.statistics }
    }
}
