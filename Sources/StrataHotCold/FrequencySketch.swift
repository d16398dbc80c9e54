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
    /// The counters and the doorkeeper, in one buffer shared copy-on-write.
    @usableFromInline var storage: Storage
    /// Counters, 16 per word, 4 bits each (`storage`'s first words).
    @inlinable var table: UnsafeMutablePointer<UInt64> { storage.words }
    /// The doorkeeper: one bit per slot, cleared at each halving (after the counters).
    @inlinable var doorkeeper: UnsafeMutablePointer<UInt64> { storage.words + tableMask + 1 }
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
        tableMask = words - 1
        let doorkeeperBits = Self.nextPowerOfTwo(Swift.max(slots * sampleSizeMultiplier / 2, 64 * 64))
        storage = Storage(count: words + doorkeeperBits / 64)
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
        let base = Int(truncatingIfNeeded: hash) & tableMask & ~3
        let table = table
        let counters = Self.counters(table[base], table[base | 1], table[base | 2], table[base | 3], hash: hash)
        let minimum = Swift.min(Swift.min(counters.0, counters.1), Swift.min(counters.2, counters.3))
        return Int(minimum) + (doorkeeperContains(hash) ? 1 : 0)
    }

    /// Records an access for the key whose 64-bit hash is `hash`: for callers that hash keys
    /// themselves (a fixed hash makes runs reproducible; `hashValue` is seeded per process).
    /// The hash must be well mixed in all 64 bits.
    @inlinable
    public mutating func record(hash: UInt64) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        recordInPlace(hash: hash)
    }

    /// ``record(hash:)`` without the copy-on-write check, for an owner that never copies its
    /// sketch (``HotSet``'s engine, which is non-copyable).
    @inlinable
    mutating func recordInPlace(hash: UInt64) {
        defer { countAddition() }
        // First sighting since the last halving: the doorkeeper remembers it, counters stay.
        guard doorkeeperInsert(hash) else { return }
        // Conservative update: only the smallest counters grow, which keeps estimates tight.
        // The key's four counters sit in the four words of one 32-byte block, one per word.
        let base = Int(truncatingIfNeeded: hash) & tableMask & ~3
        let table = table
        let counters = Self.counters(table[base], table[base | 1], table[base | 2], table[base | 3], hash: hash)
        let minimum = Swift.min(Swift.min(counters.0, counters.1), Swift.min(counters.2, counters.3))
        guard minimum < 15 else { return }
        table[base] &+= (counters.0 == minimum ? 1 : 0) << Self.shift(hash, depth: 0)
        table[base | 1] &+= (counters.1 == minimum ? 1 : 0) << Self.shift(hash, depth: 1)
        table[base | 2] &+= (counters.2 == minimum ? 1 : 0) << Self.shift(hash, depth: 2)
        table[base | 3] &+= (counters.3 == minimum ? 1 : 0) << Self.shift(hash, depth: 3)
    }

    /// The bit shift of the key's counter in word `depth` of its block: a nibble chosen by
    /// hash bits 32-35, 40-43, 48-51 or 56-59.
    @inlinable
    static func shift(_ hash: UInt64, depth: UInt64) -> UInt64 {
        ((hash >> (depth &* 8 &+ 32)) & 0xF) << 2
    }

    /// The key's four counters, from the four words of its block.
    @inlinable
    static func counters(
        _ w0: UInt64,
        _ w1: UInt64,
        _ w2: UInt64,
        _ w3: UInt64,
        hash: UInt64
    ) -> (UInt64, UInt64, UInt64, UInt64) {
        (
            (w0 >> shift(hash, depth: 0)) & 0xF, (w1 >> shift(hash, depth: 1)) & 0xF,
            (w2 >> shift(hash, depth: 2)) & 0xF, (w3 >> shift(hash, depth: 3)) & 0xF
        )
    }

    /// Forgets everything.
    @inlinable
    public mutating func clear() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        storage.words.update(repeating: 0, count: storage.count)
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
        // Only from `record`, which made the storage unique.
        let table = table
        for index in 0...tableMask {
            table[index] = (table[index] >> 1) & 0x7777_7777_7777_7777
        }
        doorkeeper.update(repeating: 0, count: (doorkeeperMask + 1) / 64)
        additions /= 2
    }

    @inlinable
    func doorkeeperContains(_ hash: UInt64) -> Bool {
        let (a, b) = doorkeeperBits(hash)
        let bits = doorkeeper
        return bits[a >> 6] & (1 << UInt64(a & 63)) != 0 && bits[b >> 6] & (1 << UInt64(b & 63)) != 0
    }

    /// Sets the key's doorkeeper bits; returns whether they were all set already.
    @inlinable @inline(__always)
    mutating func doorkeeperInsert(_ hash: UInt64) -> Bool {
        let (a, b) = doorkeeperBits(hash)
        let maskA: UInt64 = 1 << UInt64(a & 63)
        let maskB: UInt64 = 1 << UInt64(b & 63)
        let bits = doorkeeper
        let present = bits[a >> 6] & maskA != 0 && bits[b >> 6] & maskB != 0
        bits[a >> 6] |= maskA
        bits[b >> 6] |= maskB
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

extension FrequencySketch {
    /// The sketch's words (counters, then doorkeeper bits): one allocation, copied before a
    /// write when shared, so the sketch keeps value semantics with one uniqueness check per
    /// recorded access (arrays paid one per word written).
    @usableFromInline
    final class Storage: @unchecked Sendable {
        // Sendable: the words are written only through a uniquely referenced sketch.
        @usableFromInline let words: UnsafeMutablePointer<UInt64>
        @usableFromInline let count: Int

        @inlinable
        init(count: Int) {
            self.count = count
            words = .allocate(capacity: count)
            words.initialize(repeating: 0, count: count)
        }

        @inlinable
        func copy() -> Storage {
            let copy = Storage(count: count)
            copy.words.update(from: words, count: count)
            return copy
        }

        @inlinable
        deinit {
            words.deallocate()
        }
    }
}
