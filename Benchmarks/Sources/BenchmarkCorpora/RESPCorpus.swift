import StrataRESP

/// The RESP corpora the parser is measured on. `Benchmarks/hiredis/resp_reader_bench.c` builds
/// the same bytes, so the two parsers read identical input.
public enum RESPCorpus: String, CaseIterable, Sendable {
    /// 1,000,000 `+OK\r\n`.
    case ok
    /// 1,000,000 integers of up to nine digits.
    case integers
    /// 1,000,000 64-byte bulk strings.
    case bulk64
    /// 10,000 arrays of 100 16-byte bulk strings.
    case arrays
    /// 200 bulk strings of 1 MiB.
    case bulk1MiB
    /// 10,000 RESP3 maps of 50 pairs of 16-byte bulk strings (`HGETALL` over RESP3). hiredis 0.14
    /// reads no RESP3, so `Benchmarks/hiredis` has no counterpart.
    case maps

    /// The size of each read fed to the parser.
    public static let readSize = 16 * 1024

    /// How many top-level values the corpus holds.
    public var valueCount: Int {
        switch self {
        case .ok, .integers, .bulk64: return 1_000_000
        case .arrays, .maps: return 10_000
        case .bulk1MiB: return 200
        }
    }

    /// The corpus bytes.
    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func append(_ s: String) { out.append(contentsOf: s.utf8) }
        switch self {
        case .ok:
            out.reserveCapacity(5 * valueCount)
            for _ in 0..<valueCount { append("+OK\r\n") }
        case .integers:
            for i in 0..<valueCount { append(":\((UInt64(i) &* 2_654_435_761) % 1_000_000_000)\r\n") }
        case .bulk64:
            out.reserveCapacity(71 * valueCount)
            for i in 0..<valueCount {
                append("$64\r\n")
                out.append(contentsOf: repeatElement(UInt8(ascii: "a") + UInt8(i % 26), count: 64))
                append("\r\n")
            }
        case .arrays:
            for i in 0..<valueCount {
                append("*100\r\n")
                for j in 0..<100 {
                    append("$16\r\n")
                    out.append(contentsOf: repeatElement(UInt8(ascii: "a") + UInt8((i + j) % 26), count: 16))
                    append("\r\n")
                }
            }
        case .maps:
            for i in 0..<valueCount {
                append("%50\r\n")
                for j in 0..<100 {
                    append("$16\r\n")
                    out.append(contentsOf: repeatElement(UInt8(ascii: "a") + UInt8((i + j) % 26), count: 16))
                    append("\r\n")
                }
            }
        case .bulk1MiB:
            let size = 1 << 20
            out.reserveCapacity(valueCount * (size + 16))
            for i in 0..<valueCount {
                append("$\(size)\r\n")
                out.append(contentsOf: repeatElement(UInt8(ascii: "a") + UInt8(i % 26), count: size))
                append("\r\n")
            }
        }
        return out
    }

    /// Parses the whole corpus in ``readSize`` reads, as a client reads a socket.
    /// Returns the number of values, so the work cannot be optimized away.
    @inline(never)
    public static func parse(_ bytes: [UInt8], readSize: Int = RESPCorpus.readSize) throws -> Int {
        var parser = RESPParser()
        var count = 0
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(raw.count, offset + readSize)
                parser.append(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                while let value = try parser.next() {
                    count &+= value.isNull ? 0 : 1
                }
                offset = end
            }
        }
        return count
    }
}
