// The index of `LRUStorage`: an open-addressing hash table with linear probing.
//
// Each entry of `table` packs a key's 32-bit hash (high half) and its node's index (low
// half); `emptyEntry` marks a free position. A key's probe run starts at its home position,
// `hash & tableMask`, and goes forward, wrapping at the end, until it finds the key or an
// empty position. The invariant: every entry sits at or after its home with no empty
// position in between. Because entries carry their hashes, a probe compares hashes before it
// visits a node to compare keys, and deletion repairs the invariant by backward shifting
// (moving later entries of the run back into the hole) without visiting nodes or hashing.
// The table starts at `initialTablePositions` (or smaller, for a small capacity) and doubles
// whenever it would pass `maximumLoad`, up to its size for `capacity` entries, so it always has
// an empty position to end a probe. Doubling re-places entries by their stored hashes: no key
// is hashed again.

import StrataCache

extension LRUStorage {
    /// The highest fraction of table positions in use, reached when the cache is full.
    static var maximumLoad: Double { 0.6 }

    /// A free table position. No entry equals it: node indices stay below `Int32.max`.
    @inlinable static var emptyEntry: UInt64 { .max }

    /// The table's size before any entry arrives, when `capacity` needs a larger one.
    static var initialTablePositions: Int { 1024 }

    /// The entry count at which a table of `positions` doubles; `.max` at its final size.
    @usableFromInline
    static func growthThreshold(positions: Int, final: Int) -> Int {
        positions >= final ? .max : Int(Double(positions) * maximumLoad)
    }

    /// Doubles the table, re-placing every entry by its stored hash.
    @usableFromInline
    mutating func growTable() {
        let oldTable = table
        let oldPositions = tableMask + 1
        let positions = oldPositions * 2
        table = .allocate(capacity: positions)
        table.initialize(repeating: Self.emptyEntry, count: positions)
        tableMask = positions - 1
        tableGrowsAt = Self.growthThreshold(positions: positions, final: finalTablePositions)
        for old in 0..<oldPositions where oldTable[old] != Self.emptyEntry {
            let entry = oldTable[old]
            var position = Int(truncatingIfNeeded: entry >> 32) & tableMask
            while table[position] != Self.emptyEntry { position = (position &+ 1) & tableMask }
            table[position] = entry
        }
        oldTable.deallocate()
    }

    /// The number of table positions for `capacity` entries: a power of two, at most 2^32
    /// (as `capacity` is below 2^31), so a 32-bit hash always holds a key's whole home.
    @usableFromInline
    static func tablePositions(forCapacity capacity: Int) -> Int {
        let needed = Swift.max(Int((Double(capacity) / maximumLoad).rounded(.up)), capacity + 1)
        var positions = 2
        while positions < needed { positions <<= 1 }
        return positions
    }

    /// The hash the table uses for `key`: the low 32 bits of its seeded `hashValue`.
    @inlinable
    static func hash(_ key: Key) -> UInt32 {
        UInt32(truncatingIfNeeded: key.hashValue)
    }

    /// The table entry for node `slot`, whose key hashes to `hash`.
    @inlinable
    static func entry(hash: UInt32, slot: Int32) -> UInt64 {
        UInt64(hash) << 32 | UInt64(UInt32(bitPattern: slot))
    }

    /// The node index holding `key`, or -1.
    @inlinable
    func find(_ key: Key, hash: UInt32) -> Int32 {
        probe(key, hash: hash).slot
    }

    /// The table position holding `key` and its node index, or the empty position that ends
    /// its probe run (where it would be inserted) and -1.
    @inlinable @inline(__always)
    func probe(_ key: Key, hash: UInt32) -> (position: Int, slot: Int32) {
        var position = Int(hash) & tableMask
        while true {
            let entry = table[position]
            if entry == Self.emptyEntry { return (position, -1) }
            if UInt32(truncatingIfNeeded: entry >> 32) == hash {
                let slot = Int32(truncatingIfNeeded: entry)
                if nodes[Int(slot)].key == key { return (position, slot) }
            }
            position = (position &+ 1) & tableMask
        }
    }

    /// The table position of node `slot`, whose key hashes to `hash`; the node must be in the table.
    @inlinable
    func tablePosition(of slot: Int32, hash: UInt32) -> Int {
        let entry = Self.entry(hash: hash, slot: slot)
        var position = Int(hash) & tableMask
        while table[position] != entry { position = (position &+ 1) & tableMask }
        return position
    }

    /// Empties the table entry at `position` (see `PackedHashTable.remove`); returns the
    /// position that ends up empty: the only one that was not empty before.
    @inlinable @discardableResult
    mutating func tableRemove(at position: Int) -> Int {
        PackedHashTable.remove(at: position, in: table, mask: tableMask)
    }
}
