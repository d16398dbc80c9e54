import StrataRESP

/// One of Redis Cluster's 16,384 hash slots: `CRC16(key) mod 16384`, where only the part of the
/// key between the first `{` and the next `}` counts when that part is not empty (a hash tag).
///
/// ```swift
/// RedisClusterSlot(key: "user:42").value            // 8,402 (CLUSTER KEYSLOT agrees)
/// RedisClusterSlot(key: "{user:42}:name") == RedisClusterSlot(key: "{user:42}:visits")  // true
/// ```
///
/// Keys that share a hash tag live in one slot, so multi-key commands, transactions and scripts
/// over them can run on one node.
public struct RedisClusterSlot: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// How many slots a cluster has.
    public static let count = 16_384

    /// The slot number, `0..<16384`.
    public let value: Int

    /// The slot numbered `value` (`0..<16384`), or `nil` outside that range.
    public init?(_ value: Int) {
        guard (0..<Self.count).contains(value) else { return nil }
        self.value = value
    }

    /// The slot of a key given as bytes.
    public init(bytes: some Collection<UInt8>) {
        self.value = Int(Self.crc16(Self.hashedPart(of: Array(bytes))) & 0x3FFF)
    }

    /// The slot of a key written as a command argument would write it (`String`, `[UInt8]`, ...).
    public init(key: some RESPCommandArgument) {
        self.init(bytes: RedisKey(key).bytes)
    }

    /// The slot of a ``RedisKey``.
    public init(_ key: RedisKey) {
        self.init(bytes: key.bytes)
    }

    public static func < (lhs: RedisClusterSlot, rhs: RedisClusterSlot) -> Bool { lhs.value < rhs.value }

    public var description: String { "slot \(value)" }

    /// The slot every key of a command hashes to: `nil` when it names no key.
    ///
    /// - Throws: ``RedisClientError`` with code ``RedisClientError/Code/crossSlot`` when its keys
    ///   hash to more than one slot (Redis Cluster would answer `CROSSSLOT`), naming two of them.
    public static func of(
        keys: [RedisKey], command name: @autoclosure () -> String
    ) throws(RedisClientError) -> RedisClusterSlot? {
        guard let first = keys.first else { return nil }
        let slot = RedisClusterSlot(first)
        for key in keys.dropFirst() {
            let other = RedisClusterSlot(key)
            if other != slot {
                throw crossSlotError(name(), first: first, slot, second: key, other)
            }
        }
        return slot
    }

    static func crossSlotError(
        _ name: String, first: RedisKey, _ slot: RedisClusterSlot, second: RedisKey, _ other: RedisClusterSlot
    ) -> RedisClientError {
        RedisClientError(
            .crossSlot,
            "\(name) names keys in different hash slots ('\(first)' is in \(slot), '\(second)' in \(other)), so no "
                + "cluster node can run it; nothing was sent. Give the keys one hash tag ({tag}:name) or send "
                + "one command per slot.")
    }

    /// The bytes that are hashed: the first non-empty `{...}` if there is one, else the whole key.
    static func hashedPart(of key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")) else { return key[...] }
        guard let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 else {
            return key[...]
        }
        return key[(open + 1)..<close]
    }

    /// CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), as Redis Cluster computes it.
    static func crc16(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ crcTable[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let crcTable: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
