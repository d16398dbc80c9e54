import StrataRESP
import Testing

/// The examples of the RESP3 specification (redis/redis-specifications, protocol/RESP3.md), one per type,
/// plus the RESP2 forms.
let specExamples: [(String, RESPValue)] = [
    ("$11\r\nhello world\r\n", "hello world"),
    ("$0\r\n\r\n", .bulkString([])),
    ("+hello world\r\n", .simpleString("hello world")),
    ("-ERR this is the error description\r\n", .simpleError("ERR this is the error description")),
    (":1234\r\n", 1234),
    (":-9223372036854775808\r\n", .integer(Int.min)),
    (":+7\r\n", 7),
    ("_\r\n", .null),
    (",1.23\r\n", 1.23),
    (",10\r\n", 10.0),
    (",1.5e3\r\n", 1500.0),
    (",-2E-2\r\n", -0.02),
    (",inf\r\n", .double(.infinity)),
    (",-inf\r\n", .double(-.infinity)),
    (",nan\r\n", .double(.nan)),
    (",-nan\r\n", .double(.nan)),
    ("#t\r\n", true),
    ("#f\r\n", false),
    ("!21\r\nSYNTAX invalid syntax\r\n", .bulkError("SYNTAX invalid syntax".bytes)),
    ("=15\r\ntxt:Some string\r\n", .verbatimString(format: "txt", "Some string".bytes)),
    ("(3492890328409238509324850943850943825024385\r\n", .bigNumber("3492890328409238509324850943850943825024385")),
    ("(-3492890328409238509324850943850943825024385\r\n", .bigNumber("-3492890328409238509324850943850943825024385")),
    ("*3\r\n:1\r\n:2\r\n:3\r\n", [1, 2, 3]),
    ("*2\r\n*3\r\n:1\r\n$5\r\nhello\r\n:2\r\n#f\r\n", [[1, "hello", 2], false]),
    ("*0\r\n", []),
    ("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", .map([(.simpleString("first"), 1), (.simpleString("second"), 2)])),
    ("%1\r\n*1\r\n:1\r\n#t\r\n", .map([([1], true)])),
    ("%0\r\n", .map([])),
    (
        "~5\r\n+orange\r\n+apple\r\n#t\r\n:100\r\n:999\r\n",
        .set([.simpleString("orange"), .simpleString("apple"), true, 100, 999])
    ),
    (
        "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
        .attributed(
            [2_039_123, 9_543_892],
            attributes: [(.simpleString("key-popularity"), .map([("a", 0.1923), ("b", 0.0012)]))])
    ),
    (
        "*3\r\n:1\r\n:2\r\n|1\r\n+ttl\r\n:3600\r\n:3\r\n",
        [1, 2, .attributed(3, attributes: [(.simpleString("ttl"), 3600)])]
    ),
    (
        ">3\r\n+message\r\n+somechannel\r\n+this is the message\r\n",
        .push([.simpleString("message"), .simpleString("somechannel"), .simpleString("this is the message")])
    ),
    // The specification's own streamed example: its chunks spell "Hello word", not "Hello world".
    ("$?\r\n;4\r\nHell\r\n;5\r\no wor\r\n;1\r\nd\r\n;0\r\n", "Hello word"),
    ("$?\r\n;0\r\n", .bulkString([])),
    ("*?\r\n:1\r\n:2\r\n:3\r\n.\r\n", [1, 2, 3]),
    ("~?\r\n+a\r\n.\r\n", .set([.simpleString("a")])),
    ("%?\r\n+a\r\n:1\r\n+b\r\n:2\r\n.\r\n", .map([(.simpleString("a"), 1), (.simpleString("b"), 2)])),
    ("*?\r\n*?\r\n.\r\n$?\r\n;1\r\nx\r\n;0\r\n.\r\n", [[], "x"]),
    ("$-1\r\n", .nullBulkString),
    ("*-1\r\n", .nullArray),
    ("*2\r\n$3\r\nfoo\r\n$-1\r\n", ["foo", .nullBulkString]),
    ("$4\r\n\r\n\r\n\r\n", .bulkString([13, 10, 13, 10])),
]

@Suite("RESP3 specification examples")
struct RESPSpecExamplesTests {
    @Test(arguments: specExamples)
    func parsesExample(_ wire: String, _ expected: RESPValue) throws {
        let values = try RESPParser.parseAll(wire.bytes)
        #expect(values == [expected])
    }

    @Test func parsesAllExamplesBackToBack() throws {
        let wire = specExamples.map(\.0).joined()
        #expect(try RESPParser.parseAll(wire.bytes) == specExamples.map(\.1))
    }

    @Test func helloReplyIsAMap() throws {
        let wire =
            "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:3\r\n"
            + "$2\r\nid\r\n:5\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
            + "$7\r\nmodules\r\n*0\r\n"
        let hello = try RESPParser.parseAll(wire.bytes)[0]
        let fields: [String: RESPValue] = try hello.decode()
        #expect(fields["proto"] == 3)
        #expect(try fields["server"]?.asString() == "redis")
        #expect(try hello.asMap().map { try $0.key.asString() }.first == "server")
    }

    @Test func pushMessageInterleavedWithReply() throws {
        let wire = ">3\r\n+message\r\n+somechannel\r\n+this is the message\r\n$9\r\nGet-Reply\r\n"
        let values = try RESPParser.parseAll(wire.bytes)
        #expect(values.count == 2)
        #expect(values[1] == "Get-Reply")
        if case .push = values[0] {} else { Issue.record("expected a push, got \(values[0])") }
    }
}
