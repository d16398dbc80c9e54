import StrataRESP
import StrataTestSupport
import Testing

/// One malformed input, the error it must raise, and where.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    var input: [UInt8]
    var code: RESPProtocolError.Code
    var offset: Int
    var mode: RESPParser.Mode = .values
    var limits: RESPParser.Limits = .default

    init(
        _ input: String,
        _ code: RESPProtocolError.Code,
        at offset: Int,
        mode: RESPParser.Mode = .values,
        limits: RESPParser.Limits = .default
    ) {
        self.init(input.bytes, code, at: offset, mode: mode, limits: limits)
    }

    init(
        _ input: [UInt8],
        _ code: RESPProtocolError.Code,
        at offset: Int,
        mode: RESPParser.Mode = .values,
        limits: RESPParser.Limits = .default
    ) {
        self.input = input
        self.code = code
        self.offset = offset
        self.mode = mode
        self.limits = limits
    }

    var testDescription: String {
        let shown = String(decoding: input.prefix(40), as: UTF8.self).debugDescription
        return "\(shown) -> \(code) at \(offset)"
    }
}

let malformedCases: [MalformedCase] = [
    MalformedCase("?abc\r\n", .unknownType, at: 0),
    MalformedCase("\r\n", .unknownType, at: 0),
    MalformedCase([0x00, 0x0D, 0x0A], .unknownType, at: 0),
    MalformedCase("+OK\r\n:1\r\n@\r\n", .unknownType, at: 9),
    MalformedCase("+OK\n", .missingCRLF, at: 3),
    MalformedCase(":1\n", .missingCRLF, at: 2),
    MalformedCase("\n", .unknownType, at: 0),
    MalformedCase("$3\r\nabcd\r\n", .missingCRLF, at: 7),
    MalformedCase("$3\r\nabc\rx", .missingCRLF, at: 8),
    MalformedCase("$abc\r\n", .invalidLength, at: 1),
    MalformedCase("$\r\n", .invalidLength, at: 1),
    MalformedCase("$-\r\n", .invalidLength, at: 2),
    MalformedCase("$1 \r\n", .invalidLength, at: 2),
    MalformedCase("$?x\r\n", .invalidLength, at: 1),
    MalformedCase("*x\r\n", .invalidLength, at: 1),
    MalformedCase(">?\r\n", .invalidLength, at: 1),
    MalformedCase("$99999999999999999999\r\n", .lengthOverflow, at: 1),
    MalformedCase("*9223372036854775808\r\n", .lengthOverflow, at: 1),
    MalformedCase("$123456789012345678901234567890123\r\n", .lineTooLong, at: 1),
    MalformedCase("$-2\r\n", .negativeLength, at: 1),
    MalformedCase("*-5\r\n", .negativeLength, at: 1),
    MalformedCase("%-1\r\n", .negativeLength, at: 1),
    MalformedCase("!-1\r\n", .negativeLength, at: 1),
    MalformedCase("$?\r\n;-1\r\n", .negativeLength, at: 5),
    MalformedCase(":12a\r\n", .invalidInteger, at: 3),
    MalformedCase(":\r\n", .invalidInteger, at: 1),
    MalformedCase(":-\r\n", .invalidInteger, at: 2),
    MalformedCase(":99999999999999999999\r\n", .invalidInteger, at: 1),
    MalformedCase(":-9223372036854775809\r\n", .invalidInteger, at: 1),
    MalformedCase(",abc\r\n", .invalidDouble, at: 1),
    MalformedCase(",.5\r\n", .invalidDouble, at: 1),
    MalformedCase(",1.\r\n", .invalidDouble, at: 3),
    MalformedCase(",1e\r\n", .invalidDouble, at: 3),
    MalformedCase(",0x1p3\r\n", .invalidDouble, at: 2),
    MalformedCase(",\r\n", .invalidDouble, at: 1),
    MalformedCase("#x\r\n", .invalidBoolean, at: 1),
    MalformedCase("#tt\r\n", .invalidBoolean, at: 1),
    MalformedCase("#\r\n", .invalidBoolean, at: 1),
    MalformedCase("(12a\r\n", .invalidBigNumber, at: 3),
    MalformedCase("(\r\n", .invalidBigNumber, at: 1),
    MalformedCase("_x\r\n", .invalidNull, at: 1),
    MalformedCase("=3\r\ntxt\r\n", .invalidVerbatimString, at: 1),
    MalformedCase("=5\r\ntxtx1\r\n", .invalidVerbatimString, at: 7),
    MalformedCase([UInt8]("=5\r\n".utf8) + [0x74, 0xFF, 0x74, 0x3A, 0x31, 0x0D, 0x0A], .invalidVerbatimString, at: 5),
    MalformedCase("+a\rb\r\n", .missingCRLF, at: 3),
    MalformedCase(";3\r\nabc\r\n", .unexpectedStreamPart, at: 0),
    MalformedCase(".\r\n", .unexpectedStreamPart, at: 0),
    MalformedCase("*2\r\n.\r\n", .unexpectedStreamPart, at: 4),
    MalformedCase("$?\r\n+x\r\n", .unexpectedStreamPart, at: 4),
    MalformedCase("*?\r\n;1\r\nx\r\n", .unexpectedStreamPart, at: 4),
    MalformedCase("%?\r\n+a\r\n.\r\n", .invalidMapLength, at: 8),
    MalformedCase("*?\r\n|1\r\n+a\r\n:1\r\n.\r\n", .invalidMapLength, at: 16),
    MalformedCase("*?\r\n.x\r\n", .missingCRLF, at: 5),
    MalformedCase(String(repeating: "*1\r\n", count: 200), .nestingTooDeep, at: 128 * 4),
    MalformedCase(String(repeating: "%1\r\n", count: 200), .nestingTooDeep, at: 128 * 4),
    MalformedCase("*1\r\n*1\r\n*1\r\n:1\r\n", .nestingTooDeep, at: 8, limits: .init(maxDepth: 2)),
    MalformedCase("*5\r\n", .tooManyElements, at: 1, limits: .init(maxAggregateLength: 4)),
    MalformedCase("%3\r\n", .tooManyElements, at: 1, limits: .init(maxAggregateLength: 2)),
    MalformedCase("*?\r\n:1\r\n:2\r\n:3\r\n", .tooManyElements, at: 0, limits: .init(maxAggregateLength: 2)),
    MalformedCase("%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n", .tooManyElements, at: 0, limits: .init(maxAggregateLength: 1)),
    MalformedCase("$10\r\n0123456789\r\n", .bulkTooLong, at: 1, limits: .init(maxBulkLength: 5)),
    MalformedCase("$?\r\n;4\r\nabcd\r\n;4\r\nabcd\r\n", .bulkTooLong, at: 15, limits: .init(maxBulkLength: 6)),
    MalformedCase("$536870913\r\n", .bulkTooLong, at: 1),
    MalformedCase("+" + String(repeating: "a", count: 1_100_000), .lineTooLong, at: 1),
    MalformedCase(
        "-" + String(repeating: "a", count: 100) + "\r\n", .lineTooLong, at: 1, limits: .init(maxLineLength: 50)),
    MalformedCase(":" + String(repeating: "1", count: 40), .lineTooLong, at: 1),
    // Command mode: what a Redis server rejects.
    MalformedCase("*1\r\n:1\r\n", .expectedBulkString, at: 4, mode: .commands),
    MalformedCase("*2\r\n$3\r\nGET\r\n*1\r\n", .expectedBulkString, at: 13, mode: .commands),
    MalformedCase("*1\r\n$-1\r\n", .negativeLength, at: 5, mode: .commands),
    MalformedCase("*1\r\n$?\r\n", .invalidLength, at: 5, mode: .commands),
    MalformedCase("*x\r\n", .invalidLength, at: 1, mode: .commands),
    MalformedCase("SET a \"b\r\n", .unbalancedQuotes, at: 0, mode: .commands),
    MalformedCase("SET a 'b\r\n", .unbalancedQuotes, at: 0, mode: .commands),
    MalformedCase("SET \"a\"b c\r\n", .unbalancedQuotes, at: 0, mode: .commands),
    MalformedCase("PING\r\nGET \"x\r\n", .unbalancedQuotes, at: 6, mode: .commands),
    MalformedCase(String(repeating: "A", count: 70_000), .inlineTooLong, at: 0, mode: .commands),
    MalformedCase(
        String(repeating: "A", count: 100) + "\r\n", .inlineTooLong, at: 0, mode: .commands,
        limits: .init(maxInlineLength: 64)),
]

