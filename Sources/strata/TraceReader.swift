#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a trace: text, one integer key per line (optional sign, `\r\n` line ends and blank
/// lines tolerated). The file is read in 4 MiB chunks and parsed byte by byte, with no
/// string per line, so tens of millions of lines take a few seconds at most.
enum TraceReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func read(path: String) throws(Failure) -> [Int] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure(description: "\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var keys: [Int] = []
        var info = stat()
        if fstat(fd, &info) == 0 {
            keys.reserveCapacity(Int(info.st_size) / 7)  // about 7 bytes per line in typical traces
        }
        var parser = LineParser()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = Glibc_read(fd, chunk.baseAddress, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "\(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            if let error = parser.consume(UnsafeRawBufferPointer(rebasing: chunk[..<count]), into: &keys) {
                throw Failure(description: "\(path): \(error)")
            }
        }
        if let error = parser.finish(into: &keys) { throw Failure(description: "\(path): \(error)") }
        return keys
    }
}

@inline(__always)
private func Glibc_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

/// The incremental integer-per-line parser behind ``TraceReader``; a line may span chunks.
struct LineParser {
    private var value = 0
    private var negative = false
    private var digits = 0
    private var sawSign = false
    private var line = 1

    /// Parses `bytes`, appending each complete key to `keys`; returns an error message if a
    /// line is not an integer.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, into keys: inout [Int]) -> String? {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (scaled, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = scaled.addingReportingOverflow(Int(byte &- UInt8(ascii: "0")))
                if o1 || o2 { return "line \(line): key out of range" }
                value = sum
                digits += 1
            case UInt8(ascii: "\n"):
                if let error = endLine(into: &keys) { return error }
                line += 1
            case UInt8(ascii: "\r"), UInt8(ascii: " "), UInt8(ascii: "\t"):
                continue
            case UInt8(ascii: "-") where digits == 0 && !sawSign:
                negative = true
                sawSign = true
            case UInt8(ascii: "+") where digits == 0 && !sawSign:
                sawSign = true
            default:
                return "line \(line): not an integer key (byte 0x\(String(byte, radix: 16)))"
            }
        }
        return nil
    }

    /// Ends the input: a last line without a newline still counts.
    mutating func finish(into keys: inout [Int]) -> String? {
        endLine(into: &keys)
    }

    private mutating func endLine(into keys: inout [Int]) -> String? {
        defer {
            value = 0
            negative = false
            digits = 0
            sawSign = false
        }
        if digits == 0 {
            return sawSign ? "line \(line): a sign without digits" : nil
        }
        keys.append(negative ? -value : value)
        return nil
    }
}
