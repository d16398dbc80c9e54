/// A count-min sketch of 4-bit counters that estimates how often keys were seen recently.
///
/// Its memory is fixed when it is created (32 to 64 bytes of counters per entry of the cache it
/// serves, the table being a power of two, plus 20 to 40 doorkeeper bits per entry), however
/// many distinct keys it sees. Every
/// `sampleSize` (40 times the capacity) recorded accesses all counters are halved, so old
/// popularity fades (TinyLFU aging). A small Bloom
/// filter, the doorkeeper, absorbs the first sighting of a key, so one-hit wonders do not
/// crowd the counters.
///
/// ```swift
/// var sketch = FrequencySketch<Int>(capacity: 1_000)
/// sketch.record(42)
/// sketch.estimate(42)  // 1
/// ```
///
/// - Complexity: `record` and `estimate` are O(1); the periodic halving is O(size of the table),
///   amortized O(1) per recorded access.
public struct FrequencySketch<Key: Hashable>: Sendable {
    // Key is only a type tag for the keyed conveniences; the table holds no keys.
    /// Counters, 16 per word, 4 bits each.
    @usableFromInline var table: [UInt64]
    /// The doorkeeper: one bit per slot, cleared at each halving.
    @usableFromInline var doorkeeper: [UInt64]
    @usableFromInline let tableMask: Int
    @usableFromInline let doorkeeperMask: Int
    @usableFromInline var additions: Int
    /// How many recorded accesses between two halvings.
    public let sampleSize: Int

    /// Creates a sketch sized for a cache of `capacity` entries.
    ///
    /// The table holds 64 four-bit counters per entry (rounded up to a power of two). A long
    /// halving period with a wide table measured best on the reference traces: it separates
    /// keys near the admission boundary, whose counts per period are small.
    ///
    /// - Parameters:
    ///   - capacity: the number of entries of the cache the sketch serves.
    ///   - sampleSizeMultiplier: the halving period, in multiples of `capacity`.
    @inlinable
    public init(capacity: Int, sampleSizeMultiplier: Int = 40) {
        let slots = Swift.max(capacity, 64)
        let words = Self.nextPowerOfTwo(slots * 4)
        table = [UInt64](repeating: 0, count: words)
        tableMask = words - 1
        let doorkeeperBits = Self.nextPowerOfTwo(Swift.max(slots * sampleSizeMultiplier / 2, 64 * 64))
        doorkeeper = [UInt64](repeating: 0, count: doorkeeperBits / 64)
        doorkeeperMask = doorkeeperBits - 1
        sampleSize = Swift.max(slots * sampleSizeMultiplier, 1)
        additions = 0
    }

    /// The estimated number of recent accesses to `key`, from 0 to 16.
    @inlinable
    public func estimate(_ key: Key) -> Int {
        estimate(hash: Self.spread(key.hashValue))
    }

    /// Records one access to `key`.
    @inlinable
    public mutating func record(_ key: Key) {
        record(hash: Self.spread(key.hashValue))
    }

    /// The estimate for the key whose 64-bit hash is `hash` (see ``record(hash:)``).
    @inlinable
    public func estimate(hash: UInt64) -> Int {
        var minimum = 15
        let block = Int(truncatingIfNeeded: hash) & tableMask
        for depth in 0..<4 {
            let (word, shift) = position(hash: hash, block: block, depth: depth)
            minimum = Swift.min(minimum, Int((table[word] >> shift) & 0xF))
        }
        return minimum + (doorkeeperContains(hash) ? 1 : 0)
    }

    /// Records an access for the key whose 64-bit hash is `hash`: for callers that hash keys
    /// themselves (a fixed hash makes runs reproducible; `hashValue` is seeded per process).
    /// The hash must be well mixed in all 64 bits.
    @inlinable
    public mutating func record(hash: UInt64) {
        if !doorkeeperInsert(hash) {
            // First sighting since the last halving: the doorkeeper remembers it, counters stay.
            countAddition()
            return
        }
        // Conservative update: only the smallest counters grow, which keeps estimates tight.
        let block = Int(truncatingIfNeeded: hash) & tableMask
        var minimum = 15
        for depth in 0..<4 {
            let (word, shift) = position(hash: hash, block: block, depth: depth)
            minimum = Swift.min(minimum, Int((table[word] >> shift) & 0xF))
        }
        guard minimum < 15 else {
            countAddition()
            return
        }
        for depth in 0..<4 {
            let (word, shift) = position(hash: hash, block: block, depth: depth)
            if Int((table[word] >> shift) & 0xF) == minimum {
                table[word] &+= 1 << shift
            }
        }
        countAddition()
    }

    /// Forgets everything.
    @inlinable
    public mutating func clear() {
        for index in table.indices { table[index] = 0 }
        for index in doorkeeper.indices { doorkeeper[index] = 0 }
        additions = 0
    }

    @inlinable
    mutating func countAddition() {
        additions += 1
        if additions >= sampleSize {
            halve()
        }
    }

    /// Halves every counter and clears the doorkeeper: popularity decays over time.
    @inlinable
    mutating func halve() {
        for index in table.indices {
            table[index] = (table[index] >> 1) & 0x7777_7777_7777_7777
        }
        for index in doorkeeper.indices { doorkeeper[index] = 0 }
        additions /= 2
    }

    /// The word and bit shift of the counter for `depth`. The four counters of a key live in
    /// four neighbouring words of one 32-byte block, one counter per word.
    @inlinable
    func position(hash: UInt64, block: Int, depth: Int) -> (Int, UInt64) {
        let word = (block & ~3 | depth) & tableMask
        let nibble = (hash >> (UInt64(depth) &* 8 &+ 32)) & 0xF
        return (word, nibble << 2)
    }

    @inlinable
    func doorkeeperContains(_ hash: UInt64) -> Bool {
        let (a, b) = doorkeeperBits(hash)
        return doorkeeper[a >> 6] & (1 << UInt64(a & 63)) != 0 && doorkeeper[b >> 6] & (1 << UInt64(b & 63)) != 0
    }

    /// Sets the key's doorkeeper bits; returns whether they were all set already.
    @inlinable
    mutating func doorkeeperInsert(_ hash: UInt64) -> Bool {
        let (a, b) = doorkeeperBits(hash)
        let maskA: UInt64 = 1 << UInt64(a & 63)
        let maskB: UInt64 = 1 << UInt64(b & 63)
        let present = doorkeeper[a >> 6] & maskA != 0 && doorkeeper[b >> 6] & maskB != 0
        doorkeeper[a >> 6] |= maskA
        doorkeeper[b >> 6] |= maskB
        return present
    }

    @inlinable
    func doorkeeperBits(_ hash: UInt64) -> (Int, Int) {
        let rehash = hash &* 0x9E37_79B9_7F4A_7C15
        let a = Int(truncatingIfNeeded: rehash >> 20) & doorkeeperMask
        let b = Int(truncatingIfNeeded: rehash >> 40) & doorkeeperMask
        return (a, b)
    }

    /// Mixes a `hashValue` so that its high and low bits are both well distributed.
    @inlinable
    package static func spread(_ hashValue: Int) -> UInt64 {
        var x = UInt64(bitPattern: Int64(hashValue))
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    @inlinable
    static func nextPowerOfTwo(_ value: Int) -> Int {
        value <= 1 ? 1 : 1 << (Int.bitWidth - (value - 1).leadingZeroBitCount)
    }
}
