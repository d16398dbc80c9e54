import StrataCache
import StrataSync

/// Hooks for `TTLCache` (StrataTTL): when its base is an `LRUCache` of values that carry their
/// deadlines, the layer keeps expiry in the cache's own storage through these (see
/// `LRUStorage+Expiry.swift`), so a TTL operation takes this cache's lock and nothing else.
/// Once a layer has called ``adoptExpiry()``, every change must go through these hooks or
/// `removeAll()`.
extension LRUCache where Value: DeadlineCarrying {
    /// Schedules the entries already held, so they expire proactively too.
    package func adoptExpiry() {
        shard.lock.withLock { $0.scheduleAll() }
    }

    /// The value for `key` if its deadline is after `now`, marked most recently used; first
    /// removes up to `sweepBudget` due entries if any is due. An expired entry is removed and
    /// counts as a miss and an expiration.
    @inlinable @inline(__always)
    package func getLive(_ key: Key, now: Int64, sweepBudget: Int) -> Value? {
        let hash = LRUStorage<Key, Value>.hash(key)
        return shard.lock.withLock { $0.get(key, hash: hash, now: now, sweepBudget: sweepBudget) }
    }

    /// Stores `value` for `key` and schedules its deadline; first removes up to `sweepBudget`
    /// due entries if any is due. `evicted` and the listener see what was evicted to make room.
    @inlinable @inline(__always)
    package func setExpiring(
        _ key: Key,
        _ value: Value,
        now: Int64,
        sweepBudget: Int,
        evicted: (Key, Value) -> Void
    ) {
        let cost = weigher.map { $0(key, value) } ?? 0
        precondition(cost >= 0, "a weigher must not return a negative cost")
        let hash = LRUStorage<Key, Value>.hash(key)
        let dropped = shard.lock.withLock { state in
            var evicted = Evicted<Key, Value>()
            state.set(key, value, hash: hash, cost: cost, now: now, sweepBudget: sweepBudget, evicted: &evicted)
            return evicted
        }
        dropped.deliver(to: evicted, listener: onEvict)
    }

    /// Removes the entry for `key` and returns its value, expired or not.
    @inlinable
    package func removeExpiring(_ key: Key) -> Value? {
        let hash = LRUStorage<Key, Value>.hash(key)
        return shard.lock.withLock { $0.removeScheduled(key, hash: hash) }
    }

    /// Removes every entry whose deadline is at or before `now`; returns how many.
    package func purgeExpired(now: Int64) -> Int {
        shard.lock.withLock { $0.sweep(now: now, budget: .max) }
    }

    /// The number of pairs in the expiry schedule, stale ones included (tests).
    package var scheduledCount: Int {
        shard.lock.withLock { $0.schedule.count }
    }
}
