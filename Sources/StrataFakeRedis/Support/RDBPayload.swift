/// The DUMP payload format (Redis 7.0 rdb.c and cluster.c): one RDB object (a type byte and
/// the encoded value), the RDB version as two little-endian bytes, and the CRC-64 of all that
/// as eight little-endian bytes.
enum RDBPayload {
    /// Redis 7.0's RDB_VERSION: payloads of a later version are refused.
    static let version: UInt16 = 10

    /// The RDB object types the fake writes or reads (rdb.h).
    enum ObjectType: UInt8 {
        case string = 0
        case list = 1
        case set = 2
        case zset = 3
        case hash = 4
        case zset2 = 5
        case setIntset = 11
        case hashListpack = 16
        case zsetListpack = 17
        case listQuicklist2 = 18
        case streamListpacks2 = 19
    }

    /// A value read from a payload, before the engine picks the encoding Redis would give it.
    enum Loaded {
        case string(Bytes)
        case list([Bytes])
        case set([Bytes])
        /// Fields as read, duplicates included (Redis 7.0 checks for them only in the plain form
        /// it loads into a hashtable); `plain` for RDB_TYPE_HASH.
        case hash([(field: Bytes, value: Bytes)], plain: Bool)
        /// Members as read: duplicates are refused in the plain forms, not in a listpack.
        case sortedSet([(member: Bytes, score: Double)])
        case stream(StreamValue)
    }

    // MARK: Checking

    /// Redis' verifyDumpPayload: at least the 10-byte footer, a version Redis 7.0 knows, and a
    /// matching checksum.
    static func verify(_ payload: Bytes) -> Bool {
        guard payload.count >= 10 else { return false }
        let footer = payload.count - 10
        let version = UInt16(payload[footer]) | UInt16(payload[footer + 1]) << 8
        guard version <= Self.version else { return false }
        var stored: UInt64 = 0
        for k in 0..<8 { stored |= UInt64(payload[footer + 2 + k]) << (8 * k) }
        return CRC64.checksum(payload[..<(payload.count - 8)]) == stored
    }

    // MARK: Writing

