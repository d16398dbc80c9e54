import StrataRESP
import StrataTestSupport
import Testing

/// Random values, encoded and parsed back, in random chunkings.
@Suite("Encode and parse round trips", .cpuBound)
struct RESPRoundTripTests {
    /// A random value of the types that survive a RESP3 round trip unchanged.
    static func randomValue(depth: Int, using rng: inout SeededGenerator, allowAttributes: Bool = true) -> RESPValue {
        let maxKind = depth >= 4 ? 11 : 16
        switch Int.random(in: 0...maxKind, using: &rng) {
        case 0: return .simpleString(randomText(using: &rng))
        case 1: return .simpleError("ERR " + randomText(using: &rng))
        case 2: return .integer(Int.random(in: Int.min...Int.max, using: &rng))
        case 3: return .bulkString(randomBytes(using: &rng))
        case 4: return .null
        case 5: return .boolean(Bool.random(using: &rng))
        case 6:
            let special: [Double] = [.infinity, -.infinity, .nan, 0, -0.0, 1e300, .leastNonzeroMagnitude, 3, -17.25]
            return .double(
                Bool.random(using: &rng)
                    ? special.randomElement(using: &rng)!
                    : Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng)))
        case 7:
            let digits = (0..<Int.random(in: 1...60, using: &rng)).map { _ in String(Int.random(in: 0...9, using: &rng))
            }
            return .bigNumber((Bool.random(using: &rng) ? "-" : "") + digits.joined())
        case 8: return .bulkError(Array("ERR ".utf8) + randomBytes(using: &rng))
        case 9: return .verbatimString(format: ["txt", "mkd"].randomElement(using: &rng)!, randomBytes(using: &rng))
        case 10: return .integer(Int.random(in: -10...10, using: &rng))
        case 11: return .bulkString([])
        case 12: return .array(randomList(depth: depth, using: &rng))
        case 13: return .set(randomList(depth: depth, using: &rng))
        case 14: return .push(randomList(depth: depth, using: &rng))
        case 15:
            let count = Int.random(in: 0...4, using: &rng)
            return .map(
                (0..<count).map { _ in
                    (key: randomValue(depth: depth + 1, using: &rng), value: randomValue(depth: depth + 1, using: &rng))
                })
        default:
            guard allowAttributes else { return .array(randomList(depth: depth, using: &rng)) }
            let inner = randomValue(depth: depth + 1, using: &rng, allowAttributes: false)
            return .attributed(
                inner, attributes: [(key: .simpleString("ttl"), value: randomValue(depth: depth + 1, using: &rng))])
        }
    }

    static func randomList(depth: Int, using rng: inout SeededGenerator) -> [RESPValue] {
        (0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(depth: depth + 1, using: &rng) }
    }

    static func randomText(using rng: inout SeededGenerator) -> String {
        let alphabet = Array("abcXYZ 019:-_é€😀".unicodeScalars)
        var s = ""
        for _ in 0..<Int.random(in: 0...20, using: &rng) {
            s.unicodeScalars.append(alphabet.randomElement(using: &rng)!)
        }
        return s
    }

    static func randomBytes(using rng: inout SeededGenerator) -> [UInt8] {
        let count =
            Bool.random(using: &rng) ? Int.random(in: 0...16, using: &rng) : Int.random(in: 0...5000, using: &rng)
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func resp3RoundTrip(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var values: [RESPValue] = []
        var encoder = RESPEncoder()
        for _ in 0..<300 {
            let value = Self.randomValue(depth: 0, using: &rng)
            values.append(value)
            encoder.write(value, version: .resp3)
        }
        let sizes = (0..<8).map { _ in Int.random(in: 1...4096, using: &rng) }
        let parsed = try parseInChunks(encoder.buffer, sizes: sizes)
        #expect(parsed.count == values.count)
        for (a, b) in zip(parsed, values) where a != b {
            Issue.record("round trip changed \(b) into \(a)")
            break
        }
    }

    @Test(arguments: [11, 12, 13])
    func resp2RoundTripOfResp2Types(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        func resp2Value(depth: Int) -> RESPValue {
            switch Int.random(in: 0...(depth > 3 ? 4 : 6), using: &rng) {
            case 0: return .simpleString(Self.randomText(using: &rng))
            case 1: return .simpleError("ERR " + Self.randomText(using: &rng))
            case 2: return .integer(Int.random(in: Int.min...Int.max, using: &rng))
            case 3: return .bulkString(Self.randomBytes(using: &rng))
            case 4: return .nullBulkString
            case 5: return .nullArray
            default: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in resp2Value(depth: depth + 1) })
            }
        }
        var encoder = RESPEncoder()
        var values: [RESPValue] = []
        for _ in 0..<300 {
            let value = resp2Value(depth: 0)
            values.append(value)
            encoder.write(value, version: .resp2)
        }
        #expect(try parseInChunks(encoder.buffer, sizes: [1, 3, 100]) == values)
    }

    @Test func commandsRoundTripThroughCommandMode() throws {
        var rng = SeededGenerator(seed: 99)
        var encoder = RESPEncoder()
        var expected: [RESPValue] = []
        for _ in 0..<500 {
            let arguments = (0..<Int.random(in: 1...6, using: &rng)).map { _ in Self.randomBytes(using: &rng) }
            encoder.writeCommand(arguments)
            expected.append(.array(arguments.map { .bulkString($0) }))
        }
        #expect(try parseInChunks(encoder.buffer, sizes: [1, 17, 4096], mode: .commands) == expected)
    }
}
