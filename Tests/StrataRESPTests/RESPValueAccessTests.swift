import StrataRESP
import Testing

@Suite("Typed access")
struct RESPValueAccessTests {
    @Test func strings() throws {
        #expect(try RESPValue.simpleString("OK").asString() == "OK")
        #expect(try RESPValue("héllo").asString() == "héllo")
        #expect(try RESPValue.verbatimString(format: "txt", "doc".bytes).asString() == "doc")
        #expect(try RESPValue.integer(12).asString() == "12")
        #expect(try RESPValue.double(2.5).asString() == "2.5")
        #expect(throws: RESPDecodingError.self) { try RESPValue.bulkString([0xFF, 0xFE]).asString() }
        #expect(throws: RESPDecodingError.self) { try RESPValue.null.asString() }
        let error = #expect(throws: RESPDecodingError.self) { try RESPValue.array([1]).asString() }
        #expect(error?.description == "expected a string, got array [integer 1]")
    }

    @Test func integers() throws {
        #expect(try RESPValue.integer(-5).asInt() == -5)
        #expect(try RESPValue("42").asInt() == 42)
        #expect(try RESPValue.bigNumber("-9223372036854775808").asInt() == Int.min)
        #expect(throws: RESPDecodingError.self) { try RESPValue.bigNumber("9223372036854775808").asInt() }
        #expect(throws: RESPDecodingError.self) { try RESPValue("4x").asInt() }
        #expect(throws: RESPDecodingError.self) { try RESPValue.simpleError("ERR").asInt() }
    }

    @Test func doublesAndBooleans() throws {
        #expect(try RESPValue.double(1.25).asDouble() == 1.25)
        #expect(try RESPValue("3.5").asDouble() == 3.5)
        #expect(try RESPValue("-inf").asDouble() == -.infinity)
        #expect(try RESPValue.integer(3).asDouble() == 3)
        #expect(try RESPValue.boolean(true).asBool())
        #expect(try !RESPValue.integer(0).asBool())
        #expect(throws: RESPDecodingError.self) { try RESPValue.integer(2).asBool() }
    }

    @Test func aggregates() throws {
        let flat: RESPValue = ["f1", "v1", "f2", "v2"]
        let dictionary: [String: String] = try flat.decode()
        #expect(dictionary == ["f1": "v1", "f2": "v2"])
        let map: RESPValue = .map([(key: "f1", value: 1)])
        #expect(try map.decode(as: [String: Int].self) == ["f1": 1])
        let mget: RESPValue = ["a", .nullBulkString, "c"]
        #expect(try mget.decode(as: [String?].self) == ["a", nil, "c"])
        #expect(try RESPValue.set([1, 2]).decode(as: [Int].self) == [1, 2])
        #expect(throws: RESPDecodingError.self) { try RESPValue.array(["odd"]).asMap() }
        #expect(throws: RESPDecodingError.self) { try RESPValue.nullArray.asArray() }
    }

    @Test func attributesAreLookedThrough() throws {
        let value = RESPValue.attributed(7, attributes: [(key: "ttl", value: 3600)])
        #expect(try value.asInt() == 7)
        #expect(value.withoutAttributes == 7)
        #expect(!value.isNull && !value.isError)
        #expect(RESPValue.attributed(.null, attributes: []).isNull)
    }

    @Test func errorsAndNulls() {
        #expect(RESPValue.simpleError("ERR boom").errorMessage == "ERR boom")
        #expect(RESPValue.bulkError("SYNTAX x".bytes).errorMessage == "SYNTAX x")
        #expect(RESPValue.integer(1).errorMessage == nil)
        for null in [RESPValue.null, .nullBulkString, .nullArray] { #expect(null.isNull) }
    }

    @Test func equalityAndHashing() {
        #expect(RESPValue.double(.nan) == .double(.nan))
        #expect(RESPValue.double(0) == .double(-0.0))
        #expect(Set<RESPValue>([.double(0), .double(-0.0), .double(.nan), .double(.nan)]).count == 2)
        #expect(RESPValue.null != .nullBulkString)
        #expect(RESPValue.map([(key: 1, value: 2)]) != .map([(key: 2, value: 1)]))
    }

    @Test func descriptionIsReadable() {
        let value: RESPValue = ["a\n", 1, .null, .map([(key: .simpleString("k"), value: true)])]
        #expect(value.description == "array [\"a\\n\", integer 1, null, map {simple string \"k\": true}]")
    }
}
