// The RESP3 double (`,`), by the grammar of the specification (redis-specifications,
// protocol/RESP3.md, "Double", version 1.6):
//
//     double   = [ "-" ] digits [ "." digits ] [ ( "e" / "E" ) [ "+" / "-" ] digits ]
//              / "inf" / "-inf" / "nan"
//     digits   = 1*( "0" / "1" / ... / "9" )
//
// The spec's integral part has no sign of its own, but `-inf` and what Redis writes (`%.17g`,
// `-1.5`) show the minus; nothing writes a leading `+`, so none is accepted. One legacy word is:
// `-nan`, which Redis before 7.2 writes for a NaN with the sign bit set (glibc's printf; Redis
// 7.0 answers `EVAL "return {double=0/0}" 0` with `,-nan`), and which the spec asks clients to
// handle. Everything else Swift's `Double(String)` would take is refused: `infinity`, `INF`,
// `+inf`, `nan(0x1)`, `.5`, `1.`, hexadecimal floats, spaces.

extension RESPParser {
    /// What ``scanDouble(_:from:to:)`` found.
    enum DoubleScan: Equatable {
        case value(Double)
        /// Not a RESP3 double: `at` is the index of the first byte that cannot belong to one
        /// (the end of the line when it ends too early).
        case invalid(at: Int, String)
    }

    /// Reads `buf[from..<to]` (a line without its CRLF) as a RESP3 double.
    ///
    /// Up to 19 significant digits and a power of ten within 10^±22 convert exactly with one
    /// rounding (Clinger's fast path); longer or larger ones go to the standard library.
    static func scanDouble(_ buf: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> DoubleScan {
        func got(_ i: Int) -> String { i < to ? RESPProtocolError.show(buf[i]) : "the end of the line" }
        var i = from
        let negative = i < to && buf[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard i < to else {
            return .invalid(at: i, negative ? "expected digits, inf or nan after '-'" : "expected a number, inf or nan")
        }
        if buf[i] == UInt8(ascii: "i") || buf[i] == UInt8(ascii: "n") {
            let isInfinity = buf[i] == UInt8(ascii: "i")
            let word: StaticString = isInfinity ? "inf" : "nan"
            for k in 0..<3 where i + k >= to || buf[i + k] != word.utf8Start[k] {
                return .invalid(at: i + k, "expected inf, -inf or nan, got \(got(i + k))")
            }
            guard i + 3 == to else {
                return .invalid(at: i + 3, "expected the end of the line after '\(isInfinity ? "inf" : "nan")'")
            }
            if isInfinity { return .value(negative ? -.infinity : .infinity) }
            return .value(.nan)
        }

        // The significant digits, as long as 19 of them fit in a UInt64.
        var mantissa: UInt64 = 0
        var significant = 0
        var dropped = false
        func digit(_ value: UInt8) {
            if mantissa == 0 && value == 0 { return }  // leading zeros are not significant
            if significant < 19 {
                mantissa = mantissa &* 10 &+ UInt64(value)
                significant += 1
            } else {
                dropped = true
            }
        }
        let integralStart = i
        while i < to, buf[i] &- UInt8(ascii: "0") < 10 {
            digit(buf[i] &- UInt8(ascii: "0"))
            i += 1
        }
        guard i > integralStart else { return .invalid(at: i, "expected a digit, '-', inf or nan, got \(got(i))") }
        var scale = 0
        if i < to && buf[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < to, buf[i] &- UInt8(ascii: "0") < 10 {
                digit(buf[i] &- UInt8(ascii: "0"))
                scale -= 1  // (only used when no digit was dropped)
                i += 1
            }
            guard i > fractionStart else { return .invalid(at: i, "expected a digit after '.', got \(got(i))") }
        }
        if i < to && (buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E")) {
            i += 1
            let exponentNegative = i < to && buf[i] == UInt8(ascii: "-")
            if i < to && (buf[i] == UInt8(ascii: "+") || buf[i] == UInt8(ascii: "-")) { i += 1 }
            let exponentStart = i
            var exponent = 0
            while i < to, buf[i] &- UInt8(ascii: "0") < 10 {
                exponent = min(exponent &* 10 &+ Int(buf[i] &- UInt8(ascii: "0")), 1_000_000)
                i += 1
            }
            guard i > exponentStart else { return .invalid(at: i, "expected a digit in the exponent, got \(got(i))") }
            scale += exponentNegative ? -exponent : exponent
        }
        guard i == to else { return .invalid(at: i, "expected the end of the line, got \(got(i))") }

        if mantissa == 0 && !dropped { return .value(negative ? -0.0 : 0.0) }
        if !dropped && mantissa <= 1 << 53 && scale >= -22 && scale <= 22 {
            // Both operands are exact, so the one operation rounds correctly.
            let value = scale < 0 ? Double(mantissa) / powersOfTen[-scale] : Double(mantissa) * powersOfTen[scale]
            return .value(negative ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[from..<to]), as: UTF8.self)
        guard let value = Double(text) else { return .invalid(at: from, "not a number") }
        return .value(value)
    }

    /// `bytes` as a RESP3 double (see ``scanDouble(_:from:to:)``), or `nil`.
    static func double(in bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard case .value(let value) = scanDouble(bytes, from: 0, to: bytes.count) else { return nil }
        return value
    }

    /// 10^0 through 10^22: the powers of ten a `Double` holds exactly.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22,
    ]
}
