import StrataRESP
import StrataTestSupport
import Testing

let resp3Encodings: [(RESPValue, String)] = [
    (RESPValue.simpleString("OK"), "+OK\r\n"),
    (.simpleError("ERR x"), "-ERR x\r\n"),
    (.integer(-42), ":-42\r\n"),
    ("hi", "$2\r\nhi\r\n"),
    (.null, "_\r\n"),
    (.nullBulkString, "_\r\n"),
    (.nullArray, "_\r\n"),
    (true, "#t\r\n"),
    (false, "#f\r\n"),
    (1.23, ",1.23\r\n"),
    (10.0, ",10\r\n"),
    (.double(.infinity), ",inf\r\n"),
    (.double(-.infinity), ",-inf\r\n"),
    (.double(.nan), ",nan\r\n"),
    (.bigNumber("-123456789012345678901234567890"), "(-123456789012345678901234567890\r\n"),
    (.bulkError("SYNTAX invalid syntax".bytes), "!21\r\nSYNTAX invalid syntax\r\n"),
    (.verbatimString(format: "txt", "Some string".bytes), "=15\r\ntxt:Some string\r\n"),
    ([1, [2, "x"]], "*2\r\n:1\r\n*2\r\n:2\r\n$1\r\nx\r\n"),
    (.map([(key: .simpleString("first"), value: 1)]), "%1\r\n+first\r\n:1\r\n"),
    (.set([.simpleString("a")]), "~1\r\n+a\r\n"),
    (.push([.simpleString("message"), "ch", "hi"]), ">3\r\n+message\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
    (.attributed(3, attributes: [(key: .simpleString("ttl"), value: 3600)]), "|1\r\n+ttl\r\n:3600\r\n:3\r\n"),
    (.simpleString("line\r\nbreak"), "+line  break\r\n"),
]

let resp2Downgrades: [(RESPValue, String)] = [
    (RESPValue.map([(key: "a", value: 1), (key: "b", value: 2)]), "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n"),
    (.set(["x", "y"]), "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"),
    (.null, "$-1\r\n"),
    (.nullBulkString, "$-1\r\n"),
    (.nullArray, "*-1\r\n"),
    (true, ":1\r\n"),
    (false, ":0\r\n"),
    (1.5, "$3\r\n1.5\r\n"),
    (3.0, "$1\r\n3\r\n"),
    (.double(.infinity), "$3\r\ninf\r\n"),
    (.double(-.infinity), "$4\r\n-inf\r\n"),
    (.double(.nan), "$3\r\nnan\r\n"),
    (.bigNumber("12345678901234567890"), "$20\r\n12345678901234567890\r\n"),
    (.verbatimString(format: "txt", "Some string".bytes), "$11\r\nSome string\r\n"),
    (.push([.simpleString("message"), "ch", "hi"]), "*3\r\n+message\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
    (.bulkError("ERR bad\r\nthing".bytes), "-ERR bad  thing\r\n"),
    (.attributed(3, attributes: [(key: .simpleString("ttl"), value: 3600)]), ":3\r\n"),
    ([.map([(key: 1, value: true)]), .set([])], "*2\r\n*2\r\n:1\r\n:1\r\n*0\r\n"),
    (.simpleString("OK"), "+OK\r\n"),
    (.simpleError("ERR x"), "-ERR x\r\n"),
    (.integer(7), ":7\r\n"),
    ("hi", "$2\r\nhi\r\n"),
    ([1, "a"], "*2\r\n:1\r\n$1\r\na\r\n"),
]

@Suite("Encoding", .cpuBound)
struct RESPEncoderTests {
    @Test func commandFromMixedArguments() {
        var encoder = RESPEncoder()
        encoder.writeCommand("SET", "key", [0x00, 0xFF] as [UInt8], "EX", 60, -7, 1.5)
        let bytes =
            "*7\r\n$3\r\nSET\r\n$3\r\nkey\r\n$2\r\n".bytes + [0x00, 0xFF]
            + "\r\n$2\r\nEX\r\n$2\r\n60\r\n$2\r\n-7\r\n$3\r\n1.5\r\n".bytes
        #expect(encoder.buffer == bytes)
    }

    @Test(arguments: [
        (0, "0"), (9, "9"), (10, "10"), (-1, "-1"), (123_456_789, "123456789"),
        (Int.max, "9223372036854775807"), (Int.min, "-9223372036854775808"),
    ])
    func integerArguments(_ value: Int, _ text: String) {
        var encoder = RESPEncoder()
        encoder.writeCommand(value)
        #expect(encoder.buffer == "*1\r\n$\(text.utf8.count)\r\n\(text)\r\n".bytes)
    }

    @Test(arguments: [
        (1.5, "1.5"), (3.0, "3"), (-0.0, "-0"), (1e20, "1e+20"), (0.1, "0.1"),
        (Double.infinity, "inf"), (-Double.infinity, "-inf"), (Double.nan, "nan"),
    ])
    func doubleArguments(_ value: Double, _ text: String) {
        var encoder = RESPEncoder()
        encoder.writeCommand(value)
        #expect(encoder.buffer == "*1\r\n$\(text.utf8.count)\r\n\(text)\r\n".bytes)
    }

    @Test func commandFromCollectionAndSlices() {
        var encoder = RESPEncoder()
        encoder.writeCommand(["MGET", "a", "b"])
        let bytes: [UInt8] = Array("xyz".utf8)
        encoder.writeArrayHeader(count: 2)
        encoder.writeArgument(bytes[1...])
        encoder.writeArgument("hello world".dropFirst(6))
        #expect(encoder.buffer == "*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n$2\r\nyz\r\n$5\r\nworld\r\n".bytes)
    }

    /// Every length around the one-step writer's digit counts and limit, against the header
    /// spelled out (red when a digit, the CRLF or the copy is misplaced).
    @Test func bulkStringsOfEveryLengthClass() {
        let lengths = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 1023, 1024, 1025, 4096]
        for length in lengths {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            var encoder = RESPEncoder()
            encoder.writeArrayHeader(count: 2)
            encoder.writeArgument(payload)
            encoder.writeArgument("k")
            let expected = "*2\r\n$\(length)\r\n".bytes + payload + "\r\n$1\r\nk\r\n".bytes
            #expect(encoder.buffer == expected, "length \(length)")
        }
    }

    @Test func resetKeepsCapacity() {
        var encoder = RESPEncoder(reservingCapacity: 1024)
        encoder.writeCommand("GET", "key")
        let capacity = encoder.buffer.capacity
        encoder.reset()
        #expect(encoder.buffer.isEmpty)
        #expect(encoder.buffer.capacity == capacity)
    }

    @Test func nonASCIIAndEmptyArguments() throws {
        var encoder = RESPEncoder()
        encoder.writeCommand("SET", "clé", "")
        #expect(encoder.buffer == "*3\r\n$3\r\nSET\r\n$4\r\nclé\r\n$0\r\n\r\n".bytes)
        let parsed = try RESPParser.parseAll(encoder.buffer, mode: .commands)
        #expect(parsed == [["SET", "clé", ""]])
    }

    /// RESP3 encodings, byte for byte.
    @Test(arguments: resp3Encodings)
    func resp3Encoding(_ value: RESPValue, _ wire: String) {
        var encoder = RESPEncoder()
        encoder.write(value, version: .resp3)
        #expect(encoder.buffer == wire.bytes)
    }

    /// RESP3 -> RESP2, by Redis' rules.
    @Test(arguments: resp2Downgrades)
    func resp2Downgrade(_ value: RESPValue, _ wire: String) {
        var encoder = RESPEncoder()
        encoder.write(value, version: .resp2)
        #expect(encoder.buffer == wire.bytes)
    }
}