    /// The payload for an object: its type, its body, the version and the checksum.
    static func payload(_ type: ObjectType, _ body: Bytes) -> Bytes {
        var out: Bytes = [type.rawValue]
        out.append(contentsOf: body)
        out.append(UInt8(truncatingIfNeeded: version))
        out.append(UInt8(truncatingIfNeeded: version >> 8))
        let crc = CRC64.checksum(out)
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: crc >> (8 * k))) }
        return out
    }

    /// rdbSaveLen: 6 bits, 14 bits (big-endian), or a marker byte and 32 or 64 bits (big-endian).
    static func appendLength(_ n: Int, to out: inout Bytes) {
        if n < 1 << 6 {
            out.append(UInt8(n))
        } else if n < 1 << 14 {
            out.append(UInt8(n >> 8) | 0x40)
            out.append(UInt8(truncatingIfNeeded: n))
        } else if n <= Int(UInt32.max) {
            out.append(0x80)
            for k in (0..<4).reversed() { out.append(UInt8(truncatingIfNeeded: n >> (8 * k))) }
        } else {
            out.append(0x81)
            for k in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: n >> (8 * k))) }
        }
    }

    /// rdbSaveRawString without compression: a canonical integer of at most 11 characters
    /// that fits 32 bits as an 8, 16 or 32-bit integer, anything else length-prefixed.
    static func appendString(_ s: Bytes, to out: inout Bytes) {
        if s.count <= 11, let v = Numbers.parseInteger(s) {
            let width: Int? =
                switch v {
                case -128...127: 1
                case -32768...32767: 2
                case Int(Int32.min)...Int(Int32.max): 4
                default: nil
                }
            if let width {
                out.append(0xC0 | UInt8(width == 4 ? 2 : width - 1))
                for k in 0..<width { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
                return
            }
        }
        appendLength(s.count, to: &out)
        out.append(contentsOf: s)
    }

    /// An intset (intset.c): the narrowest of 2, 4 or 8 bytes per member for all of them, the
    /// count, and the members ascending, all little-endian.
    static func intset(_ members: [Int]) -> Bytes {
        let sorted = members.sorted()
        let low = sorted.first ?? 0
        let high = sorted.last ?? 0
        let width =
            low >= Int(Int16.min) && high <= Int(Int16.max)
            ? 2 : low >= Int(Int32.min) && high <= Int(Int32.max) ? 4 : 8
        var out: Bytes = []
        for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: width >> (8 * k))) }
        for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: sorted.count >> (8 * k))) }
        for v in sorted {
            for k in 0..<width { out.append(UInt8(truncatingIfNeeded: v >> (8 * k))) }
        }
        return out
    }

    // MARK: Reading

    /// Reads the RDB object at the start of a verified payload; `nil` for anything Redis 7.0's
    /// rdbLoadObject would refuse (or a type the fake does not read: the ziplist forms of
    /// Redis before 7.0, streams of before 7.0, modules). As in
    /// Redis, the reader may run on into the footer, and bytes after the object are ignored.
    static func load(_ payload: Bytes) -> Loaded? {
        var reader = Reader(bytes: payload[...], at: 0)
        guard let typeByte = reader.byte(), let type = ObjectType(rawValue: typeByte) else { return nil }
        return reader.object(type)
    }

    /// A cursor over a payload's bytes.
    struct Reader {
        let bytes: ArraySlice<UInt8>
        var at: Int

        mutating func byte() -> UInt8? {
            guard at < bytes.endIndex else { return nil }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard n >= 0, bytes.endIndex - at >= n else { return nil }
            defer { at += n }
            return bytes[at..<(at + n)]
        }

        /// rdbLoadLen: a length, or (`encoded`) the special encoding number of an 0b11 byte.
        mutating func length() -> (value: Int, encoded: Bool)? {
            guard let (v, encoded) = length64Encoded(), v <= UInt64(Int.max) else { return nil }
            return (Int(v), encoded)
        }

        /// rdbLoadLen as an unsigned 64-bit value, with whether it is an encoding number.
        mutating func length64Encoded() -> (value: UInt64, encoded: Bool)? {
            guard let first = byte() else { return nil }
            switch first >> 6 {
            case 0: return (UInt64(first & 0x3F), false)
            case 1:
                guard let next = byte() else { return nil }
                return (UInt64(first & 0x3F) << 8 | UInt64(next), false)
            case 2:
                let width: Int
                switch first {
                case 0x80: width = 4
                case 0x81: width = 8
                default: return nil
                }
                guard let raw = take(width) else { return nil }
                return (raw.reduce(0) { $0 << 8 | UInt64($1) }, false)
            default: return (UInt64(first & 0x3F), true)
            }
        }

        /// A plain length (a count of elements or nodes).
        mutating func count() -> Int? {
            guard let (n, encoded) = length(), !encoded else { return nil }
            return n
        }

        /// rdbGenericLoadStringObject: plain, integer-encoded or LZF-compressed.
        mutating func string() -> Bytes? {
            guard let (n, encoded) = length() else { return nil }
            guard encoded else { return take(n).map(Array.init) }
            switch n {
            case 0, 1, 2:
                let width = 1 << n
                guard let raw = take(width) else { return nil }
                var u: UInt64 = 0
                for (k, b) in raw.enumerated() { u |= UInt64(b) << (8 * k) }
                let shift = UInt64(64 - 8 * width)
                return Numbers.bytes(Int(Int64(bitPattern: u << shift) >> Int64(shift)))
            case 3:
                guard let compressed = count(), let length = count(), let data = take(compressed) else {
                    return nil
                }
                return LZF.decompress(data, length: length)
            default: return nil
            }
        }

        /// rdbLoadBinaryDoubleValue: eight little-endian bytes.
        mutating func binaryDouble() -> Double? {
            guard let raw = take(8) else { return nil }
            var u: UInt64 = 0
            for (k, b) in raw.enumerated() { u |= UInt64(b) << (8 * k) }
            return Double(bitPattern: u)
        }

        /// rdbLoadDoubleValue (the old RDB_TYPE_ZSET): a length byte then the text, or 253
        /// (nan), 254 (inf), 255 (-inf).
        mutating func textDouble() -> Double? {
            guard let n = byte() else { return nil }
            switch n {
            case 253: return .nan
            case 254: return .infinity
            case 255: return -.infinity
            default:
                guard let text = take(Int(n)) else { return nil }
                return Double(String(decoding: text, as: UTF8.self))
            }
        }

        /// A collection's element count: more than zero (Redis refuses empty keys).
        private mutating func nonEmptyCount() -> Int? {
            guard let n = count(), n > 0 else { return nil }
            return n
        }

        mutating func object(_ type: ObjectType) -> Loaded? {
            switch type {
            case .string:
                return string().map(Loaded.string)
            case .list:
                guard let n = nonEmptyCount() else { return nil }
                var elements: [Bytes] = []
                for _ in 0..<n {
                    guard let e = string() else { return nil }
                    elements.append(e)
                }
                return .list(elements)
            case .listQuicklist2:
                guard let nodes = nonEmptyCount() else { return nil }
                var elements: [Bytes] = []
                for _ in 0..<nodes {
                    // The container: 1 a plain node (one element), 2 a listpack.
                    guard let container = count(), let data = string() else { return nil }
                    switch container {
                    case 1: elements.append(data)
                    case 2:
                        guard let items = Listpack.decode(data) else { return nil }
                        elements.append(contentsOf: items)
                    default: return nil
                    }
                }
                return elements.isEmpty ? nil : .list(elements)
            case .set:
                guard let n = nonEmptyCount() else { return nil }
                var members: [Bytes] = []
                var seen = Set<Bytes>()
                for _ in 0..<n {
                    guard let m = string(), seen.insert(m).inserted else { return nil }
                    members.append(m)
                }
                return .set(members)
            case .setIntset:
                guard let blob = string(), let members = Self.intsetMembers(blob), !members.isEmpty else {
                    return nil
                }
                return .set(members.map(Numbers.bytes))
            case .hash:
                guard let n = nonEmptyCount() else { return nil }
                var pairs: [(field: Bytes, value: Bytes)] = []
                for _ in 0..<n {
                    guard let f = string(), let v = string() else { return nil }
                    pairs.append((f, v))
                }
                return .hash(pairs, plain: true)
            case .hashListpack:
                guard let blob = string(), let items = Listpack.decode(blob), !items.isEmpty, items.count % 2 == 0
                else { return nil }
                let pairs = stride(from: 0, to: items.count, by: 2).map { (field: items[$0], value: items[$0 + 1]) }
                return .hash(pairs, plain: false)
            case .zset, .zset2:
                guard let n = nonEmptyCount() else { return nil }
                var pairs: [(member: Bytes, score: Double)] = []
                var seen = Set<Bytes>()
                for _ in 0..<n {
                    guard let m = string(), seen.insert(m).inserted else { return nil }
                    guard let score = type == .zset2 ? binaryDouble() : textDouble(), !score.isNaN else { return nil }
                    pairs.append((m, score))
                }
                return .sortedSet(pairs)
            case .streamListpacks2:
                return stream().map(Loaded.stream)
            case .zsetListpack:
                guard let blob = string(), let items = Listpack.decode(blob), !items.isEmpty, items.count % 2 == 0
                else { return nil }
                var pairs: [(member: Bytes, score: Double)] = []
                for k in stride(from: 0, to: items.count, by: 2) {
                    guard let score = Numbers.parseDouble(items[k + 1]) else { return nil }
                    pairs.append((items[k], score))
                }
                return .sortedSet(pairs)
            }
        }

        /// An intset's members: a valid width, a length that matches the blob, ascending.
        static func intsetMembers(_ blob: Bytes) -> [Int]? {
            guard blob.count >= 8 else { return nil }
            func little(_ from: Int, _ width: Int) -> UInt64 {
                var u: UInt64 = 0
                for k in 0..<width { u |= UInt64(blob[from + k]) << (8 * k) }
                return u
            }
            let width = Int(little(0, 4))
            let n = Int(little(4, 4))
            guard width == 2 || width == 4 || width == 8, blob.count == 8 + n * width else { return nil }
            let shift = UInt64(64 - 8 * width)
            var members: [Int] = []
            for k in 0..<n {
                let v = Int(Int64(bitPattern: little(8 + k * width, width) << shift) >> Int64(shift))
                if let last = members.last, v <= last { return nil }
                members.append(v)
            }
            return members
        }
    }
}
