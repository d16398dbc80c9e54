/// Deadlines of cache entries: a binary min-heap of `(deadline, key)` pairs, swept lazily.
/// Shared by the cache layers (package-level): `TTLCache` (StrataTTL) keys it by the entries'
/// keys over any store, and `LRUCache`'s storage (StrataLRU) by node index when it carries
/// expiring values.
///
/// There is no index from key to heap position. Setting a key pushes a new pair and leaves
/// any older pair for that key in place; an entry the store evicts keeps its pair too.
/// Such pairs are *stale*: the store no longer holds that key with that deadline. The owner
/// recognizes them when they reach the top (it compares the pair's deadline with the one the
/// store holds) and drops them. So a set costs one push (O(1) when deadlines arrive in order,
/// as they do with one TTL and a monotonic clock) instead of index updates and a sift in the
/// middle of the heap on every set and eviction.
///
/// Stale pairs must not pile up when the same keys are set again and again, so the owner
/// calls ``compact(keeping:liveLimit:)`` when ``needsCompaction`` says the heap has reached
/// twice its size after the last compaction (and at least ``minimumCompactionThreshold``).
/// A compaction keeps one pair per live key and is O(n), paid for by the n/2 pushes since the
/// previous one: O(1) amortized per set, and the heap never holds more than
/// `2 * max(liveKeys, minimumCompactionThreshold / 2)` pairs.
@usableFromInline
package struct ExpiryHeap<Key: Hashable> {
    @usableFromInline
    package struct Entry {
        @usableFromInline package var deadline: Int64
        @usableFromInline package var key: Key

        @inlinable
        package init(deadline: Int64, key: Key) {
            self.deadline = deadline
            self.key = key
        }
    }

    /// The pairs, in heap order: each deadline is at most its children's.
    @usableFromInline package var entries: ContiguousArray<Entry> = []
    /// The size at which the heap must be compacted.
    @usableFromInline package var compactionThreshold = Self.minimumCompactionThreshold

    /// An empty heap.
    @inlinable
    package init() {}

    /// The smallest heap that is ever compacted: below it, stale pairs cost less than a scan.
    @inlinable package static var minimumCompactionThreshold: Int { 64 }

    @inlinable package var count: Int { entries.count }

    /// The earliest deadline, or `Int64.max` when the heap is empty.
    @inlinable package var earliestDeadline: Int64 {
        entries.first?.deadline ?? .max
    }

    /// Whether the heap has grown enough since the last compaction to compact it now.
    @inlinable package var needsCompaction: Bool { entries.count >= compactionThreshold }

    /// Adds a pair.
    @inlinable
    package mutating func push(_ key: Key, deadline: Int64) {
        entries.append(Entry(deadline: deadline, key: key))
        let last = entries.count - 1
        // The usual case, a deadline no earlier than its parent's, needs no sift.
        if last > 0 && deadline < entries[(last - 1) / 2].deadline { siftUp(last) }
    }

    /// Removes and returns the earliest pair, if its deadline is at or before `now`.
    @inlinable
    package mutating func popDue(now: Int64) -> Entry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return last }
        entries[0] = last
        siftDown(0)
        return first
    }

    /// Keeps the pairs `isLive` accepts, one per key, and sets the next threshold.
    ///
    /// `liveLimit` is how many live keys there can be (the base store's entry count): more
    /// kept pairs than that means duplicates (one key set twice at the same instant), which are
    /// then removed, so the heap stays bounded even on a clock that does not move.
    @inlinable
    package mutating func compact(keeping isLive: (Entry) -> Bool, liveLimit: Int) {
        var kept = 0
        entries.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices where isLive(buffer[index]) {
                if index != kept { buffer.swapAt(index, kept) }
                kept += 1
            }
        }
        entries.removeLast(entries.count - kept)
        if kept > liveLimit {
            var seen = Set<Entry>(minimumCapacity: kept)
            entries.removeAll { !seen.insert($0).inserted }
        }
        heapify()
        compactionThreshold = Swift.max(2 * entries.count, Self.minimumCompactionThreshold)
    }

    @inlinable
    package mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        compactionThreshold = Self.minimumCompactionThreshold
    }

    /// Restores heap order over the whole array, bottom up: O(n).
    @inlinable
    package mutating func heapify() {
        var index = entries.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    @inlinable
    package mutating func siftUp(_ start: Int) {
        entries.withUnsafeMutableBufferPointer { buffer in
            let moving = (buffer.baseAddress! + start).move()
            var child = start
            while child > 0 {
                let parent = (child - 1) / 2
                guard moving.deadline < buffer[parent].deadline else { break }
                (buffer.baseAddress! + child).moveInitialize(from: buffer.baseAddress! + parent, count: 1)
                child = parent
            }
            (buffer.baseAddress! + child).initialize(to: moving)
        }
    }

    @inlinable
    package mutating func siftDown(_ start: Int) {
        entries.withUnsafeMutableBufferPointer { buffer in
            let count = buffer.count
            let base = buffer.baseAddress!
            let moving = (base + start).move()
            var parent = start
            while true {
                let left = 2 * parent + 1
                guard left < count else { break }
                var smallest = left
                if left + 1 < count && base[left + 1].deadline < base[left].deadline { smallest = left + 1 }
                guard base[smallest].deadline < moving.deadline else { break }
                (base + parent).moveInitialize(from: base + smallest, count: 1)
                parent = smallest
            }
            (base + parent).initialize(to: moving)
        }
    }
}

extension ExpiryHeap.Entry: Hashable {}
