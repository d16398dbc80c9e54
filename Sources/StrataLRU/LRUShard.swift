import StrataCache
import StrataSync

/// One lock and the LRU state it guards: the whole of an ``LRUCache``, one stripe of a
/// ``StripedLRUCache``. Non-copyable, so a striped cache can keep its shards inline in one
/// allocation and reach them without reference counting.
@usableFromInline
struct LRUShard<Key: Hashable & Sendable, Value: Sendable>: ~Copyable, Sendable {
    @usableFromInline let lock: StrataMutex<LRUStorage<Key, Value>>

    @inlinable
    init(capacity: Int, maxCost: Int?) {
        lock = StrataMutex(LRUStorage(capacity: capacity, maxCost: maxCost))
    }

    // Each operation takes the key's hash (`LRUStorage.hash(_:)`) from the caller, computed
    // before the lock is taken: a striped cache has it already, from picking the stripe.

    @inlinable @inline(__always)
    func get(_ key: Key, hash: UInt32) -> Value? {
        lock.withLock { $0.get(key, hash: hash) }
    }

    @inlinable
    func get<Result: Sendable>(
        _ key: Key, hash: UInt32, reading body: @Sendable (borrowing Value) -> Result
    ) -> Result? {
        lock.withLock { $0.get(key, hash: hash, reading: body) }
    }

    @inlinable
    func peek(_ key: Key, hash: UInt32) -> Value? {
        lock.withLock { $0.peek(key, hash: hash) }
    }

    /// Stores the entry; returns what it evicted, for delivery after the lock is released.
    @inlinable @inline(__always)
    func set(_ key: Key, _ value: Value, hash: UInt32, cost: Int) -> Evicted<Key, Value> {
        lock.withLock { state in
            var evicted = Evicted<Key, Value>()
            state.set(key, value, hash: hash, cost: cost, evicted: &evicted)
            return evicted
        }
    }

    @inlinable
    func remove(_ key: Key, hash: UInt32) -> Value? {
        lock.withLock { $0.remove(key, hash: hash) }
    }

    @usableFromInline
    func removeAll() {
        lock.withLock { $0.removeAll() }
    }

    @usableFromInline
    var count: Int {
        lock.withLock { $0.count }
    }

    @usableFromInline
    var totalCost: Int {
        lock.withLock { $0.totalCost }
    }

    @usableFromInline
    var statistics: CacheStatistics {
        lock.withLock {
            CacheStatistics(hits: $0.hits, misses: $0.misses, evictions: $0.evictions, expirations: $0.expirations)
        }
    }

    @usableFromInline
    func keysByRecency() -> [Key] {
        lock.withLock { $0.keysByRecency() }
    }
}
