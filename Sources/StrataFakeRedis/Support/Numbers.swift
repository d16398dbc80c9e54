import Glibc

/// Bytes: keys, values, fields and members are binary-safe, as in Redis.
typealias Bytes = [UInt8]

/// Number parsing and formatting with Redis' exact rules (`string2ll`, `string2ld`,
/// `strtod`-based floats, `%.17g` doubles and "human friendly" long doubles), so replies and
/// error texts match byte for byte.
enum Numbers {
    /// Redis' `string2ll`: an optional `-`, no leading zeros (except `0` itself), no `+`, no
    /// spaces, at most 20 characters, within Int64. `nil` when the bytes are not such a number.
    static func parseInteger(_ bytes: Bytes) -> Int? {
        let n = bytes.count
        guard n > 0, n <= 20 else { return nil }
        if n == 1 && bytes[0] == UInt8(ascii: "0") { return 0 }
        var i = 0
        let negative = bytes[0] == UInt8(ascii: "-")
        if negative {
            i = 1
            guard n > 1 else { return nil }
        }
        // The first digit must be 1...9.
        guard bytes[i] >= UInt8(ascii: "1") && bytes[i] <= UInt8(ascii: "9") else { return nil }
        var magnitude: UInt64 = 0
        while i < n {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else { return nil }
            magnitude = s
            i += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int.min : -Int(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int(magnitude)
    }

    /// Redis' `getDoubleFromObject`: `strtod` over the whole string, no leading space, not NaN.
    static func parseDouble(_ bytes: Bytes) -> Double? {
        guard !bytes.isEmpty, bytes.count < 512, !isSpace(bytes[0]) else { return nil }
        return withCString(bytes) { text -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtod(text, &end)
            guard let end, UnsafePointer(end) - text == bytes.count, !value.isNaN else { return nil }
            // strtod reports ERANGE for overflow (inf) and underflow; Redis rejects both.
            if errno == ERANGE && (value.isInfinite || value == 0) { return nil }
            return value
        }
    }

    /// A score bound as Redis' zslParseRange reads it: a bare `strtod` that must reach the end of
    /// the C string, not NaN. Laxer than ``parseDouble(_:)``: leading spaces, the empty string
    /// (0), out-of-range values (inf or 0) and bytes after a NUL pass.
    static func parseRangeDouble(_ bytes: Bytes) -> Double? {
        guard bytes.count < 1 << 20 else { return nil }
        return withCString(bytes) { text -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(text, &end)
            guard let end, end.pointee == 0, !value.isNaN else { return nil }
            return value
        }
    }

    /// SORT's weight: `strtod` that must reach the end of the C string, without ERANGE or NaN
    /// (the empty string is 0).
    static func parseSortScore(_ bytes: Bytes) -> Double? {
        guard bytes.count < 1 << 20 else { return nil }
        return withCString(bytes) { text -> Double? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtod(text, &end)
            guard let end, end.pointee == 0, errno != ERANGE, !value.isNaN else { return nil }
            return value
        }
    }

    /// Redis' `string2ld`: `strtold` over the whole string, no leading space, not NaN.
    static func parseLongDouble(_ bytes: Bytes) -> Float80? {
        guard !bytes.isEmpty, bytes.count < 5 * 1024, !isSpace(bytes[0]) else { return nil }
        return withCString(bytes) { text -> Float80? in
            var end: UnsafeMutablePointer<CChar>?
            errno = 0
            let value = strtold(text, &end)
            guard let end, UnsafePointer(end) - text == bytes.count, !value.isNaN else { return nil }
            if errno == ERANGE && (value.isInfinite || value == 0) { return nil }
            return value
        }
    }

    /// C's `strtod` with no checks, as Redis uses it where it parses loosely (DEBUG SLEEP): the
    /// longest prefix that reads as a number, 0 when there is none. May be inf or nan.
    static func parseDoublePrefix(_ bytes: Bytes) -> Double {
        guard !bytes.isEmpty, bytes.count < 512 else { return 0 }
        return withCString(bytes) { strtod($0, nil) }
    }

    /// C's `atoi`, as Redis uses it for a few flags (DEBUG SET-ACTIVE-EXPIRE): "abc" is 0, "2x"
    /// is 2.
    static func atoi(_ bytes: Bytes) -> Int32 {
        withCString(bytes) { Glibc.atoi($0) }
    }

    /// What C's `(long long)` cast of a floating-point value gives on x86-64, where Redis runs:
    /// the value truncated toward zero, and for NaN or a value outside Int64 (undefined
    /// behaviour in C) the "integer indefinite" value the instruction returns, Int64.min.
    static func truncatedToInt64(_ value: Float80) -> Int {
        guard value.isFinite, value > -9_223_372_036_854_775_809, value < 9_223_372_036_854_775_808 else {
            return Int.min
        }
        return Int(value.rounded(.towardZero))
    }

    /// `%.17g`, as Redis 7.0 replies doubles (`addReplyDouble`); `inf` and `-inf` spelled out.
    static func formatDouble(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value.isNaN { return "nan" }
        // Integral values in range print as plain integers under %.17g.
        if value == value.rounded(.towardZero), abs(value) < 1e17 {
            if value == 0 { return value.sign == .minus ? "-0" : "0" }
            return String(Int(value))
        }
        return printf("%.17g", value)
    }

    /// Redis' `ld2string` in human-friendly mode (INCRBYFLOAT, HINCRBYFLOAT): `%.17Lf` with
    /// trailing zeros and a trailing point removed. `nil` for values that are not finite.
    static func formatLongDouble(_ value: Float80) -> String? {
        guard value.isFinite else { return nil }
        var text = printf("%.17Lf", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        if text == "-0" { text = "0" }
        return text
    }

    /// The decimal digits of an integer as bytes.
    @inline(__always)
    static func bytes(_ value: Int) -> Bytes {
        if value >= 0 && value < 10 { return [UInt8(truncatingIfNeeded: value) &+ 0x30] }
        return Array(String(value).utf8)
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    /// C's printf of one double with `format` (`%f`, `%.4f`...).
    static func cFormat(_ format: String, _ value: Double) -> String { printf(format, value) }

    private static func printf(_ format: String, _ value: some CVarArg) -> String {
        var buffer = [CChar](repeating: 0, count: 5200)
        let count = withVaList([value]) { vsnprintf(&buffer, buffer.count, format, $0) }
        return String(
            decoding: buffer[0..<Int(max(0, min(count, Int32(buffer.count - 1))))].map { UInt8(bitPattern: $0) },
            as: UTF8.self)
    }

    private static func withCString<R>(_ bytes: Bytes, _ body: (UnsafePointer<CChar>) -> R) -> R {
        var copy = bytes.map { CChar(bitPattern: $0) }
        copy.append(0)
        // An embedded NUL ends the C string early; the length check in the callers rejects it.
        return copy.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}
