import StrataCache
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// `get(_:as:)`, `set(_:json:)` and the codec-parameterised pair, against the fake server and a
/// real redis-server.
@Suite("Codable and codec commands", .blockingIO)
struct CodableCommandTests {
    struct User: Codable, Equatable {
        var name: String
        var visits: Int
    }

    /// Integers as decimal text: a codec of the test's own.
    struct DecimalCodec: CacheCodec {
        func encode(_ value: Int) throws(CacheCodecError) -> [UInt8] { Array(String(value).utf8) }
        func decode(_ bytes: [UInt8]) throws(CacheCodecError) -> Int {
            guard let text = String(validating: bytes, as: UTF8.self), let value = Int(text) else {
                throw CacheCodecError(code: .decodingFailed, message: "not a decimal integer")
            }
            return value
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func jsonRoundTripWithExpiration(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                let ada = User(name: "Ada", visits: 3)
                #expect(try await client.set("user:1", json: ada, expiration: .seconds(60)))
                #expect(try await client.get("user:1", as: User.self) == ada)
                // Stored as plain JSON, readable by any other client (in whatever key order
                // JSONEncoder picked).
                let text = try #require(try await client.getString("user:1"))
                #expect(text.hasPrefix("{") && text.contains(#""name":"Ada""#) && text.contains(#""visits":3"#))
                guard case .expires(let after) = try await client.ttl("user:1") else {
                    Issue.record("the expiration was not set")
                    return
                }
                #expect(after > .seconds(50) && after <= .seconds(60))
                // Conditions pass through.
                #expect(
                    try await client.set("user:1", json: User(name: "Bob", visits: 0), condition: .ifNotExists) == false
                )
                #expect(try await client.get("user:1", as: User.self) == ada)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func missingKeyIsNil(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                let user = try await client.get("nobody", as: User.self)
                #expect(user == nil)
                #expect(try await client.get("nobody", as: String.self) == nil)
                #expect(try await client.get("nobody", as: [UInt8].self) == nil)
                #expect(try await client.get("nobody", codec: DecimalCodec()) == nil)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func undecodableValueIsATypedErrorAndStaysStored(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                try await client.set("user:2", "not json")
                let error = await #expect(throws: RedisClientError.self) {
                    try await client.get("user:2", as: User.self)
                }
                #expect(error?.code == .decodingFailed)
                #expect(error?.message.contains("User") == true)
                #expect(error?.message.contains("user:2") == false, "keys stay out of error messages")
                // JSON of the wrong shape fails the same way.
                try await client.set("user:3", json: ["name": "Ada"])
                await #expect(throws: RedisClientError.self) { try await client.get("user:3", as: User.self) }
                // Nothing was harmed: the value is still there, and the connection still works.
                #expect(try await client.getString("user:2") == "not json")
                #expect(try await client.incr("after") == 1)

                let codecError = await #expect(throws: RedisClientError.self) {
                    try await client.get("user:2", codec: DecimalCodec())
                }
                #expect(codecError?.code == .decodingFailed)
                #expect(codecError?.message.contains("not a decimal integer") == true)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func stringsAndBytesAreReadAsStoredNotAsJSON(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                try await client.set("greeting", "hello")
                #expect(try await client.get("greeting", as: String.self) == "hello")
                #expect(try await client.get("greeting", as: [UInt8].self) == Array("hello".utf8))
                // A JSON string is a JSON string: read it with the JSON codec.
                try await client.set("quoted", json: "hello")
                #expect(try await client.get("quoted", as: String.self) == #""hello""#)
                #expect(try await client.get("quoted", codec: JSONCodec<String>()) == "hello")

                // Invalid UTF-8: refused by `as: String.self`, repaired by getString.
                try await client.set("binary", [0xFF, 0xFE, 0x41] as [UInt8])
                let error = await #expect(throws: RedisClientError.self) {
                    try await client.get("binary", as: String.self)
                }
                #expect(error?.code == .decodingFailed)
                #expect(try await client.getString("binary") == "\u{FFFD}\u{FFFD}A")
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func anyCodecWorksOnTheClientAndOnALease(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                #expect(try await client.set("n", 42, codec: DecimalCodec(), expiration: .after(.seconds(30))))
                #expect(try await client.get("n", as: Int.self, codec: DecimalCodec()) == 42)
                #expect(try await client.incr("n") == 43)  // stored as Redis would store an integer
                let fromLease = try await client.withConnection { connection in
                    try await connection.set("n", 7, codec: DecimalCodec(), condition: .ifExists)
                    return try await connection.get("n", codec: DecimalCodec())
                }
                #expect(fromLease == 7)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func unencodableValueSendsNothing(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                let error = await #expect(throws: RedisClientError.self) {
                    try await client.set("ratio", json: Double.nan)
                }
                #expect(error?.code == .encodingFailed)
                let written = try await client.exists(["ratio"])
                #expect(written == 0)
            }
        }
    }
}
