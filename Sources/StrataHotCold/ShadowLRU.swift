/// A small LRU of key hashes that estimates the hit ratio plain LRU would reach.
///
/// It sees only the requests whose hash falls in a sample (one in `1 / rate`) and holds
/// `capacity * rate` hashes, so it costs a fixed, small amount of memory (spatial sampling,
/// as in SHARDS). ``HotSetCore`` compares its own hits on the same sampled requests with this
/// estimate to tell when recency beats frequency.
///
/// The hashes are already well mixed, so its index is an open-addressing table of slots probed
/// from bits of the hash itself (no second hashing), with backward-shift deletion; all of its
/// buffers are allocated once and owned by this non-copyable value.
@usableFromInline
package struct ShadowLRU: ~Copyable {
    @usableFromInline let hashes: UnsafeMutablePointer<UInt64>
    @usableFromInline let prev: UnsafeMutablePointer<Int32>
    @usableFromInline let next: UnsafeMutablePointer<Int32>
    /// Slots by position, -1 where empty; a hash's home is `hash >> 8 & tableMask`.
    @usableFromInline let table: UnsafeMutablePointer<Int32>
    @usableFromInline let tableMask: Int
    @usableFromInline var count = 0
    @usableFromInline var head: Int32 = -1
    @usableFromInline var tail: Int32 = -1
    /// How many hashes it holds.
    @usableFromInline let capacity: Int
    /// A request is sampled when `hash >> 48 & sampleMask == 0`.
    @usableFromInline let sampleMask: UInt64

    /// A shadow for a cache of `cacheCapacity` entries, holding at most about `budget` hashes.
    @inlinable
    init(cacheCapacity: Int, budget: Int) {
        var rate = 1
        while cacheCapacity / (rate * 2) >= budget { rate *= 2 }
        sampleMask = UInt64(rate - 1)
        capacity = Swift.max(1, cacheCapacity / rate)
        hashes = .allocate(capacity: capacity)
        prev = .allocate(capacity: capacity)
        next = .allocate(capacity: capacity)
        var positions = 4
        while positions < capacity * 2 { positions <<= 1 }
        table = .allocate(capacity: positions)
        table.initialize(repeating: -1, count: positions)
        tableMask = positions - 1
    }

    @inlinable
    deinit {
        hashes.deallocate()
        prev.deallocate()
        next.deallocate()
        table.deallocate()
    }

    @inlinable
    func samples(_ hash: UInt64) -> Bool {
        (hash >> 48) & sampleMask == 0
    }

    @inlinable
    func home(_ hash: UInt64) -> Int {
        Int(truncatingIfNeeded: hash >> 8) & tableMask
    }

    /// Replays one sampled request; returns whether LRU would have hit.
    @inlinable
    mutating func access(_ hash: UInt64) -> Bool {
        var position = home(hash)
        while true {
            let slot = table[position]
            if slot < 0 { break }
            if hashes[Int(slot)] == hash {
                if slot != head {
                    unlink(slot)
                    pushFront(slot)
                }
                return true
            }
            position = (position &+ 1) & tableMask
        }
        let slot: Int32
        if count < capacity {
            slot = Int32(count)
            count += 1
        } else {
            slot = tail
            unlink(slot)
            removeFromTable(slot)
            // The removal may have shifted entries back: find the empty end of the run again.
            position = home(hash)
            while table[position] >= 0 { position = (position &+ 1) & tableMask }
        }
        hashes[Int(slot)] = hash
        table[position] = slot
        pushFront(slot)
        return false
    }

    /// Removes `slot`'s hash from the table, shifting later entries of its run back.
    @inlinable
    mutating func removeFromTable(_ slot: Int32) {
        var hole = home(hashes[Int(slot)])
        while table[hole] != slot { hole = (hole &+ 1) & tableMask }
        var probe = (hole &+ 1) & tableMask
        while true {
            let entry = table[probe]
            if entry < 0 { break }
            let entryHome = home(hashes[Int(entry)])
            if (probe &- entryHome) & tableMask >= (probe &- hole) & tableMask {
                table[hole] = entry
                hole = probe
            }
            probe = (probe &+ 1) & tableMask
        }
        table[hole] = -1
    }

    @inlinable
    mutating func unlink(_ slot: Int32) {
        let p = prev[Int(slot)]
        let n = next[Int(slot)]
        if p >= 0 { next[Int(p)] = n } else { head = n }
        if n >= 0 { prev[Int(n)] = p } else { tail = p }
    }

    @inlinable
    mutating func pushFront(_ slot: Int32) {
        prev[Int(slot)] = -1
        next[Int(slot)] = head
        if head >= 0 { prev[Int(head)] = slot } else { tail = slot }
        head = slot
    }
}
