// Redis' listpack format (listpack.c), in which DUMP payloads carry small lists, hashes and
// sorted sets: a 6-byte header (total bytes, element count, little-endian), the elements, and
// a 0xFF terminator. Each element is an encoding byte (an integer of 7 to 64 bits, or a string
// with a 6, 12 or 32-bit length), its data, and its own length backwards.

extension Listpack {
    /// The listpack of `elements`, with integer-looking strings stored as integers, as Redis
    /// stores them.
    static func encode(_ elements: [Bytes]) -> Bytes {
        var out: Bytes = [0, 0, 0, 0, 0, 0]
        for element in elements {
            let start = out.count
            appendEntry(element, to: &out)
            appendBacklength(out.count - start, to: &out)
        }
        out.append(0xFF)
        let total = UInt32(truncatingIfNeeded: out.count)
        for k in 0..<4 { out[k] = UInt8(truncatingIfNeeded: total >> (8 * k)) }
        let count = elements.count < 65535 ? UInt16(elements.count) : 65535
        out[4] = UInt8(truncatingIfNeeded: count)
        out[5] = UInt8(truncatingIfNeeded: count >> 8)
        return out
    }

    private static func appendEntry(_ element: Bytes, to out: inout Bytes) {
        if let v = Numbers.parseInteger(element) {
            func little(_ value: Int, _ bytes: Int) {
                for k in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
            }
            switch v {
            case 0...127: out.append(UInt8(v))
            case -4096...4095:
                let u = v < 0 ? (1 << 13) + v : v
                out.append(UInt8(u >> 8) | 0xC0)
                out.append(UInt8(truncatingIfNeeded: u))
            case -32768...32767:
                out.append(0xF1)
                little(v, 2)
            case -8_388_608...8_388_607:
                out.append(0xF2)
                little(v, 3)
            case Int(Int32.min)...Int(Int32.max):
                out.append(0xF3)
                little(v, 4)
            default:
                out.append(0xF4)
                little(v, 8)
            }
            return
        }
        let n = element.count
        if n < 64 {
            out.append(0x80 | UInt8(n))
        } else if n < 4096 {
            out.append(0xE0 | UInt8(n >> 8))
            out.append(UInt8(truncatingIfNeeded: n))
        } else {
            out.append(0xF0)
            for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: n >> (8 * k))) }
        }
        out.append(contentsOf: element)
    }

    /// lpEncodeBacklen: the entry's length in 7-bit groups, most significant first, every byte
    /// but the first with its high bit set; as many groups as Redis' thresholds ask for.
    private static func appendBacklength(_ length: Int, to out: inout Bytes) {
        let groups = backlengthSize(length)
        for g in stride(from: groups - 1, through: 0, by: -1) {
            let part = UInt8((length >> (7 * g)) & 127)
            out.append(g == groups - 1 ? part : part | 128)
        }
    }

    /// The size of the backlength of an entry `length` bytes long (lpEncodeBacklen's thresholds,
    /// one below each power of 128 but the first).
    private static func backlengthSize(_ length: Int) -> Int {
        length <= 127 ? 1 : length < 16383 ? 2 : length < 2_097_151 ? 3 : length < 268_435_455 ? 4 : 5
    }

    /// The elements of a listpack (integers as their decimal text); `nil` when the header, an
    /// entry or the terminator is malformed.
    static func decode(_ lp: Bytes) -> [Bytes]? {
        guard lp.count >= 7 else { return nil }
        var total = 0
        for k in 0..<4 { total |= Int(lp[k]) << (8 * k) }
        let declared = Int(lp[4]) | Int(lp[5]) << 8
        guard total == lp.count, lp[total - 1] == 0xFF else { return nil }
        var elements: [Bytes] = []
        var i = 6
        let end = total - 1
        func little(_ from: Int, _ bytes: Int) -> Int? {
            guard end - from >= bytes else { return nil }
            var u: UInt64 = 0
            for k in 0..<bytes { u |= UInt64(lp[from + k]) << (8 * k) }
            let shift = UInt64(64 - 8 * bytes)
            return Int(Int64(bitPattern: u << shift) >> Int64(shift))
        }
        while i < end {
            let b = lp[i]
            var size: Int
            var element: Bytes
            if b & 0x80 == 0 {
                size = 1
                element = Numbers.bytes(Int(b))
            } else if b & 0xC0 == 0x80 {
                let n = Int(b & 0x3F)
                size = 1 + n
                guard end - i >= size else { return nil }
                element = Array(lp[(i + 1)..<(i + size)])
            } else if b & 0xE0 == 0xC0 {
                guard end - i >= 2 else { return nil }
                var v = Int(b & 0x1F) << 8 | Int(lp[i + 1])
                if v >= 1 << 12 { v -= 1 << 13 }
                size = 2
                element = Numbers.bytes(v)
            } else if b & 0xF0 == 0xE0 {
                guard end - i >= 2 else { return nil }
                let n = Int(b & 0x0F) << 8 | Int(lp[i + 1])
                size = 2 + n
                guard end - i >= size else { return nil }
                element = Array(lp[(i + 2)..<(i + size)])
            } else {
                switch b {
                case 0xF0:
                    guard let n = little(i + 1, 4).map({ Int(UInt32(truncatingIfNeeded: $0)) }) else { return nil }
                    size = 5 + n
                    guard end - i >= size else { return nil }
                    element = Array(lp[(i + 5)..<(i + size)])
                case 0xF1, 0xF2, 0xF3, 0xF4:
                    let width = b == 0xF4 ? 8 : Int(b - 0xF0) + 1
                    guard let v = little(i + 1, width) else { return nil }
                    size = 1 + width
                    element = Numbers.bytes(v)
                default: return nil
                }
            }
            i += size + backlengthSize(size)
            guard i <= end else { return nil }
            elements.append(element)
        }
        guard declared == 65535 || declared == elements.count else { return nil }
        return elements
    }
}
