import StrataRESP
import Testing

/// What a Redis server reads: arrays of bulk strings, and inline commands typed into telnet.
@Suite("Command mode and inline commands")
struct RESPCommandModeTests {
    @Test(
        arguments: [
            ("PING\r\n", [["PING"]]),
            ("PING\n", [["PING"]]),
            ("SET a b\r\n", [["SET", "a", "b"]]),
            ("  SET   a\tb  \r\n", [["SET", "a", "b"]]),
            ("SET a \"hello world\"\r\n", [["SET", "a", "hello world"]]),
            ("SET a \"\\x41\\n\\\"q\\\\\"\r\n", [["SET", "a", "A\n\"q\\"]]),
            ("SET a 'it\\'s'\r\n", [["SET", "a", "it's"]]),
            ("SET a ''\r\n", [["SET", "a", ""]]),
            ("ECHO a\"b c\"\r\n", [["ECHO", "ab c"]]),
            ("\r\n\r\nPING\r\n", [["PING"]]),
            ("PING\r\n*1\r\n$4\r\nPING\r\nECHO x\r\n", [["PING"], ["PING"], ["ECHO", "x"]]),
            ("*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n", [["PING"]]),
        ] as [(String, [RESPValue])])
    func inlineAndMultibulk(_ wire: String, _ expected: [RESPValue]) throws {
        #expect(try RESPParser.parseAll(wire.bytes, mode: .commands) == expected)
        #expect(try parseInChunks(wire.bytes, sizes: [1], mode: .commands) == expected)
    }

    @Test func bulkPayloadMayHoldAnyBytes() throws {
        var encoder = RESPEncoder()
        let payload: [UInt8] = (0...255).map { UInt8($0) }
        encoder.writeCommand("SET", "k", payload)
        let values = try parseInChunks(encoder.buffer, sizes: [3], mode: .commands)
        #expect(values == [.array(["SET", "k", .bulkString(payload)])])
    }

    @Test func typeBytesOtherThanArrayAreInlineAtTopLevel() throws {
        // Redis reads "+PING" typed into telnet as an inline command named "+PING".
        #expect(try RESPParser.parseAll("+PING\r\n".bytes, mode: .commands) == [["+PING"]])
    }
}
