/// The deadlines of a ``TTLCache``'s entries: a binary min-heap with O(1) lookup by key.
///
/// Entries are dense (a removed entry's slot is filled by the last one) and the heap holds
/// entry indices, so sifting moves integers, not keys. One entry per key, so its size is at
/// most the base store's entry count (the TTL layer drops keys the base evicts).
@usableFromInline
struct ExpiryHeap<Key: Hashable> {
    @usableFromInline
    struct Entry {
        @usableFromInline var key: Key
        @usableFromInline var deadline: Int64
        @usableFromInline var heapIndex: Int32

        @inlinable
        init(key: Key, deadline: Int64, heapIndex: Int32) {
            self.key = key
            self.deadline = deadline
            self.heapIndex = heapIndex
        }
    }

    @usableFromInline var slots: [Key: Int32] = [:]
    @usableFromInline var entries: ContiguousArray<Entry> = []
    @usableFromInline var heap: [Int32] = []

    @inlinable var count: Int { entries.count }

    /// The earliest deadline, if any.
    @inlinable var earliestDeadline: Int64? {
        heap.first.map { entries[Int($0)].deadline }
    }

    /// The earliest entry's key.
    @inlinable var earliestKey: Key? {
        heap.first.map { entries[Int($0)].key }
    }

    /// Sets `key`'s deadline, adding the key if needed.
    @inlinable
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
    @inlinable
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

    @inlinable
    mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
    }

    @inlinable
    func less(_ a: Int, _ b: Int) -> Bool {
        entries[Int(heap[a])].deadline < entries[Int(heap[b])].deadline
    }

    @inlinable
    mutating func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        entries[Int(heap[a])].heapIndex = Int32(a)
        entries[Int(heap[b])].heapIndex = Int32(b)
    }

    @inlinable
    mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    @inlinable
    mutating func siftDown(_ start: Int) {
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
