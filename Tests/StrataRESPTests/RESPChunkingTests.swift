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
}
