/// An incremental parser of trace text: one integer key per line, fed in chunks of any size
/// (a line may span chunks). An optional sign, `\r\n` line ends, spaces and blank lines are
/// tolerated; anything else is an error that names the line.
///
/// ```swift
/// var parser = TraceParser()
/// var keys: [Int] = []
/// Array("1\n-2\n3".utf8).withUnsafeBytes { _ = parser.consume($0, into: &keys) }
/// _ = parser.finish(into: &keys)  // keys == [1, -2, 3]
/// ```
public struct TraceParser {
    private var value = 0
    private var negative = false
    private var digits = 0
    private var sawSign = false
    private var line = 1

    /// A parser at the start of a trace.
    public init() {}

    /// Parses `bytes`, appending each complete key to `keys`; returns an error message if a
    /// line is not an integer.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer, into keys: inout [Int]) -> String? {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let (scaled, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, carry) = scaled.addingReportingOverflow(Int(byte &- UInt8(ascii: "0")))
                if overflow || carry { return "line \(line): key out of range" }
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
    public mutating func finish(into keys: inout [Int]) -> String? {
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