@Suite("Malformed input", .cpuBound)
struct RESPMalformedInputTests {
    @Test(arguments: malformedCases)
    func malformedInputThrows(_ malformed: MalformedCase) {
        let error = parseError(malformed.input, mode: malformed.mode, limits: malformed.limits)
        #expect(error?.code == malformed.code)
        #expect(error?.offset == malformed.offset)
    }

    @Test(arguments: malformedCases)
    func sameErrorByteByByte(_ malformed: MalformedCase) throws {
        // Fed one byte at a time, the same error comes out at the same offset.
        guard malformed.input.count < 5000 else { return }
        do {
            _ = try parseInChunks(malformed.input, sizes: [1], mode: malformed.mode, limits: malformed.limits)
            Issue.record("no error for \(malformed.testDescription)")
        } catch let error as RESPProtocolError {
            #expect(error.code == malformed.code)
            #expect(error.offset == malformed.offset)
        }
    }

    @Test func failedParserStaysFailed() throws {
        var parser = RESPParser()
        parser.append(contentsOf: "+OK\r\n?bad\r\n+fine\r\n".bytes)
        #expect(try parser.next() == .simpleString("OK"))
        let first = #expect(throws: RESPProtocolError.self) { try parser.next() }
        parser.append(contentsOf: "+more\r\n".bytes)
        let second = #expect(throws: RESPProtocolError.self) { try parser.next() }
        #expect(first == second)
        #expect(first?.offset == 5)
    }

