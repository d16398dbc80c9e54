import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// Issue 10's findings: commands that change or break a connection, sent through the shared
/// client while others use it. Each is refused before a byte is written, with an error naming
/// the right tool, and nobody else's reply goes astray.
@Suite("Shared connections refuse what would derail them", .blockingIO)
struct SharedConnectionSafetyTests {
    /// A command that must never reach a shared connection, and a word its refusal must mention.
    struct Refused: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var mentions: String
        var testDescription: String { arguments.isEmpty ? "(empty)" : arguments.joined(separator: " ") }
    }

    static let refused: [Refused] = [
        Refused(arguments: ["SUBSCRIBE", "ch"], mentions: "subscribe(to:)"),
        Refused(arguments: ["psubscribe", "ch*"], mentions: "subscribe"),
        Refused(arguments: ["SSUBSCRIBE", "ch"], mentions: "subscribe"),
        Refused(arguments: ["UNSUBSCRIBE"], mentions: "subscribe"),
        Refused(arguments: ["MULTI"], mentions: "withConnection"),
        Refused(arguments: ["EXEC"], mentions: "transaction("),
        Refused(arguments: ["DISCARD"], mentions: "withConnection"),
        Refused(arguments: ["WATCH", "k"], mentions: "withConnection"),
        Refused(arguments: ["UNWATCH"], mentions: "withConnection"),
        Refused(arguments: ["SELECT", "3"], mentions: "RedisConfiguration.database"),
        Refused(arguments: ["select", "x"], mentions: "SELECT"),
        Refused(arguments: ["CLIENT", "REPLY", "OFF"], mentions: "CLIENT REPLY"),
        Refused(arguments: ["client", "reply", "skip"], mentions: "CLIENT REPLY"),
        Refused(arguments: ["MONITOR"], mentions: "MONITOR"),
        Refused(arguments: [], mentions: "empty command"),
        Refused(arguments: ["CLIENT", "TRACKING", "ON"], mentions: "startTracking"),
        Refused(arguments: ["CLIENT", "CACHING", "yes"], mentions: "startTracking"),
        Refused(arguments: ["CLIENT", "SETNAME", "x"], mentions: "clientName"),
        Refused(arguments: ["HELLO", "2"], mentions: "protocolVersion"),
        Refused(arguments: ["AUTH", "secret"], mentions: "password"),
        Refused(arguments: ["RESET"], mentions: "withConnection"),
        Refused(arguments: ["QUIT"], mentions: "withConnection"),
        Refused(arguments: ["READONLY"], mentions: "withConnection"),
        Refused(arguments: ["SYNC"], mentions: "replication"),
    ]

    @Test(arguments: TestRedisServer.kindsToTest)
    func everyRefusedShapeFailsAtOnceAndWritesNothing(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                try await client.set("k", "v")  // opens the shared connection
                let before = client._writeCounters.commands
                for shape in Self.refused {
                    let alone = await #expect(throws: RedisClientError.self, "\(shape.testDescription)") {
                        try await client.send(command: shape.arguments)
                    }
                    #expect(alone?.code == .unsupported)
                    #expect(
                        alone?.message.contains(shape.mentions) == true,
                        "\(shape.testDescription): \(alone?.message ?? "")")
                    // In a pipeline or a transaction too, before any of it is written.
                    var pipeline = RedisPipeline()
                    pipeline.get("k")
                    pipeline.send(command: shape.arguments)
                    let piped = await #expect(throws: RedisClientError.self) { try await client.execute(pipeline) }
                    #expect(piped?.code == .unsupported)
                    let transacted = await #expect(throws: RedisClientError.self) {
                        try await client.transaction(pipeline)
                    }
                    #expect(transacted?.code == .unsupported)
                    await #expect(throws: RedisClientError.self) {
                        _ = try await client.execute(GET("k"), RedisRawCommand(command: shape.arguments))
                    }
                }
                #expect(client._writeCounters.commands == before)
                #expect(try await client.getString("k") == "v")
                if kind == .real {
                    // The server never saw any of them.
                    let stats = try await client.info("commandstats")
                    for name in [
                        "subscribe", "multi", "select", "client|reply", "monitor", "exec", "watch", "auth", "reset",
                    ] {
                        #expect(stats["cmdstat_\(name)"] == nil, "the server ran \(name)")
                    }
                }
            }
        }
    }

    /// The finding, as reported: 200 concurrent GETs whose values are their keys, one connection,
    /// and misbehaving calls among them. Every GET gets its own value.
    @Test(arguments: TestRedisServer.kindsToTest)
    func twoHundredGetsKeepTheirRepliesWhileOthersMisbehave(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, configure: { $0.pool.maximumConnections = 1 }) { client in
                var seed = RedisPipeline()
                for i in 0..<200 { seed.set("k\(i)", "k\(i)") }
                _ = try await client.execute(seed)
                let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<200 {
                        group.addTask { try await client.getString("k\(i)") == "k\(i)" ? 0 : 1 }
                        if i % 10 == 0 {
                            let shape = Self.refused[(i / 10) % Self.refused.count]
                            group.addTask {
                                do {
                                    _ = try await client.send(command: shape.arguments)
                                    return 1  // it ran: that alone is wrong
                                } catch let error as RedisClientError where error.code == .unsupported {
                                    return 0
                                }
                            }
                        }
                    }
                    return try await group.reduce(0, +)
                }
                #expect(wrong == 0)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func aRawBlockingCommandRunsOnALeaseOfItsOwn(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, configure: { $0.pool.maximumConnections = 1 }) { client in
                try await client.set("k", "v")
                let popped = Task { try await client.send("BLPOP", "queue", "10") }
                #expect(await eventually { client.pool.snapshot.leasedInUse == 1 })
                // The shared connection is not held up: were BLPOP on it, this would wait 10 s
                // behind it, and so would the push that ends it.
                for _ in 0..<50 { #expect(try await client.getString("k") == "v") }
                try await client.rpush("queue", ["job"])
                #expect(
                    try await popped.value
                        == .array([.bulkString(Array("queue".utf8)), .bulkString(Array("job".utf8))]))
            }
        }
    }

    @Test func placementsOfTypedCommands() {
        #expect(GET("k").placement == .shared)
        #expect(SET("k", "v").placement.isShared)
        #expect(MULTI().placement.description == "lease only")
        #expect(WATCH(["k"]).placement.description == "lease only")
        #expect(SELECT(1).placement.description == "lease only")
        #expect(BLPOP(["q"], timeout: .seconds(1)).placement.description == "exclusive")
        #expect(BLPOP(["q"], timeout: .seconds(1)).blockingDuration == .seconds(1))
        #expect(
            RedisRawCommand("xread", "COUNT", "1", "block", "0", "STREAMS", "s", "$").placement.description
                == "exclusive")
        #expect(RedisRawCommand("XREAD", "STREAMS", "s", "0").placement.isShared)
        #expect(RedisRawCommand("client", "id").placement.isShared)
        #expect(RedisRawCommand("CLIENT", "KILL", "ID", "5").placement.isShared)
        #expect(RedisRawCommand("DEBUG", "SLEEP", "0").placement.isShared)
        #expect(RedisRawCommand("OBJECT", "ENCODING", "k").name == "OBJECT ENCODING")
        #expect(MGET(["a", "b"]).keys == ["a", "b"])
        #expect(RENAME("a", to: "b").keys == ["a", "b"])
        #expect(RedisKey(42).bytes == Array("42".utf8))
        #expect(RedisKey([0, 13, 10] as [UInt8]).bytes == [0, 13, 10])
    }
}
