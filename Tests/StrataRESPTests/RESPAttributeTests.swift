import StrataRESP
import Testing

/// RESP3 attributes (`|`): consecutive ones merge into one list on the value that follows, and
/// merging costs time linear in the pairs, however many attributes come in a row.
@Suite("Attributes")
struct RESPAttributeTests {
    /// `count` attributes in a row, the i-th with `pairsEach` pairs (`+k<i>.<j>` -> `:<i>`), and
    /// the pairs they must merge into.
    static func run(of count: Int, pairsEach: Int = 1) -> (wire: String, pairs: [(key: RESPValue, value: RESPValue)]) {
        var wire = ""
        var pairs: [(key: RESPValue, value: RESPValue)] = []
        for i in 0..<count {
            wire += "|\(pairsEach)\r\n"
            for j in 0..<pairsEach {
                wire += "+k\(i).\(j)\r\n:\(i)\r\n"
                pairs.append((key: .simpleString("k\(i).\(j)"), value: .integer(i)))
            }
        }
        return (wire, pairs)
    }

    @Test func consecutiveAttributesMergeInOrder() throws {
        let (first, firstPairs) = Self.run(of: 2, pairsEach: 2)
        let wire = first + "|0\r\n" + "|1\r\n+ttl\r\n:3600\r\n" + ":7\r\n"
        let expected = RESPValue.attributed(7, attributes: firstPairs + [(key: .simpleString("ttl"), value: 3600)])
        #expect(try RESPParser.parseAll(wire.bytes) == [expected])
        #expect(try parseInChunks(wire.bytes, sizes: [1]) == [expected])
        // An empty attribute alone still marks the value.
        #expect(try RESPParser.parseAll("|0\r\n:1\r\n".bytes) == [.attributed(1, attributes: [])])
    }

    /// 10,000 attributes in a row: merging by copying the list each time moves 50 million pairs;
    /// appending in place moves fewer than 20,000 (the list's storage doubles as it grows).
    @Test func aLongRunOfAttributesMergesInLinearTime() throws {
        let count = 10_000
        let (run, pairs) = Self.run(of: count)
        // At top level, and inside an array (the attributes belong to its first element).
        for (wire, expected) in [
            (run + ":7\r\n", RESPValue.attributed(7, attributes: pairs)),
            ("*2\r\n" + run + ":7\r\n:8\r\n", .array([.attributed(7, attributes: pairs), 8])),
        ] {
            var parser = RESPParser()
            parser.append(contentsOf: wire.bytes)
            #expect(try parser.next() == expected)
            #expect(!parser.isMidValue)
            #expect(parser._attributePairsMoved <= 2 * count, "moved \(parser._attributePairsMoved) pairs")
        }
    }

    @Test func aRunOfAttributesParsesTheSameInAnyChunking() throws {
        let (run, pairs) = Self.run(of: 300, pairsEach: 2)
        let wire = ("*3\r\n:1\r\n" + run + "$2\r\nhi\r\n" + run + "*1\r\n:2\r\n").bytes
        let expected: [RESPValue] = [
            .array([1, .attributed("hi", attributes: pairs), .attributed([2], attributes: pairs)])
        ]
        #expect(try parseInChunks(wire, sizes: [wire.count]) == expected)
        #expect(try parseInChunks(wire, sizes: [1]) == expected)
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<20 {
            let sizes = (0..<8).map { _ in Int.random(in: 1...64, using: &rng) }
            #expect(try parseInChunks(wire, sizes: sizes) == expected, "chunk sizes \(sizes)")
        }
    }
}
