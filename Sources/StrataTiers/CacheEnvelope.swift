/// What a Redis tier stores for one key: the encoded value, or a "not found" marker, with the
/// times that govern it, so every app instance reading it agrees on its freshness, and the
/// version that orders it against other writes of the key.
///
/// Layout (big-endian): `0x53 0x02` magic and layout version, 1 flag byte (bit 0: not found;
/// bit 1: tombstone, an invalidation that keeps older loads out; bit 2: tagged), the entry's version (8 bytes:
/// the Unix time in microseconds its data is as new as), a random stamp (4 bytes, told apart
/// from another write of the same version), three Unix times in milliseconds (8 bytes each):
/// fresh until, usable until (stale while revalidating), kept until (fail-safe); the load time in
/// microseconds (4 bytes, for early refresh); when tagged, the tags (a 2-byte count, then each
/// as a 2-byte length and its UTF-8 bytes); then the payload.
///
/// The version is what makes refreshes safe: a load that began at `t` replaces an entry only if
/// the entry's version is older than `t`, so it never overwrites a newer `set` or an invalidation
/// that happened while it ran (see `RedisTier.write`).
struct CacheEnvelope: Sendable, Equatable {
    static let headerSize = 43
    /// Bytes from the start that identify one write: magic, flags, version and stamp.
    static let identitySize = 15
    static let magic: (UInt8, UInt8) = (0x53, 0x02)

    /// The payload; empty for a "not found" entry.
    var payload: [UInt8]
    /// The loader found nothing for the key (negative caching).
    var isNegative: Bool
    /// Not a value: the key was invalidated, and older loads must not write it back for a while.
    var isTombstone = false
    /// Unix microseconds: a `set`'s time, the time a load began, or an invalidation's time.
    var version: Int64
    /// Random: tells this write from another one with the same version.
    var stamp: UInt32
    var freshUntil: Int64
    var usableUntil: Int64
    var keptUntil: Int64
    /// How long the load that produced it took, in microseconds.
    var loadMicroseconds: UInt32
    /// The tags it was written with (see `TieredCache.invalidate(tag:)`).
    var tags: [String] = []

    init(
        payload: [UInt8], isNegative: Bool, version: Int64, stamp: UInt32 = .random(in: 0...UInt32.max),
        freshUntil: Int64, usableUntil: Int64, keptUntil: Int64, loadMicroseconds: UInt32
    ) {
        self.payload = payload
        self.isNegative = isNegative
        self.version = version
        self.stamp = stamp
        self.freshUntil = freshUntil
        self.usableUntil = usableUntil
        self.keptUntil = keptUntil
        self.loadMicroseconds = loadMicroseconds
    }

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSize + payload.count)
        bytes.append(Self.magic.0)
        bytes.append(Self.magic.1)
        bytes.append((isNegative ? 1 : 0) | (isTombstone ? 2 : 0) | (tags.isEmpty ? 0 : 4))
        Self.append(UInt64(bitPattern: version), bytes: 8, to: &bytes)
        Self.append(UInt64(stamp), bytes: 4, to: &bytes)
        for time in [freshUntil, usableUntil, keptUntil] { Self.append(UInt64(bitPattern: time), bytes: 8, to: &bytes) }
        Self.append(UInt64(loadMicroseconds), bytes: 4, to: &bytes)
        if !tags.isEmpty {
            Self.append(UInt64(tags.count), bytes: 2, to: &bytes)
            for tag in tags {
                Self.append(UInt64(tag.utf8.count), bytes: 2, to: &bytes)
                bytes.append(contentsOf: tag.utf8)
            }
        }
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Whether the encoded envelope `new` may replace the stored bytes `current` in a
    /// version-aware write: `current` is not an envelope, or is an older version, or is the same
    /// version's value, less fresh (a backfill bringing a fresher copy of the same data). A
    /// tombstone is replaced only by a newer version. `RedisTier.replaceIfNewerScript` is the
    /// same rule in Lua.
    static func replaces(_ current: [UInt8], with new: [UInt8]) -> Bool {
        guard current.count >= 23, current[0] == magic.0, current[1] == magic.1 else { return true }
        if current[3..<11].elementsEqual(new[3..<11]) {
            guard current[2] & 2 == 0 else { return false }
            return current[15..<23].lexicographicallyPrecedes(new[15..<23])
        }
        return current[3..<11].lexicographicallyPrecedes(new[3..<11])
    }

    /// The bytes that identify this write (a prefix of ``encoded()``).
    var identity: [UInt8] { Array(encoded().prefix(Self.identitySize)) }

    /// Decodes an envelope, taking the bytes over: the payload is moved down in the same storage
    /// (no second array); `nil` for bytes that are not an envelope (written by someone else, or
    /// by an older layout).
    init?(consuming bytes: consuming [UInt8]) {
        guard bytes.count >= Self.headerSize, bytes[0] == Self.magic.0, bytes[1] == Self.magic.1 else { return nil }
        isNegative = bytes[2] & 1 != 0
        isTombstone = bytes[2] & 2 != 0
        version = Int64(bitPattern: Self.read(bytes, at: 3, count: 8))
        stamp = UInt32(truncatingIfNeeded: Self.read(bytes, at: 11, count: 4))
        freshUntil = Int64(bitPattern: Self.read(bytes, at: 15, count: 8))
        usableUntil = Int64(bitPattern: Self.read(bytes, at: 23, count: 8))
        keptUntil = Int64(bitPattern: Self.read(bytes, at: 31, count: 8))
        loadMicroseconds = UInt32(truncatingIfNeeded: Self.read(bytes, at: 39, count: 4))
        var start = Self.headerSize
        if bytes[2] & 4 != 0 {
            guard let (tags, end) = Self.readTags(bytes, at: start) else { return nil }
            self.tags = tags
            start = end
        }
        bytes.removeSubrange(0..<start)
        payload = bytes
    }

    /// Decodes an envelope from bytes the caller keeps; `nil` for bytes that are not one.
    init?(decoding bytes: [UInt8]) {
        self.init(consuming: bytes)
    }

    /// A tombstone: an invalidation at `version` (Unix microseconds). Its times are unused:
    /// Redis keeps it for the hold it is written with.
    static func tombstone(version: Int64) -> CacheEnvelope {
        var envelope = CacheEnvelope(
            payload: [], isNegative: false, version: version, freshUntil: 0, usableUntil: 0, keptUntil: 0,
            loadMicroseconds: 0)
        envelope.isTombstone = true
        return envelope
    }

    private static func append(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// The tags block at `offset`, and where it ends; `nil` if it runs past the bytes.
    private static func readTags(_ bytes: [UInt8], at offset: Int) -> ([String], Int)? {
        guard offset + 2 <= bytes.count else { return nil }
        let count = Int(read(bytes, at: offset, count: 2))
        var tags: [String] = []
        tags.reserveCapacity(count)
        var position = offset + 2
        for _ in 0..<count {
            guard position + 2 <= bytes.count else { return nil }
            let length = Int(read(bytes, at: position, count: 2))
            position += 2
            guard position + length <= bytes.count else { return nil }
            tags.append(String(decoding: bytes[position..<position + length], as: UTF8.self))
            position += length
        }
        return (tags, position)
    }

    private static func read(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<count { value = value << 8 | UInt64(bytes[offset + i]) }
        return value
    }
}
