// Inline commands: what a person types into `telnet` or `nc`, one command per
// line, split on blanks with Redis' quoting rules (`sdssplitargs`).

extension RESPParser {
    /// Parses one inline command line at `readIndex` (``Mode/commands`` only).
    mutating func parseInline(_ buf: UnsafeBufferPointer<UInt8>) throws(RESPProtocolError) -> Step {
        let start = readIndex
        // The newline must come within the first `maxInlineLength + 1` bytes; only those are searched.
        let window = start + limits.maxInlineLength + 1
        let end = min(buf.count, window)
        var i = max(start, scanResume - base)
        while i < end && buf[i] != 0x0A { i += 1 }
        guard i < end else {
            if end == window {
                throw error(.inlineTooLong, at: start, "more than \(limits.maxInlineLength) bytes")
            }
            scanResume = base + end
            return .needMore
        }
        var lineEnd = i
        if lineEnd > start && buf[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        guard let arguments = Self.splitArguments(UnsafeBufferPointer(rebasing: buf[start..<lineEnd])) else {
            throw error(.unbalancedQuotes, at: start, "in request")
        }
        readIndex = i + 1
        if arguments.isEmpty { return .proceed }
        return .value(.array(arguments.map { .bulkString($0) }))
    }

    /// Splits a line into arguments like Redis' `sdssplitargs`: blanks separate arguments;
    /// `"..."` understands `\n`, `\r`, `\t`, `\b`, `\a`, `\xHH` and `\<char>`; `'...'` understands `\'`.
    /// A closing quote must be followed by a blank or the end. Returns `nil` for unbalanced quotes.
    static func splitArguments(_ line: UnsafeBufferPointer<UInt8>) -> [[UInt8]]? {
        var arguments: [[UInt8]] = []
        var p = 0
        let n = line.count
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        while true {
            while p < n && isSpace(line[p]) { p += 1 }
            if p == n { return arguments }
            var current: [UInt8] = []
            var inDouble = false
            var inSingle = false
            var done = false
            while !done {
                if inDouble {
                    guard p < n else { return nil }
                    if line[p] == UInt8(ascii: "\\") && p + 3 < n && line[p + 1] == UInt8(ascii: "x"),
                        let high = hexValue(line[p + 2]), let low = hexValue(line[p + 3])
                    {
                        current.append(high << 4 | low)
                        p += 3
                    } else if line[p] == UInt8(ascii: "\\") && p + 1 < n {
                        p += 1
                        switch line[p] {
                        case UInt8(ascii: "n"): current.append(0x0A)
                        case UInt8(ascii: "r"): current.append(0x0D)
                        case UInt8(ascii: "t"): current.append(0x09)
                        case UInt8(ascii: "b"): current.append(0x08)
                        case UInt8(ascii: "a"): current.append(0x07)
                        default: current.append(line[p])
                        }
                    } else if line[p] == UInt8(ascii: "\"") {
                        if p + 1 < n && !isSpace(line[p + 1]) { return nil }
                        done = true
                    } else {
                        current.append(line[p])
                    }
                } else if inSingle {
                    guard p < n else { return nil }
                    if line[p] == UInt8(ascii: "\\") && p + 1 < n && line[p + 1] == UInt8(ascii: "'") {
                        p += 1
                        current.append(UInt8(ascii: "'"))
                    } else if line[p] == UInt8(ascii: "'") {
                        if p + 1 < n && !isSpace(line[p + 1]) { return nil }
                        done = true
                    } else {
                        current.append(line[p])
                    }
                } else if p == n {
                    done = true
                } else {
                    switch line[p] {
                    case 0x20, 0x0A, 0x0D, 0x09: done = true
                    case UInt8(ascii: "\""): inDouble = true
                    case UInt8(ascii: "'"): inSingle = true
                    default: current.append(line[p])
                    }
                }
                if p < n { p += 1 }
            }
            arguments.append(current)
        }
    }
}
