/// A hash table from byte strings to values whose entries live in a contiguous array of slots.
///
/// An entry keeps its slot for as long as it exists, so a slot index is a stable cursor: SCAN
/// walks the slots in order and returns every entry that existed for the whole scan at least
/// once, as Redis promises. Removal leaves a hole; while the table is small
/// (``orderedLimit`` entries or fewer), new entries are appended and holes are compacted away,
/// which keeps insertion order, as Redis' small (listpack) hashes do; a small table is always
/// scanned in one call, so compaction cannot disturb a cursor. A large table refills holes
/// instead, and only trailing holes are trimmed.
///
/// - Complexity: lookup, insertion and removal are O(1) on average; compaction is amortized O(1).
struct SlotTable<Value> {
    struct Entry {
        var key: Bytes
        var value: Value
    }

    /// At or below this many entries the table keeps insertion order.
    static var orderedLimit: Int { 128 }

    /// Whether small tables keep insertion order (hashes, sets); the keyspace does not need it.
    let keepsInsertionOrder: Bool
    private(set) var index: [HashedBytes: Int] = [:]
    private(set) var slots: [Entry?] = []
    private var holes: [Int] = []

    init(keepsInsertionOrder: Bool) {
        self.keepsInsertionOrder = keepsInsertionOrder
    }

    var count: Int { index.count }
    var isEmpty: Bool { index.isEmpty }
    /// The number of slots, holes included: the end of a SCAN.
    var slotCount: Int { slots.count }

    @inline(__always)
    func find(_ key: Bytes) -> Int? { index[HashedBytes(key)] }

    @inline(__always)
    func value(_ key: Bytes) -> Value? {
        guard let i = index[HashedBytes(key)] else { return nil }
        return slots[i]!.value
    }

    @inline(__always)
    func entry(at slot: Int) -> Entry? { slots[slot] }

    @inline(__always)
    func value(at slot: Int) -> Value { slots[slot]!.value }

    @inline(__always)
    func key(at slot: Int) -> Bytes { slots[slot]!.key }

    /// Replaces the value in an occupied slot.
    @inline(__always)
    mutating func setValue(_ value: Value, at slot: Int) {
        slots[slot]!.value = value
    }

    /// Calls `body` with the value in an occupied slot, for in-place changes.
    @inline(__always)
    mutating func modify<R>(at slot: Int, _ body: (inout Value) -> R) -> R {
        body(&slots[slot]!.value)
    }

    /// Inserts a new entry (the key must not be present) and returns its slot.
    @discardableResult
    mutating func insert(_ key: Bytes, _ value: Value) -> Int {
        if !keepsInsertionOrder || index.count >= Self.orderedLimit {
            while let hole = holes.popLast() {
                guard hole < slots.count, slots[hole] == nil else { continue }
                slots[hole] = Entry(key: key, value: value)
                index[HashedBytes(key)] = hole
                return hole
            }
        }
        let slot = slots.count
        slots.append(Entry(key: key, value: value))
        index[HashedBytes(key)] = slot
        return slot
    }

    /// Sets the value for a key, inserting it when absent. Returns the slot and whether it was new.
    @discardableResult
    mutating func set(_ key: Bytes, _ value: Value) -> (slot: Int, inserted: Bool) {
        if let slot = index[HashedBytes(key)] {
            slots[slot]!.value = value
            return (slot, false)
        }
        return (insert(key, value), true)
    }

    /// Removes the entry in `slot` and returns it.
    @discardableResult
    mutating func remove(at slot: Int) -> Entry {
        let entry = slots[slot].take()!
        index.removeValue(forKey: HashedBytes(entry.key))
        holes.append(slot)
        tidy()
        return entry
    }

    /// Removes the entry for `key`, if any, and returns its value.
    @discardableResult
    mutating func remove(_ key: Bytes) -> Value? {
        guard let slot = index[HashedBytes(key)] else { return nil }
        return remove(at: slot).value
    }

    mutating func removeAll() {
        index = [:]
        slots = []
        holes = []
    }

    /// The live entries in slot order.
    var entries: some Sequence<Entry> { slots.lazy.compactMap { $0 } }

    /// The live slots in order.
    var occupiedSlots: some Sequence<Int> { slots.indices.lazy.filter { slots[$0] != nil } }

    /// Keeps holes in check: trims trailing ones, and compacts a small table.
    private mutating func tidy() {
        while let last = slots.last, last == nil {
            slots.removeLast()
        }
        let holeCount = slots.count - index.count
        if holeCount == 0 {
            holes.removeAll(keepingCapacity: true)
        } else if keepsInsertionOrder && index.count <= Self.orderedLimit && holeCount > 8 && holeCount > index.count {
            compact()
        } else if holes.count > 2 * holeCount + 16 {
            // Trimming left stale holes behind: list the real ones again.
            holes = slots.indices.filter { slots[$0] == nil }
        }
    }

    private mutating func compact() {
        var fresh: [Entry?] = []
        fresh.reserveCapacity(index.count)
        for case let entry? in slots {
            index[HashedBytes(entry.key)] = fresh.count
            fresh.append(entry)
        }
        slots = fresh
        holes.removeAll()
    }
}

extension Optional {
    /// Returns the wrapped value and leaves `nil` behind.
    @inline(__always)
    fileprivate mutating func take() -> Wrapped? {
        let value = self
        self = nil
        return value
    }
}

/// A byte string as a dictionary key, hashed in one call over its bytes: `[UInt8]`'s own
/// `hash(into:)` feeds the hasher one byte at a time, which cost more than the rest of a GET's
/// lookup (callgrind, `redis-benchmark -t get -P 16`).
struct HashedBytes: Hashable {
    let bytes: Bytes

    @inline(__always)
    init(_ bytes: Bytes) { self.bytes = bytes }

    @inline(__always)
    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    @inline(__always)
    static func == (a: HashedBytes, b: HashedBytes) -> Bool { a.bytes == b.bytes }
}
