/// A small LRU of key hashes that estimates the hit ratio plain LRU would reach.
///
/// It sees only the requests whose hash falls in a sample (one in `1 / rate`) and holds
/// `capacity * rate` hashes, so it costs a fixed, small amount of memory (spatial sampling,
/// as in SHARDS). ``HotSetCore`` compares its own hits on the same sampled requests with this
/// estimate to tell when recency beats frequency.
@usableFromInline
struct ShadowLRU {
    @usableFromInline var index: [UInt64: Int32] = [:]
    @usableFromInline var hashes: [UInt64] = []
    @usableFromInline var prev: [Int32] = []
    @usableFromInline var next: [Int32] = []
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
        index.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
        prev.reserveCapacity(capacity)
        next.reserveCapacity(capacity)
    }

    @inlinable
    func samples(_ hash: UInt64) -> Bool {
        (hash >> 48) & sampleMask == 0
    }

    /// Replays one sampled request; returns whether LRU would have hit.
    @inlinable
    mutating func access(_ hash: UInt64) -> Bool {
        if let slot = index[hash] {
            if slot != head {
                unlink(slot)
                pushFront(slot)
            }
            return true
        }
        if hashes.count < capacity {
            let slot = Int32(hashes.count)
            hashes.append(hash)
            prev.append(-1)
            next.append(-1)
            index[hash] = slot
            pushFront(slot)
        } else {
            let slot = tail
            unlink(slot)
            index[hashes[Int(slot)]] = nil
            hashes[Int(slot)] = hash
            index[hash] = slot
            pushFront(slot)
        }
        return false
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
