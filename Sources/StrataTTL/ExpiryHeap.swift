/// The deadlines of a ``TTLCache``'s entries: a binary min-heap with O(1) lookup by key.
///
/// Entries are dense (a removed entry's slot is filled by the last one) and the heap holds
/// entry indices, so sifting moves integers, not keys. One entry per key, so its size is at
/// most the base store's entry count (the TTL layer drops keys the base evicts).
struct ExpiryHeap<Key: Hashable> {
    private struct Entry {
        var key: Key
        var deadline: Int64
        var heapIndex: Int32
    }

    private var slots: [Key: Int32] = [:]
    private var entries: ContiguousArray<Entry> = []
    private var heap: [Int32] = []

    var count: Int { entries.count }

    /// The earliest deadline, if any.
    var earliestDeadline: Int64? {
        heap.first.map { entries[Int($0)].deadline }
    }

    /// The earliest entry's key.
    var earliestKey: Key? {
        heap.first.map { entries[Int($0)].key }
    }

    /// Sets `key`'s deadline, adding the key if needed.
    mutating func schedule(_ key: Key, deadline: Int64) {
        if let slot = slots[key] {
            let old = entries[Int(slot)].deadline
            entries[Int(slot)].deadline = deadline
            let position = Int(entries[Int(slot)].heapIndex)
            if deadline < old { siftUp(position) } else { siftDown(position) }
            return
        }
        let slot = Int32(entries.count)
        entries.append(Entry(key: key, deadline: deadline, heapIndex: Int32(heap.count)))
        slots[key] = slot
        heap.append(slot)
        siftUp(heap.count - 1)
    }

    /// Forgets `key`.
    mutating func cancel(_ key: Key) {
        guard let slot = slots.removeValue(forKey: key) else { return }
        // Take it out of the heap: move the heap's last element into its position.
        let position = Int(entries[Int(slot)].heapIndex)
        let lastPosition = heap.count - 1
        if position != lastPosition {
            heap[position] = heap[lastPosition]
            entries[Int(heap[position])].heapIndex = Int32(position)
        }
        heap.removeLast()
        if position < heap.count {
            let moved = heap[position]
            siftUp(position)
            siftDown(Int(entries[Int(moved)].heapIndex))
        }
        // Keep entries dense: move the last entry into the freed slot.
        let lastSlot = Int32(entries.count - 1)
        if slot != lastSlot {
            let moved = entries[Int(lastSlot)]
            entries[Int(slot)] = moved
            slots[moved.key] = slot
            heap[Int(moved.heapIndex)] = slot
        }
        entries.removeLast()
    }

    mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        entries[Int(heap[a])].deadline < entries[Int(heap[b])].deadline
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        entries[Int(heap[a])].heapIndex = Int32(a)
        entries[Int(heap[b])].heapIndex = Int32(b)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var smallest = left
            if left + 1 < heap.count && less(left + 1, left) { smallest = left + 1 }
            guard less(smallest, parent) else { return }
            swapAt(smallest, parent)
            parent = smallest
        }
    }
}
