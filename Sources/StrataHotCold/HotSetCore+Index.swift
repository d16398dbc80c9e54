// The index of `HotSetCore`: an open-addressing hash table with linear probing, the same
// scheme as StrataLRU's (`LRUStorage+HashTable.swift`), keyed by the sketch hash so a read
// hashes its key once for the index and the sketch.
//
// Each entry packs the low 32 bits of a key's sketch hash (high half) and its node's slot (low
// half); `emptyEntry` marks a free position. A key's probe run starts at its home position,
// `hash & tableMask`, and goes forward, wrapping at the end, until it finds the key or an empty
// position. The invariant: every entry sits at or after its home with no empty position in
// between. Deletion repairs it by backward shifting, without visiting nodes or hashing. The
// table is sized once for `capacity + 1` entries at a load of at most 0.6, so a probe always
// ends at an empty position.

import StrataCache

extension HotSetCore {
    /// A free table position. No entry equals it: slots stay below `Int32.max`.
    @inlinable static var emptyEntry: UInt64 { .max }

    /// The number of table positions for `entries` entries: a power of two, load at most 0.6.
    @inlinable
    static func tablePositions(forCapacity entries: Int) -> Int {
        let needed = Swift.max(Int((Double(entries) / 0.6).rounded(.up)), entries + 1)
        var positions = 2
        while positions < needed { positions <<= 1 }
        return positions
    }

    /// The table entry for node `slot`, whose key's sketch hash is `hash`.
    @inlinable
    static func entry(hash: UInt64, slot: Int32) -> UInt64 {
        (hash & 0xFFFF_FFFF) << 32 | UInt64(UInt32(bitPattern: slot))
    }

    /// The table position holding `key` and its slot, or the empty position that ends its
    /// probe run (where it would be inserted) and -1.
    @inlinable
    func probe(_ key: Key, hash: UInt64) -> (position: Int, slot: Int32) {
        let tag = hash & 0xFFFF_FFFF
        var position = Int(truncatingIfNeeded: hash) & tableMask
        while true {
            let entry = table[position]
            if entry == Self.emptyEntry { return (position, -1) }
            if entry >> 32 == tag {
                let slot = Int32(truncatingIfNeeded: entry)
                if nodes[Int(slot)].key == key { return (position, slot) }
            }
            position = (position &+ 1) & tableMask
        }
    }

    /// Adds node `slot`, whose key (not yet in the table) has the sketch hash `hash`.
    @inlinable
    mutating func tableInsert(_ slot: Int32, hash: UInt64) {
        var position = Int(truncatingIfNeeded: hash) & tableMask
        while table[position] != Self.emptyEntry { position = (position &+ 1) & tableMask }
        table[position] = Self.entry(hash: hash, slot: slot)
    }

    /// The table position of node `slot`, whose key's sketch hash is `hash`; it must be there.
    @inlinable
    func tablePosition(of slot: Int32, hash: UInt64) -> Int {
        let entry = Self.entry(hash: hash, slot: slot)
        var position = Int(truncatingIfNeeded: hash) & tableMask
        while table[position] != entry { position = (position &+ 1) & tableMask }
        return position
    }

    /// Empties the table entry at `position` (see `PackedHashTable.remove`).
    @inlinable
    mutating func tableRemove(at position: Int) {
        PackedHashTable.remove(at: position, in: table, mask: tableMask)
    }
}
