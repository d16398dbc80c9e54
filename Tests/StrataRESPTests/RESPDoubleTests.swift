import StrataRESP
import StrataTestSupport
import Testing

/// The RESP3 double (`,`) grammar: `[-]digits[.digits][(e|E)[+|-]digits]`, `inf`, `-inf`, `nan`,
/// and the legacy `-nan` that Redis before 7.2 sends; nothing else Swift's `Double(String)` takes.
@Suite("RESP3 doubles", .cpuBound)
struct RESPDoubleTests {
    static let accepted: [(String, Double)] = [
        ("0", 0), ("-0", -0.0), ("7", 7), ("007", 7), ("10", 10), ("-12.5", -12.5), ("3.14", 3.14),
        ("0.1", 0.1), ("0.000123", 0.000123), ("1e3", 1000), ("1E3", 1000), ("1e+3", 1000), ("1e-3", 0.001),
        ("1e+20", 1e20), ("-1.4999999999999999e-07", -1.4999999999999999e-07), ("-1.5E-07", -1.5e-07),
        ("0.10000000000000001", 0.1), ("98765.432100000005", 98765.4321),
        ("1.7976931348623157e+308", .greatestFiniteMagnitude),
        ("4.9406564584124654e-324", .leastNonzeroMagnitude), ("9007199254740993", 9_007_199_254_740_992),
        ("123456789012345678901234567890", 1.2345678901234568e29), ("2.5e-22", 2.5e-22), ("123.456e2", 12345.6),
        ("1e309", .infinity), ("-1e309", -.infinity), ("1e-400", 0), ("0e999999999999", 0),
        ("1e0000000000000000000022", 1e22), ("inf", .infinity), ("-inf", -.infinity),
    ]

    /// The NaN words: `nan`, and `-nan` from Redis before 7.2 (`EVAL "return {double=0/0}" 0`).
    static let nans = ["nan", "-nan"]

    /// A rejected line and the offset of the first byte that cannot belong to a double, counted
    /// from the `,` (so the line's first byte is at 1 and its CR at its length plus 1).
    static let rejected: [(String, Int)] = [
        ("", 1), ("-", 2), ("+1", 1), ("+inf", 1), ("+nan", 1), (".5", 1), ("-.5", 2), ("1.", 3), ("1.e5", 3),
        ("1e", 3), ("1e+", 4), ("1e-", 4), ("1e5.5", 4), ("1.5.5", 4), ("1x", 2), (" 1", 1), ("1 ", 2), ("--1", 2),
        ("0x1p3", 2), ("0x10", 2), ("1_000", 2), ("1,5", 2), ("1e5e5", 4), ("infinity", 4), ("Infinity", 1),
        ("INF", 1), ("-INF", 2), ("Inf", 1), ("in", 3), ("i", 2), ("inx", 3), ("NaN", 1), ("NAN", 1), ("nAn", 2),
        ("nan(0x1)", 4), ("-nan(ind)", 5), ("nanx", 4), ("-infinity", 5), ("\u{0661}", 1), ("1\u{00A0}", 2),
        ("١٢", 1),
    ]

    /// Every way the tests feed a line: whole, byte by byte, and in seeded random chunks,
    /// after a value so the offsets are stream offsets.
    static func feeds(_ wire: [UInt8]) -> [[Int]] {
        var rng = SeededGenerator(seed: UInt64(wire.count))
        return [[wire.count], [1]] + (0..<10).map { _ in (0..<4).map { _ in Int.random(in: 1...5, using: &rng) } }
    }

    @Test(arguments: accepted)
    func acceptedNumbers(_ line: String, _ expected: Double) throws {
        let wire = (":1\r\n," + line + "\r\n").bytes
        for sizes in Self.feeds(wire) {
            let values = try parseInChunks(wire, sizes: sizes)
            guard values.count == 2, case .double(let value) = values[1] else {
                Issue.record("\(line.debugDescription) in chunks \(sizes) gave \(values)")
                continue
            }
            #expect(value.bitPattern == expected.bitPattern, "\(line.debugDescription) gave \(value)")
        }
        // A bulk string holding the same text reads as the same number.
        #expect(try RESPValue.bulkString(line.bytes).asDouble().bitPattern == expected.bitPattern)
    }

    @Test(arguments: nans)
    func nanWords(_ line: String) throws {
        let wire = ("," + line + "\r\n").bytes
        for sizes in Self.feeds(wire) {
            let values = try parseInChunks(wire, sizes: sizes)
            guard values.count == 1, case .double(let value) = values[0] else {
                Issue.record("\(line.debugDescription) gave \(values)")
                continue
            }
            #expect(value.isNaN)
        }
    }

    @Test(arguments: rejected)
    func rejectedLines(_ line: String, _ offset: Int) {
        let wire = (":1\r\n," + line + "\r\n").bytes
        for sizes in Self.feeds(wire) {
            do {
                let values = try parseInChunks(wire, sizes: sizes)
                Issue.record("\(line.debugDescription) in chunks \(sizes) parsed as \(values)")
            } catch let error as RESPProtocolError {
                #expect(error.code == .invalidDouble, "\(line.debugDescription): \(error)")
                #expect(error.offset == 4 + offset, "\(line.debugDescription): \(error)")
                #expect(error.description.contains("at byte \(4 + offset)"))
            } catch {
                Issue.record("\(error)")
            }
        }
        #expect(throws: RESPDecodingError.self) { try RESPValue.bulkString(line.bytes).asDouble() }
    }

    /// Seeded random decimal texts in the grammar convert to exactly what the standard library's
    /// correctly rounded conversion gives, through the fast path and the slow one.
    @Test func conversionIsCorrectlyRounded() throws {
        var rng = SeededGenerator(seed: 2024)
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &rng))) })
        }
        for _ in 0..<20_000 {
            var text = Bool.random(using: &rng) ? "-" : ""
            text += digits(Int.random(in: 1...22, using: &rng))
            if Bool.random(using: &rng) { text += "." + digits(Int.random(in: 1...22, using: &rng)) }
            if Int.random(in: 0..<3, using: &rng) == 0 {
                text += ["e", "E", "e+", "e-", "E-"].randomElement(using: &rng)!
                text += String(Int.random(in: 0...40, using: &rng))
            }
            let parsed = try RESPParser.parseAll(("," + text + "\r\n").bytes)
            guard case .double(let value)? = parsed.first, let reference = Double(text) else {
                Issue.record("\(text) gave \(parsed)")
                continue
            }
            #expect(value.bitPattern == reference.bitPattern, "\(text): \(value) != \(reference)")
        }
    }

    /// What the encoder writes for any double parses back to the same double.
    @Test func encodedDoublesParseBack() throws {
        var rng = SeededGenerator(seed: 99)
        let special: [Double] = [
            0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        ]
        let values =
            special + (0..<5000).map { _ in Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng)) }
        for value in values {
            var encoder = RESPEncoder()
            encoder.write(.double(value), version: .resp3)
            let parsed = try RESPParser.parseAll(encoder.buffer)
            guard case .double(let back)? = parsed.first else {
                Issue.record("\(value) gave \(parsed)")
                continue
            }
            #expect(back.bitPattern == value.bitPattern || (back.isNaN && value.isNaN), "\(value) came back as \(back)")
        }
    }
}
