import StrataSimulator

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

    static func load(path: String) throws(Failure) -> [Int] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw Failure(description: "\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var keys: [Int] = []
        var info = stat()
        if fstat(fd, &info) == 0 {
            keys.reserveCapacity(Int(info.st_size) / 7)  // about 7 bytes per line in typical traces
        }
        var parser = TraceParser()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = read(fd, chunk.baseAddress, chunk.count)
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
