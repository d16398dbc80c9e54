// Test hooks of `HotSet` (package access): internal consistency and the policy's decisions.

extension HotSet {
    /// Every inconsistency of the engine's structures (lists, index, counts); empty if none.
    package func _invariantViolations() -> [String] {
        state.withLock { $0.core.invariantViolations() }
    }

    /// How often a shift of popularity was detected (and the sketch reset).
    package var _shifts: Int {
        state.withLock { $0.core.shifts }
    }
}

extension ShadowLRU {
    /// Replays `hashes` through a shadow for a cache of `cacheCapacity` entries: per hash,
    /// `nil` if it is not sampled, else whether the shadow LRU hit. Also its capacity.
    package static func _replay(
        _ hashes: [UInt64],
        cacheCapacity: Int,
        budget: Int
    ) -> (capacity: Int, hits: [Bool?]) {
        var shadow = ShadowLRU(cacheCapacity: cacheCapacity, budget: budget)
        let hits = hashes.map { shadow.samples($0) ? shadow.access($0) : nil }
        return (shadow.capacity, hits)
    }
}
