import StrataCache

// Expiry kept in the storage itself, for values that carry their deadline (`Expiring`, from
// StrataTTL): what `TTLCache` uses when its base is an `LRUCache`, so a TTL operation takes
// one lock, probes one table and touches one node.
//
// The deadline is read from the value in the node, so it costs no memory beside it and a hit
// reads no other line. For proactive expiry, `schedule` is a lazily swept heap of
// `(deadline, node index)` pairs: writing an entry with a finite deadline pushes one pair (O(1)
// when deadlines arrive in order, as they do with one TTL and a monotonic clock). A pair is
// *live* while the node at its index holds a value with its deadline; any other is stale (its
// entry was evicted, removed, set again, or moved) and is dropped when reached. A node index
// may be reused by another entry with the very same deadline: that entry is then due when
// the pair is, so removing it is still right. Every live node with a finite deadline has a
// live pair: a node moved into a freed index (storage stays dense) gets a pair for its new
// index. Compaction keeps one live pair per node (a bit per node marks those already kept),
// so the heap holds at most twice the live entries (or `minimumCompactionThreshold`) and is
// paid for by the pushes since the previous compaction: O(1) amortized per write.
//
// Only these methods keep `schedule` right: an expiring storage must be changed through them
// (or `removeAll`). A plain `remove` or cost-bound `set` may move a node without giving it a
// pair, which only leaves that entry to lazy expiry.

extension LRUStorage where Value: DeadlineCarrying {
    /// The deadline of the value in node `slot`.
    @inlinable
    func deadline(of slot: Int32) -> Int64 {
        nodes[Int(slot)].value.deadlineNanoseconds
    }

    /// Gives node `slot` a pair in the schedule, unless its value never expires.
    @inlinable
    mutating func scheduleNode(_ slot: Int32) {
        let due = deadline(of: slot)
        guard due != .max else { return }
        schedule.push(slot, deadline: due)
        if schedule.needsCompaction { compactSchedule() }
    }

    /// Schedules every node (when a TTL layer takes over a storage that already holds entries).
    @usableFromInline
    mutating func scheduleAll() {
        schedule.removeAll()
        for slot in 0..<Int32(count) { scheduleNode(slot) }
    }

    /// The live value for `key`, moved to the front, after a sweep if anything is due. An
    /// expired entry is removed and counts as a miss and an expiration.
    @inlinable
    mutating func get(_ key: Key, hash: UInt32, now: Int64, sweepBudget: Int) -> Value? {
        // The hit stays small enough to inline; sweeping and expiring are out of line.
        if now >= schedule.earliestDeadline { sweep(now: now, budget: sweepBudget) }
        let slot = find(key, hash: hash)
        guard slot >= 0 else {
            misses &+= 1
            return nil
        }
        guard deadline(of: slot) > now else {
            expire(slot, hash: hash)
            return nil
        }
        hits &+= 1
        if slot != head {  // moveToFront, inline: the call would cost a tenth of the hit
            unlink(slot)
            pushFront(slot)
        }
        return nodes[Int(slot)].value
    }

    /// Removes node `slot`, which a read found expired: a miss and an expiration.
    @inlinable @inline(never)
    mutating func expire(_ slot: Int32, hash: UInt32) {
        misses &+= 1
        expirations &+= 1
        _ = removeScheduled(slot, at: tablePosition(of: slot, hash: hash))
    }

    /// Inserts or replaces, after a sweep if anything is due, and schedules the new deadline;
    /// appends the entries it evicts to make room to `evicted`.
    @inlinable
    mutating func set(
        _ key: Key,
        _ value: Value,
        hash: UInt32,
        cost: Int,
        now: Int64,
        sweepBudget: Int,
        evicted: inout Evicted<Key, Value>
    ) {
        if now >= schedule.earliestDeadline { sweep(now: now, budget: sweepBudget) }
        scheduleNode(place(key, value, hash: hash, cost: cost, evicted: &evicted))
        while totalCost > maxCost && count > 1 {
            let entry = removeScheduled(tail, at: tablePosition(of: tail, hash: hashes[Int(tail)]))
            evictions &+= 1
            evicted.append(entry.key, entry.value)
        }
    }

    /// Removes `key`; returns its value, expired or not.
    @inlinable
    mutating func removeScheduled(_ key: Key, hash: UInt32) -> Value? {
        let (position, slot) = probe(key, hash: hash)
        guard slot >= 0 else { return nil }
        return removeScheduled(slot, at: position).value
    }

    /// Removes node `slot` (table entry at `position`); the node moved into its index, if any,
    /// gets a pair for that index.
    @inlinable
    mutating func removeScheduled(_ slot: Int32, at position: Int) -> Node {
        let removed = removeSlot(slot, at: position)
        if Int(slot) < count { scheduleNode(slot) }
        return removed
    }

    /// Removes up to `budget` entries whose deadline is at or before `now`, earliest first,
    /// popping at most `4 * budget` pairs (stale ones are dropped on the way: each removal
    /// that moves a node leaves one); returns how many entries it removed (each counts as an
    /// expiration).
    @inlinable @inline(never) @discardableResult
    mutating func sweep(now: Int64, budget: Int) -> Int {
        var removed = 0
        var popped = 0
        let popLimit = budget > Int.max / 4 ? Int.max : budget &* 4
        while removed < budget, popped < popLimit, let due = schedule.popDue(now: now) {
            popped += 1
            let slot = due.key
            guard Int(slot) < count, deadline(of: slot) == due.deadline else { continue }
            _ = removeScheduled(slot, at: tablePosition(of: slot, hash: hashes[Int(slot)]))
            removed += 1
        }
        expirations &+= removed
        return removed
    }

    /// Keeps one live pair per node and drops the rest.
    @inlinable
    mutating func compactSchedule() {
        // Taken out while in use, so the heap and the marks are not both borrowed from `self`.
        var marks: [UInt64] = []
        swap(&marks, &scheduleMarks)
        defer { swap(&marks, &scheduleMarks) }
        if marks.count < (count + 63) / 64 {
            marks = [UInt64](repeating: 0, count: (nodeCapacity + 63) / 64)
        } else {
            marks.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        let count = count
        let nodes = nodes
        marks.withUnsafeMutableBufferPointer { marks in
            schedule.compact(
                keeping: { pair in
                    let slot = Int(pair.key)
                    guard slot < count, nodes[slot].value.deadlineNanoseconds == pair.deadline else { return false }
                    let bit: UInt64 = 1 << (slot & 63)
                    guard marks[slot >> 6] & bit == 0 else { return false }
                    marks[slot >> 6] |= bit
                    return true
                },
                liveLimit: .max
            )
        }
    }
}
