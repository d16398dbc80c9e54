// Test hooks: the engine's invariants, checked by the tests after random operations.

extension HotSetCore {
    /// Every way the engine's structures disagree with each other; empty when consistent.
    package mutating func invariantViolations() -> [String] {
        drainReads()
        var problems: [String] = []
        if count > capacity { problems.append("count \(count) above capacity \(capacity)") }
        var seen = [Bool](repeating: false, count: count)
        var listed = 0
        for region in [Region.window, .probation, .protected] {
            let list = lists[Int(region.rawValue)]
            var slot = list.head
            var previous: Int32 = -1
            var length = 0
            while slot >= 0 && length <= count {
                if Int(slot) >= count {
                    problems.append("\(region) links slot \(slot) beyond count \(count)")
                    break
                }
                if seen[Int(slot)] { problems.append("slot \(slot) linked twice") }
                seen[Int(slot)] = true
                if nodes[Int(slot)].region != region { problems.append("slot \(slot) in \(region) says otherwise") }
                if nodes[Int(slot)].prev != previous { problems.append("slot \(slot) has a wrong prev") }
                previous = slot
                slot = nodes[Int(slot)].next
                length += 1
            }
            if list.tail != previous { problems.append("\(region) tail is wrong") }
            if list.count != length { problems.append("\(region) count \(list.count) but \(length) linked") }
            listed += length
        }
        if listed != count { problems.append("\(listed) nodes linked of \(count)") }
        var entries = 0
        for position in 0...tableMask where table[position] != Self.emptyEntry {
            entries += 1
            let slot = Int32(truncatingIfNeeded: table[position])
            guard slot >= 0, Int(slot) < count else {
                problems.append("table entry for slot \(slot) beyond count")
                continue
            }
            if Self.entry(hash: nodes[Int(slot)].hash, slot: slot) != table[position] {
                problems.append("table entry at \(position) does not match slot \(slot)")
            }
            if probe(nodes[Int(slot)].key, hash: nodes[Int(slot)].hash).slot != slot {
                problems.append("slot \(slot) not reachable from its home")
            }
        }
        if entries != count { problems.append("table holds \(entries) entries for \(count) nodes") }
        return problems
    }
}
