import StrataCache

extension LRUStorage {
    /// Every broken invariant of the nodes, the recency list and the hash table, described;
    /// empty when the storage is consistent. O(capacity); for tests.
    func invariantViolations() -> [String] {
        var problems: [String] = []
        // The recency list visits every node once, with consistent back links.
        var seen = [Bool](repeating: false, count: count)
        var previous: Int32 = -1
        var slot = head
        var steps = 0
        while slot >= 0 && steps <= count {
            if Int(slot) >= count {
                problems.append("list reaches slot \(slot) past the \(count) nodes")
                break
            }
            if seen[Int(slot)] { problems.append("list visits slot \(slot) twice") }
            seen[Int(slot)] = true
            if nodes[Int(slot)].prev != previous {
                problems.append("slot \(slot) links back to \(nodes[Int(slot)].prev), not \(previous)")
            }
            previous = slot
            slot = nodes[Int(slot)].next
            steps += 1
        }
        if previous != tail { problems.append("the list ends at \(previous), but tail is \(tail)") }
        if steps != count { problems.append("the list has \(steps) nodes, storage \(count)") }
        // Every node's stored hash is its key's, and the table finds it.
        for index in 0..<count {
            let key = nodes[index].key
            if hashes[index] != Self.hash(key) { problems.append("slot \(index) keeps a stale hash") }
            if find(key, hash: Self.hash(key)) != Int32(index) { problems.append("slot \(index) is not found") }
        }
        // The table holds each node exactly once, with its hash, and no empty position splits
        // any probe run.
        var entries = 0
        var inTable = [Bool](repeating: false, count: count)
        for position in 0...tableMask where table[position] != Self.emptyEntry {
            let hash = UInt32(truncatingIfNeeded: table[position] >> 32)
            let slot = Int(UInt32(truncatingIfNeeded: table[position]))
            entries += 1
            guard slot < count else {
                problems.append("position \(position) holds slot \(slot) past the nodes")
                continue
            }
            if inTable[slot] { problems.append("slot \(slot) is in the table twice") }
            inTable[slot] = true
            if hash != Self.hash(nodes[slot].key) { problems.append("position \(position) has a wrong hash") }
            var run = Int(hash) & tableMask
            while run != position {
                if table[run] == Self.emptyEntry {
                    problems.append("an empty position splits the run of slot \(slot)")
                    break
                }
                run = (run + 1) & tableMask
            }
        }
        if entries != count { problems.append("the table has \(entries) entries, storage \(count)") }
        if weighs {
            if costs.count != count { problems.append("\(costs.count) costs for \(count) nodes") }
            if costs.reduce(0, +) != totalCost { problems.append("the costs do not sum to totalCost") }
        }
        return Array(problems.prefix(20))  // a broken table breaks everything: the first few tell
    }
}

extension LRUStorage where Value: DeadlineCarrying {
    /// Every node with a finite deadline that has no live pair in the expiry schedule, and a
    /// schedule larger than its compaction threshold, described; empty when consistent. For
    /// tests.
    func scheduleViolations() -> [String] {
        var problems: [String] = []
        var scheduled = Set<Int32>()
        for pair in schedule.entries where Int(pair.key) < count && deadline(of: pair.key) == pair.deadline {
            scheduled.insert(pair.key)
        }
        for slot in 0..<Int32(count) where deadline(of: slot) != .max && !scheduled.contains(slot) {
            problems.append("slot \(slot) (deadline \(deadline(of: slot))) has no pair in the schedule")
        }
        if schedule.count > schedule.compactionThreshold {
            problems.append("the schedule holds \(schedule.count) pairs, past \(schedule.compactionThreshold)")
        }
        return Array(problems.prefix(20))
    }
}
