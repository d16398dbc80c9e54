/// What a Redis tier stores for one key: the encoded value, or a "not found" marker, with the
/// times that govern it, so every app instance reading it agrees on its freshness.
///
/// Layout (big-endian): `0x53 0x01` magic and version, 1 flag byte (bit 0: not found; bit 1:
/// tombstone, an invalidation that keeps stale fills out), then
/// three Unix times in milliseconds (8 bytes each): fresh until, usable until (stale while
/// revalidating), kept until (fail-safe); the load time in microseconds (4 bytes, for early
/// refresh); then the payload.
struct CacheEnvelope: Sendable, Equatable {
    static let headerSize = 31
    static let magic: (UInt8, UInt8) = (0x53, 0x01)

    /// The payload; empty for a "not found" entry.
    var payload: [UInt8]
    /// The loader found nothing for the key (negative caching).
    var isNegative: Bool
    /// Not a value: the key was invalidated, and fills must not write it back for a while.
    var isTombstone = false
    var freshUntil: Int64
    var usableUntil: Int64
    var keptUntil: Int64
    /// How long the load that produced it took, in microseconds.
    var loadMicroseconds: UInt32

    init(
        payload: [UInt8], isNegative: Bool, freshUntil: Int64, usableUntil: Int64, keptUntil: Int64,
        loadMicroseconds: UInt32
    ) {
        self.payload = payload
        self.isNegative = isNegative
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
        bytes.append((isNegative ? 1 : 0) | (isTombstone ? 2 : 0))
        for time in [freshUntil, usableUntil, keptUntil] { Self.append(UInt64(bitPattern: time), bytes: 8, to: &bytes) }
        Self.append(UInt64(loadMicroseconds), bytes: 4, to: &bytes)
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Decodes an envelope, taking the bytes over: the payload is moved down in the same storage
    /// (no second array); `nil` for bytes that are not an envelope (written by someone else).
    init?(consuming bytes: consuming [UInt8]) {
        guard bytes.count >= Self.headerSize, bytes[0] == Self.magic.0, bytes[1] == Self.magic.1 else { return nil }
        isNegative = bytes[2] & 1 != 0
        isTombstone = bytes[2] & 2 != 0
        freshUntil = Int64(bitPattern: Self.read(bytes, at: 3, count: 8))
        usableUntil = Int64(bitPattern: Self.read(bytes, at: 11, count: 8))
        keptUntil = Int64(bitPattern: Self.read(bytes, at: 19, count: 8))
        loadMicroseconds = UInt32(truncatingIfNeeded: Self.read(bytes, at: 27, count: 4))
        bytes.removeSubrange(0..<Self.headerSize)
        payload = bytes
    }

    /// Decodes an envelope from bytes the caller keeps; `nil` for bytes that are not one.
    init?(decoding bytes: [UInt8]) {
        self.init(consuming: bytes)
    }

    /// A tombstone: an invalidation marker kept for `hold`.
    static func tombstone(now: Int64) -> CacheEnvelope {
        var envelope = CacheEnvelope(
            payload: [], isNegative: false, freshUntil: 0, usableUntil: 0, keptUntil: 0, loadMicroseconds: 0)
        envelope.isTombstone = true
        envelope.freshUntil = now
        return envelope
    }

    private static func append(_ value: UInt64, bytes count: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private static func read(_ bytes: [UInt8], at offset: Int, count: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<count { value = value << 8 | UInt64(bytes[offset + i]) }
        return value
    }
}
