import StrataRESP
import Testing

/// The bulk strings of a parsed aggregate are views of one shared array (`RESPBytes`). These tests
/// try to break that: views outliving the parser and its buffer, the buffer reused and compacted
/// after a reply is handed out, nesting, every split point, huge aggregates, copies and mutation.
@Suite("Shared bulk string storage")
struct RESPBytesTests {
    /// The bulk strings of `value`, depth first, as views.
    static func views(_ value: RESPValue) -> [RESPBytes] {
        switch value {
        case .bulkString(let bytes): return [bytes]
        case .array(let a), .set(let a), .push(let a): return a.flatMap(views)
        case .map(let pairs): return pairs.flatMap { views($0.key) + views($0.value) }
        case .attributed(let inner, let attributes):
            return attributes.flatMap { views($0.key) + views($0.value) } + views(inner)
        default: return []
        }
    }

    /// `count` bulk strings of distinct lengths and contents, CR and LF included.
    static func payloads(_ count: Int, seed: UInt64) -> [[UInt8]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            (0..<(i % 23)).map { _ in [0x0D, 0x0A, 0x00, 0xFF, UInt8(ascii: "x")].randomElement(using: &rng)! }
        }
    }

    static func wire(_ value: RESPValue) -> [UInt8] {
        var encoder = RESPEncoder()
        encoder.write(value)
        return encoder.buffer
    }

    @Test func elementsOfOneArrayShareOneStorageAndIndexFromZero() throws {
        let strings = Self.payloads(100, seed: 1)
        let values = try RESPParser.parseAll(Self.wire(.array(strings.map { .bulkString($0) })))
        let views = Self.views(values[0])
        #expect(views.count == 100)
        let storages = Set(views.compactMap(\.self._storageAddress))
        #expect(storages.count == 1, "the bulk strings of one array share one allocation")
        for (view, expected) in zip(views, strings) {
            #expect(!view._isWhole || expected.isEmpty)
            #expect(view.startIndex == 0 && view.endIndex == expected.count && view.count == expected.count)
            #expect(Array(view) == expected)
            #expect(view.array == expected)
            #expect(view == expected && expected == view)
            #expect(view.withUnsafeBufferPointer { Array($0) } == expected)
            for i in expected.indices { #expect(view[i] == expected[i]) }
            #expect(view.first == expected.first && view.last == expected.last)
            #expect(Array(view.dropFirst().prefix(3)) == Array(expected.dropFirst().prefix(3)))
        }
        // Neighbours in the shared array are back to back and do not overlap.
        for (a, b) in zip(views, views.dropFirst()) where a.count > 0 && b.count > 0 {
            #expect(a._address! + a.count <= b._address!)
        }
    }

    /// An MGET reply with missing keys (`$-1` in RESP2, `_` in RESP3): the nulls do not split the
    /// bulk strings into several arrays, however the reply is cut into reads.
    @Test(arguments: [RESPValue.nullBulkString, .null])
    func nullsAmongBulkStringsKeepOneStorage(null: RESPValue) throws {
        let strings = Self.payloads(60, seed: 6)
        let elements: [RESPValue] = strings.enumerated().map { $0.offset % 3 == 1 ? null : .bulkString($0.element) }
        var bytes = "*60\r\n".bytes
        for element in elements {
            if case .nullBulkString = element {
                bytes += "$-1\r\n".bytes
            } else {
                bytes += Self.wire(element)
            }
        }
        let values = try RESPParser.parseAll(bytes)
        #expect(values == [.array(elements)])
        #expect(Set(Self.views(values[0]).compactMap(\.self._storageAddress)).count == 1)
        for cut in 0...bytes.count {
            let split = try parseInChunks(bytes, sizes: [max(1, cut), bytes.count])
            #expect(split == [.array(elements)], "cut at \(cut)")
        }
        // What the fast path does not take still gets the general path's errors.
        #expect(parseError("*3\r\n$1\r\na\r\n_x\r\n$1\r\nb\r\n".bytes)?.code == .invalidNull)
        #expect(parseError("*3\r\n$1\r\na\r\n$-2\r\n$1\r\nb\r\n".bytes)?.code == .negativeLength)
    }

    @Test func aLoneBulkStringOwnsItsArrayAndAsBytesDoesNotCopy() throws {
        let values = try RESPParser.parseAll("$5\r\nhello\r\n".bytes)
        guard case .bulkString(let bytes) = values[0] else {
            Issue.record("expected a bulk string, got \(values[0])")
            return
        }
        #expect(bytes._isWhole)
        #expect(try values[0].asBytes().withUnsafeBytes { $0.baseAddress } == bytes._storageAddress)
    }

    @Test func viewsOutliveTheParserAndItsReusedBuffer() throws {
        let strings = Self.payloads(300, seed: 2)
        let reply = RESPValue.array(strings.map { .bulkString($0) })
        var parser = RESPParser()
        parser.append(contentsOf: Self.wire(reply))
        let kept = try #require(try parser.next())
        // Reuse and compact the buffer many times over, with other bytes in the same places.
        let noise = Self.wire(.array((0..<300).map { _ in .bulkString(Array(repeating: 0xEE, count: 22)) }))
        for round in 0..<50 {
            parser.append(contentsOf: noise.prefix(noise.count / 2))
            #expect(try parser.next() == nil)
            parser.append(contentsOf: noise.dropFirst(noise.count / 2))
            #expect(try parser.next() != nil, "round \(round)")
        }
        parser = RESPParser()
        #expect(kept == reply)
        #expect(Self.views(kept).map(\.array) == strings)
    }

    @Test func aViewOutlivesItsAggregateAndSiblings() throws {
        var element: RESPValue?
        do {
            let values = try RESPParser.parseAll(Self.wire(["first", "second", "third"]))
            element = try values[0].asArray()[1]
        }
        #expect(element == "second")
        #expect(try element?.asString() == "second")
        #expect(try element?.asBytes() == "second".bytes)
    }

    @Test func copyOnWriteLeavesTheSharedStorageAlone() throws {
        let values = try RESPParser.parseAll(Self.wire(["aaaa", "bbbb", "cccc"]))
        let elements = try values[0].asArray()
        var copy = try elements[1].asBytes()
        copy[0] = UInt8(ascii: "X")
        copy.append(UInt8(ascii: "Y"))
        guard case .bulkString(let view) = elements[1] else { return }
        var array = view.array
        array[1] = UInt8(ascii: "Z")
        #expect(copy == "Xbbb Y".bytes.filter { $0 != 0x20 })
        #expect(array == "bZbb".bytes)
        #expect(values[0] == ["aaaa", "bbbb", "cccc"])
        var value = values[0]
        value = ["other"]
        #expect(elements == ["aaaa", "bbbb", "cccc"])
        #expect(value == ["other"])
    }

    @Test func sharedViewsEqualAndHashLikeOwnedArrays() throws {
        let strings = Self.payloads(40, seed: 3)
        let owned = RESPValue.array(strings.map { .bulkString($0) })
        let parsed = try RESPParser.parseAll(Self.wire(owned))[0]
        #expect(parsed == owned)
        #expect(parsed.hashValue == owned.hashValue)
        for (a, b) in zip(try parsed.asArray(), try owned.asArray()) {
            #expect(a == b && a.hashValue == b.hashValue)
            #expect(Set([a, b]).count == 1)
        }
        // Equal prefixes of different lengths are not equal.
        let pair = try RESPParser.parseAll(Self.wire(["ab", "abc"]))[0].asArray()
        #expect(pair[0] != pair[1])
        #expect(pair[0] != "abc")
    }

    /// Nested aggregates, maps, attributes and mixed scalars, cut at every byte offset into two
    /// reads and into three reads around the middle, must parse to the same values with the same
    /// bytes in every view.
    @Test func everySplitPointOfNestedAggregates() throws {
        let strings = Self.payloads(30, seed: 4)
        func bulk(_ i: Int) -> RESPValue { .bulkString(strings[i % strings.count]) }
        let value = RESPValue.array([
            .array((0..<10).map(bulk)),
            .map([
                (key: bulk(1), value: .array([bulk(2), .integer(7), bulk(3)])), (key: .bulkString("k"), value: bulk(4)),
            ]),
            .set([bulk(5), .simpleString("s"), bulk(6), .null, bulk(7)]),
            .attributed(.array([bulk(8), bulk(9)]), attributes: [(key: bulk(10), value: bulk(11))]),
            .push(["invalidate", .array([bulk(12), bulk(13)])]),
            bulk(14), .integer(-1), .bulkString([]), .bulkString([]), bulk(15),
        ])
        let bytes = Self.wire(value)
        let expected = Self.views(value).map(\.array)
        for cut in 0...bytes.count {
            var parser = RESPParser()
            parser.append(contentsOf: bytes[..<cut])
            var got = try parser.next()
            parser.append(contentsOf: bytes[cut...])
            if got == nil { got = try parser.next() }
            #expect(got == value, "cut at \(cut)")
            #expect(got.map { Self.views($0).map(\.array) } == expected, "cut at \(cut)")
        }
        for cut in stride(from: 0, to: bytes.count, by: 3) {
            let values = try parseInChunks(bytes, sizes: [cut, 5, bytes.count])
            #expect(values == [value], "cuts at \(cut) and \(cut + 5)")
        }
    }

    @Test func hugeArraysInReadSizedChunks() throws {
        let strings = Self.payloads(50_000, seed: 5)
        let value = RESPValue.array(strings.map { .bulkString($0) })
        let bytes = Self.wire(value)
        for size in [16 * 1024, 1000, 7] {
            let values = try parseInChunks(bytes, sizes: [size])
            #expect(values.count == 1)
            #expect(values.first.map { Self.views($0).map(\.array) } == strings, "reads of \(size)")
        }
        let whole = try RESPParser.parseAll(bytes)
        #expect(whole == [value])
    }

    @Test func bytesTheParserDidNotShareStillWork() throws {
        // Command mode: each argument keeps an array of its own.
        var parser = RESPParser(mode: .commands)
        parser.append(contentsOf: "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n".bytes)
        let command = try #require(try parser.next())
        for view in Self.views(command) { #expect(view._isWhole) }
        #expect(command == ["SET", "k", "value"])
        // Built by hand from arrays, literals and strings.
        let literal: RESPBytes = [1, 2, 3]
        #expect(RESPValue.bulkString(literal) == .bulkString([1, 2, 3]))
        #expect(RESPValue.bulkString("hé") == .bulkString(Array("hé".utf8)))
        #expect(literal.description == "[1, 2, 3]")
        #expect(RESPValue.bulkError("ERR x".bytes).errorMessage == "ERR x")
        #expect(try RESPValue.verbatimString(format: "txt", "hi".bytes).asString() == "hi")
    }

    @Test func readingPastAViewTrapsInsteadOfShowingItsNeighbour() async {
        await #expect(processExitsWith: .failure) {
            let values = try RESPParser.parseAll("*2\r\n$2\r\nab\r\n$2\r\ncd\r\n".utf8)
            guard case .array(let elements) = values[0], case .bulkString(let first) = elements[0] else { return }
            _ = first[2]  // "c" is in the shared storage, but not in this view
        }
    }
}
