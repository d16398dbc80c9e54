import StrataRESP
import StrataTestSupport
import Testing

/// However the bytes are cut into reads, the parser must produce the same values.
@Suite("Parsing in any chunking", .cpuBound)
struct RESPChunkingTests {
    static let wire = specExamples.map(\.0).joined().bytes + Array(repeating: UInt8(ascii: "x"), count: 0)

    @Test(arguments: specExamples)
    func everySplitPointOfEveryExample(_ example: String, _ expected: RESPValue) throws {
        let bytes = example.bytes
        for cut in 0...bytes.count {
            var parser = RESPParser()
            var values: [RESPValue] = []
            parser.append(contentsOf: bytes[..<cut])
            while let value = try parser.next() { values.append(value) }
            parser.append(contentsOf: bytes[cut...])
            while let value = try parser.next() { values.append(value) }
            #expect(values == [expected], "cut at byte \(cut) of \(example.debugDescription)")
            #expect(!parser.isMidValue)
        }
    }

    @Test func byteByByte() throws {
        #expect(try parseInChunks(Self.wire, sizes: [1]) == specExamples.map(\.1))
    }

    @Test func randomChunks() throws {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            let sizes = (0..<16).map { _ in Int.random(in: 1...40, using: &rng) }
            #expect(try parseInChunks(Self.wire, sizes: sizes) == specExamples.map(\.1))
        }
    }

    @Test func everyTwoWaySplitOfTheWholeCorpus() throws {
        let expected = specExamples.map(\.1)
        for cut in 0...Self.wire.count {
            var parser = RESPParser()
            var values: [RESPValue] = []
            parser.append(contentsOf: Self.wire[..<cut])
            while let value = try parser.next() { values.append(value) }
            parser.append(contentsOf: Self.wire[cut...])
            while let value = try parser.next() { values.append(value) }
            #expect(values == expected, "cut at byte \(cut)")
        }
    }

    @Test func valuesComeOutBeforeTheNextOneCompletes() throws {
        var parser = RESPParser()
        parser.append(contentsOf: "+OK\r\n$5\r\nhel".bytes)
        #expect(try parser.next() == .simpleString("OK"))
        #expect(try parser.next() == nil)
        #expect(parser.isMidValue)
        parser.append(contentsOf: "lo\r\n".bytes)
        #expect(try parser.next() == "hello")
        #expect(try parser.next() == nil)
        #expect(!parser.isMidValue)
    }

    @Test func largeBulkArrivesWithoutRescanning() throws {
        // 8 MiB in 16 KiB reads: the payload goes straight into the value, the buffer stays small.
        let size = 8 * 1024 * 1024
        var parser = RESPParser()
        parser.append(contentsOf: "$\(size)\r\n".bytes)
        let chunk = [UInt8](repeating: 0xAB, count: 16 * 1024)
        #expect(try parser.next() == nil)
        var sent = 0
        while sent < size {
            parser.append(contentsOf: chunk[..<min(chunk.count, size - sent)])
            sent += min(chunk.count, size - sent)
            #expect(parser._bufferedInternally < 64)
        }
        #expect(try parser.next() == nil)
        parser.append(contentsOf: "\r\n:1\r\n".bytes)
        let value = try parser.next()
        guard case .bulkString(let bytes) = value else {
            Issue.record("expected a bulk string")
            return
        }
        #expect(bytes.count == size && bytes.allSatisfy { $0 == 0xAB })
        #expect(try parser.next() == 1)
        #expect(parser.totalBytesAppended == "$\(size)\r\n".utf8.count + size + 6)
    }

    @Test func longLineFedOneByteAtATimeIsLinear() throws {
        // Rescanning from the start of the line on each byte would be quadratic (~10^11 steps here).
        let length = 300_000
        var parser = RESPParser()
        parser.append(contentsOf: [UInt8(ascii: "+")])
        for _ in 0..<length {
            parser.append(contentsOf: [UInt8(ascii: "a")])
            #expect(try parser.next() == nil)
        }
        parser.append(contentsOf: "\r\n".bytes)
        #expect(try parser.next() == .simpleString(String(repeating: "a", count: length)))
    }

    @Test func largeAggregateSplitAcrossReadsKeepsFinishedElements() throws {
        var wire = "*10000\r\n".bytes
        for i in 0..<10_000 { wire += ":\(i)\r\n".bytes }
        let values = try parseInChunks(wire, sizes: [7, 13, 1, 64])
        #expect(values == [.array((0..<10_000).map { .integer($0) })])
    }

    /// Aggregates of complete scalars are parsed whole, their elements collected in a scratch
    /// buffer first; anything else, or a read ending inside one, falls back to the general path.
    /// Both must give the same values however the bytes are cut, around the size where the whole
    /// path stops (1,024 elements, 512 map pairs) and with scalars the fast path does not take.
    static let scalarAggregates: [RESPValue] = {
        func bulk(_ i: Int) -> RESPValue { .bulkString(Array("value-\(i)".utf8)) }
        let odd: [RESPValue] = [
            .null, .double(1.5), .simpleString(String(repeating: "s", count: 300)),
            .bulkString([]), .integer(-42), .boolean(true), .simpleError("ERR x"), .bulkString([0x0D, 0x0A]),
        ]
        var values: [RESPValue] = []
        for count in [1, 2, 100, 1023, 1024, 1025] {
            values.append(.array((0..<count).map(bulk)))
        }
        values.append(.set((0..<300).map { .integer($0) }))
        values.append(.set([1, "two", .simpleString("three")]))
        values.append(.push(["invalidate", .array(["key"])]))
        for count in [31, 32, 33] {
            values.append(.set((0..<count).map(bulk)))
        }
        for pairs in [1, 511, 512, 513] {
            values.append(.map((0..<pairs).map { (key: bulk($0), value: .integer($0)) }))
        }
        values.append(.map([(key: "a", value: .array(["b", 1])), (key: .integer(2), value: .null)]))
        values.append(.array((0..<50).map(bulk) + odd + (50..<100).map(bulk)))
        values.append(.array([.array((0..<10).map(bulk)), .map([(key: "k", value: "v")]), .set([])]))
        values.append(.map(odd.map { (key: $0, value: $0) }))
        values.append(.attributed(.array(["x", "y"]), attributes: [(key: "ttl", value: 3)]))
        values.append(.array([.attributed("x", attributes: [(key: "a", value: 1)]), "y"]))
        return values
    }()

    @Test func aggregatesOfScalarsInAnyChunking() throws {
        var encoder = RESPEncoder()
        for value in Self.scalarAggregates { encoder.write(value, version: .resp3) }
        let wire = encoder.buffer
        let whole = try parseInChunks(wire, sizes: [wire.count])
        #expect(whole.count == Self.scalarAggregates.count)
        for (index, (a, b)) in zip(whole, Self.scalarAggregates).enumerated() where a != b {
            Issue.record(
                "value \(index): parsed \(String(describing: a).prefix(300)), expected \(String(describing: b).prefix(300))"
            )
        }
        #expect(try parseInChunks(wire, sizes: [1]) == Self.scalarAggregates)
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<20 {
            let sizes = (0..<8).map { _ in Int.random(in: 1...20_000, using: &rng) }
            #expect(try parseInChunks(wire, sizes: sizes) == Self.scalarAggregates, "reads of \(sizes)")
        }
    }

    @Test func everySplitPointOfAnArrayAndAMapOfBulkStrings() throws {
        let expected: [RESPValue] = [
            .array(["ab", "", .nullBulkString, "cde", 7]),
            .map([(key: "k", value: "v"), (key: .simpleString("n"), value: 1)]),
            .simpleString("OK"),
        ]
        let wire =
            "*5\r\n$2\r\nab\r\n$0\r\n\r\n$-1\r\n$3\r\ncde\r\n:7\r\n%2\r\n$1\r\nk\r\n$1\r\nv\r\n+n\r\n:1\r\n+OK\r\n"
            .bytes
        for cut in 0...wire.count {
            var parser = RESPParser()
            var values: [RESPValue] = []
            parser.append(contentsOf: wire[..<cut])
            while let value = try parser.next() { values.append(value) }
            parser.append(contentsOf: wire[cut...])
            while let value = try parser.next() { values.append(value) }
            #expect(values == expected, "cut at byte \(cut)")
            #expect(!parser.isMidValue)
        }
    }

    @Test func commandArraysInAnyChunking() throws {
        var encoder = RESPEncoder()
        var expected: [RESPValue] = []
        for count in [1, 3, 1024, 1025] {
            let arguments = (0..<count).map { "arg\($0)" }
            encoder.writeCommand(arguments)
            expected.append(.array(arguments.map { .bulkString(Array($0.utf8)) }))
        }
        let wire = encoder.buffer
        for sizes in [[wire.count], [1], [5, 17, 4096]] {
            #expect(try parseInChunks(wire, sizes: sizes, mode: .commands) == expected)
        }
        #expect(parseError("*2\r\n$1\r\na\r\n:1\r\n".bytes, mode: .commands)?.code == .expectedBulkString)
    }
}
