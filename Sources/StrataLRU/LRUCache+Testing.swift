import StrataCache

extension LRUCache {
    /// Every broken invariant of the cache's storage and hash table; empty when consistent.
    package func _invariantViolations() -> [String] {
        shard.lock.withLock { $0.invariantViolations() }
    }

    /// The number of positions in the cache's hash table (a power of two).
    package var _tablePositions: Int {
        shard.lock.withLock { $0.tableMask + 1 }
    }

    /// How many nodes the cache's storage has room for before it grows again.
    package var _nodeCapacity: Int {
        shard.lock.withLock { $0.nodeCapacity }
    }
}

extension LRUCache where Value: DeadlineCarrying {
    /// Every entry with a deadline that the expiry schedule would miss; empty when consistent.
    package func _scheduleViolations() -> [String] {
        shard.lock.withLock { $0.scheduleViolations() }
    }
}
