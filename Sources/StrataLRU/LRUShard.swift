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

    @inlinable
    func get(_ key: Key) -> Value? {
        lock.withLock { $0.get(key) }
    }

    @inlinable
    func get<Result: Sendable>(_ key: Key, reading body: @Sendable (borrowing Value) -> Result) -> Result? {
        lock.withLock { $0.get(key, reading: body) }
    }

    @inlinable
    func peek(_ key: Key) -> Value? {
        lock.withLock { $0.peek(key) }
    }

    /// Stores the entry; returns what it evicted, for delivery after the lock is released.
    @inlinable
    func set(_ key: Key, _ value: Value, cost: Int) -> Evicted<Key, Value> {
        lock.withLock { state in
            var evicted = Evicted<Key, Value>()
            state.set(key, value, cost: cost, evicted: &evicted)
            return evicted
        }
    }

    @inlinable
    func remove(_ key: Key) -> Value? {
        lock.withLock { $0.remove(key) }
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
        lock.withLock { CacheStatistics(hits: $0.hits, misses: $0.misses, evictions: $0.evictions) }
    }

    @usableFromInline
    func keysByRecency() -> [Key] {
        lock.withLock { $0.keysByRecency() }
    }
}
