/// Redis' CRC-64 ("Jones" coefficients, reflected, initial value 0, no final xor), which ends
/// every DUMP payload (crc64.c).
enum CRC64 {
    /// The polynomial 0xad93d23594c935a9, bit-reversed for the reflected algorithm.
    static let reflectedPolynomial: UInt64 = 0x95ac_9329_ac4b_c9b5

    private static let table: [UInt64] = (0..<256).map { byte in
        var crc = UInt64(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ reflectedPolynomial : crc >> 1 }
        return crc
    }

    /// The checksum of `bytes`, continuing from `crc`.
    static func checksum(_ bytes: some Sequence<UInt8>, continuing crc: UInt64 = 0) -> UInt64 {
        var crc = crc
        for b in bytes { crc = table[Int(UInt8(truncatingIfNeeded: crc) ^ b)] ^ (crc >> 8) }
        return crc
    }
}
