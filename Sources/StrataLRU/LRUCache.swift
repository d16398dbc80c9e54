import StrataCache
import StrataSync

/// A bounded least-recently-used cache, safe to share across threads and tasks.
///
/// Entries are bounded by count and, optionally, by a total cost that a weigher assigns to
/// each entry (for example its size in bytes). When a bound is exceeded the least recently
/// used entries are evicted and handed to the eviction listener, which runs after the lock
/// is released.
///
/// ```swift
/// let cache = LRUCache<String, [UInt8]>(capacity: 10_000, maxCost: 64 << 20) { _, value in value.count }
/// cache.set("user:1", Array("Ada".utf8))
/// cache.get("user:1")  // the bytes, now most recently used
/// ```
///
/// One lock (a `StrataMutex`, from the internal StrataSync module) guards the whole cache; under
/// heavy contention from many threads use ``StripedLRUCache``.
///
/// - Complexity: `get`, `peek`, `set` and `remove` are O(1) (a `set` that grows the storage
///   amortized). A hit does not allocate, nor does a set once the cache is full.
public final class LRUCache<Key: Hashable & Sendable, Value: Sendable>: LocalStore {
    @usableFromInline let shard: LRUShard<Key, Value>
    @usableFromInline let weigher: (@Sendable (Key, Value) -> Int)?
    @usableFromInline let onEvict: (@Sendable (Key, Value) -> Void)?

    /// The maximum number of entries.
    public let capacity: Int
    /// The maximum total cost, if the cache weighs its entries.
    public let maxCost: Int?

    /// Creates a cache of at most `capacity` entries.
    ///
    /// - Parameters:
    ///   - capacity: the maximum number of entries. Storage grows with the entries up to it, so
    ///     a generous bound costs memory only for what the cache holds; once full, nothing
    ///     is allocated again.
    ///   - onEvict: called with each entry evicted to make room, outside the lock.
    public init(capacity: Int, onEvict: (@Sendable (Key, Value) -> Void)? = nil) {
        self.capacity = capacity
        maxCost = nil
        weigher = nil
        self.onEvict = onEvict
        shard = LRUShard(capacity: capacity, maxCost: nil)
    }

    /// Creates a cache bounded by entry count and by total cost.
    ///
    /// - Parameters:
    ///   - capacity: the maximum number of entries.
    ///   - maxCost: the maximum sum of the entries' costs. A single entry costlier than this is
    ///     still stored (alone).
    ///   - onEvict: called with each entry evicted to make room, outside the lock.
    ///   - weigher: the cost of an entry, computed once when it is set; must not be negative.
    public init(
        capacity: Int,
        maxCost: Int,
        onEvict: (@Sendable (Key, Value) -> Void)? = nil,
        weigher: @escaping @Sendable (Key, Value) -> Int
    ) {
        self.capacity = capacity
        self.maxCost = maxCost
        self.weigher = weigher
        self.onEvict = onEvict
        shard = LRUShard(capacity: capacity, maxCost: maxCost)
    }

    /// The value for `key`, marked most recently used; counts a hit or a miss.
    @inlinable
    public func get(_ key: Key) -> Value? {
        shard.get(key, hash: LRUStorage<Key, Value>.hash(key))
    }

    /// What `body` reads from the value for `key`, marked most recently used; counts a hit or
    /// a miss. `body` runs under the cache's lock and borrows the value in place, so reading a
    /// few fields of a large value copies only those.
    @inlinable
    package func get<Result: Sendable>(_ key: Key, reading body: @Sendable (borrowing Value) -> Result) -> Result? {
        shard.get(key, hash: LRUStorage<Key, Value>.hash(key), reading: body)
    }

    /// The value for `key`, without changing its recency or the statistics.
    @inlinable
    public func peek(_ key: Key) -> Value? {
        shard.peek(key, hash: LRUStorage<Key, Value>.hash(key))
    }

    /// Stores `value` for `key` as the most recently used entry, evicting what no longer fits.
    @inlinable
    public func set(_ key: Key, _ value: Value, evicted: (Key, Value) -> Void) {
        let cost = weigher.map { $0(key, value) } ?? 0
        precondition(cost >= 0, "a weigher must not return a negative cost")
        let dropped = shard.set(key, value, hash: LRUStorage<Key, Value>.hash(key), cost: cost)
        dropped.deliver(to: evicted, listener: onEvict)
    }

    /// Removes the entry for `key` and returns its value (the listener is not called).
    @inlinable @discardableResult
    public func remove(_ key: Key) -> Value? {
        shard.remove(key, hash: LRUStorage<Key, Value>.hash(key))
    }

    /// Removes every entry (the listener is not called); statistics are kept.
    public func removeAll() {
        shard.removeAll()
    }

    /// The number of entries.
    public var count: Int {
        shard.count
    }

    /// The total cost of the entries (0 without a weigher).
    public var totalCost: Int {
        shard.totalCost
    }

    /// Hits, misses and evictions so far.
    public var statistics: CacheStatistics {
        shard.statistics
    }

    /// The keys from most to least recently used. O(n); for tests and debugging.
    public func keysByRecency() -> [Key] {
        shard.keysByRecency()
    }
}
