import StrataRESP
import StrataTestSupport
import Testing

/// Inputs the fuzzer (scripts/fuzz.sh) found, pinned so they stay fixed.
@Suite("Fuzzer regressions", .cpuBound)
struct RESPFuzzRegressionTests {
    /// The limits the fuzz target uses.
    static let fuzzLimits = RESPParser.Limits(
        maxBulkLength: 4096, maxAggregateLength: 64, maxDepth: 16, maxLineLength: 512, maxInlineLength: 256)

    static func outcome(_ bytes: [UInt8], sizes: [Int], mode: RESPParser.Mode) -> ([RESPValue], RESPProtocolError?) {
        var values: [RESPValue] = []
        do {
            values = try parseInChunks(bytes, sizes: sizes, mode: mode, limits: fuzzLimits)
            return (values, nil)
        } catch let error as RESPProtocolError {
            return (values, error)
        } catch {
            return (values, nil)
        }
    }

    /// A line longer than the limit with a bare LF after the limit: the error was "missing CRLF" when
    /// parsed whole and "line too long" when parsed in pieces. Both now say "line too long".
    @Test func longLineWithLateBareLF() {
        let input = Array("$".utf8) + Array(repeating: UInt8(ascii: "1"), count: 40) + [0x0A]
        for mode in [RESPParser.Mode.values, .commands] {
            let whole = Self.outcome(input, sizes: [input.count], mode: mode)
            let pieces = Self.outcome(input, sizes: [1], mode: mode)
            #expect(whole.1 == pieces.1)
        }
        #expect(Self.outcome(input, sizes: [input.count], mode: .values).1?.code == .lineTooLong)
    }

    /// crash-42afd374: a lone CR inside a simple string was accepted, and re-encoding turned it into a
    /// space. Simple strings cannot hold CR, so the parser now rejects it.
    @Test func loneCRInSimpleString() {
        let input: [UInt8] =
            Array("+OK".utf8) + [0xF7, 0x0D] + Array("J-ERR ba".utf8) + [0x96, 0xF2, 0xCE, 0xF5]
            + Array(":23\r\n:-9\r\n".utf8)
        let error = parseError(input)
        #expect(error?.code == .missingCRLF)
        #expect(error?.offset == 5)
        #expect(parseError(Array("+a\rb\r\n".utf8))?.offset == 3)
    }

    /// crash-3fae2499: a verbatim string whose format was not ASCII lost bytes when re-encoded.
    /// The format must now be three printable ASCII characters.
    @Test func nonASCIIVerbatimFormat() {
        let input: [UInt8] = Array("=15\r\n".utf8) + [0xC3, 0xA9, 0x74] + Array(":Some string\r\n".utf8)
        #expect(parseError(input)?.code == .invalidVerbatimString)
    }
}