    @Test func errorDescriptionNamesTheProblemAndOffset() {
        let error = parseError("$12x\r\n".bytes)
        #expect(error?.description == "invalid length at byte 3: expected a digit, got 'x'")
        let binary = parseError([0xFF])
        #expect(binary?.description == "unknown type byte at byte 0: got 0xFF")
    }

    @Test func streamedAggregatesMayReachTheElementLimit() throws {
        let limits = RESPParser.Limits(maxAggregateLength: 2)
        let array = try RESPParser.parseAll("*?\r\n:1\r\n:2\r\n.\r\n".bytes, limits: limits)
        #expect(array == [.array([.integer(1), .integer(2)])])
        let map = try RESPParser.parseAll("%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n".bytes, limits: limits)
        #expect(map == [.map([(key: .simpleString("a"), value: 1), (key: .simpleString("b"), value: 2)])])
    }

    @Test func truncatedInputIsReportedByParseAll() {
        #expect(throws: RESPProtocolError.self) { try RESPParser.parseAll("$3\r\nab".bytes) }
        #expect(throws: RESPProtocolError.self) { try RESPParser.parseAll("*2\r\n:1\r\n".bytes) }
    }

    @Test func deepNestingDoesNotRecurse() throws {
        // A million nested headers: the parser must fail on the limit, not overflow the stack.
        let wire = [UInt8](String(repeating: "*1\r\n", count: 1_000_000).utf8)
        let error = parseError(wire)
        #expect(error?.code == .nestingTooDeep)
        // With a generous limit, 100,000 levels parse (and free) without recursion in the parser.
        var limits = RESPParser.Limits()
        limits.maxDepth = 200_000
        var parser = RESPParser(limits: limits)
        parser.append(contentsOf: wire.prefix(400_000))
        #expect(try parser.next() == nil)
        #expect(parser.isMidValue)
    }

    @Test func hugeAnnouncedSizesWaitForTheirBytes() throws {
        // A claim of 512 MiB or two billion elements is accepted and waits; memory grows only with the bytes.
        var parser = RESPParser()
        parser.append(contentsOf: "$536870912\r\nabc".bytes)
        #expect(try parser.next() == nil)
        var arrays = RESPParser()
        arrays.append(contentsOf: "*2147483647\r\n:1\r\n".bytes)
        #expect(try arrays.next() == nil)
        #expect(arrays.isMidValue)
    }
}
