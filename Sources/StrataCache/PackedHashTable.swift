/// The deletion that StrataLRU's and StrataHotCold's indexes share: open-addressing tables with
/// linear probing whose entries pack a key's 32-bit hash (high half) above its node's slot (low
/// half), `UInt64.max` marking a free position. Every entry sits at or after its home position,
/// `hash & mask`, with no free position in between.
@usableFromInline package enum PackedHashTable {
    /// Empties `position` of `table`, shifting later entries of its run back so that every key
    /// stays reachable from its home (no tombstones, no re-hashing). Returns the position that
    /// ends up free: the only one that was not free before.
    @inlinable @discardableResult
    package static func remove(at position: Int, in table: UnsafeMutablePointer<UInt64>, mask: Int) -> Int {
        var hole = position
        var next = (position &+ 1) & mask
        while true {
            let entry = table[next]
            if entry == .max { break }
            // The entry may fill the hole if the hole lies in its run: from its home up to
            // where it sits, which is as far from its home as the hole is, or farther.
            let home = Int(truncatingIfNeeded: entry >> 32) & mask
            if (next &- home) & mask >= (next &- hole) & mask {
                table[hole] = entry
                hole = next
            }
            next = (next &+ 1) & mask
        }
        table[hole] = .max
        return hole
    }
}
