import StrataCache
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// The README's client example, compiled and run against the fake server (the README's URL is
/// the only difference).
@Suite("README example", .blockingIO)
struct RedisReadmeExampleTests {
    @Test func clientExample() async throws {
        try await withTestRedisServer(.fake) { server in
            try await readmeClientExample(url: server.url)
        }
    }

    @Test func codableExample() async throws {
        try await withTestRedisServer(.fake) { server in
            try await readmeCodableExample(url: server.url)
        }
    }
}

func readmeClientExample(url: String) async throws {
    // README: begin client
    let client = try RedisClient(url: url)  // or "unix:///run/redis.sock?db=2"
    // Background work (health checks, reconnects) runs in run(); cancel it to shut down gracefully.
    let running = Task { await client.run() }

    // Typed commands; share one client across tasks: concurrent calls are pipelined on a few
    // connections automatically.
    try await client.set("user:42", "Ada", expiration: .seconds(60))
    let name = try await client.getString("user:42")  // "Ada"
    let visits = try await client.incr("visits")

    // Commands are values: several in one round trip, each with its own typed outcome.
    let (user, counter) = try await client.execute(GET("user:42"), INCRBY("counter", 10))
    let bytes = try user.get()  // [UInt8]?
    let count = try counter.get()  // Int

    // Any other command.
    let pong = try await client.send("PING")  // simple string "PONG"

    // What would change a connection other callers share is refused, naming the right tool.
    do {
        try await client.send("SELECT", "2")
    } catch let error as RedisClientError {
        print(error.message)  // "... Choose the database with RedisConfiguration.database ..."
    }

    // Explicit pipeline: one write, one round trip, results in order.
    var pipeline = RedisPipeline()
    let again = pipeline.incr("counter", by: 10)
    let name2 = pipeline.add(GET("user:42"))
    let replies = try await client.execute(pipeline)
    print(try replies[again], try replies[name2] ?? [])  // 20 [65, 100, 97]

    // Transactions: MULTI/EXEC sent together, or WATCH on a connection leased for you alone
    // (it goes back to the pool only with no transaction, watch or other state left on it).
    if case .committed = try await client.transaction(pipeline) { print("committed") }
    let outcome = try await client.withConnection { connection in
        try await connection.watch(["counter"])
        let seen = try await connection.getString("counter") ?? "0"
        var copy = RedisPipeline()
        copy.set("counter:copy", seen)
        return try await connection.transaction(copy)  // .aborted if "counter" changed meanwhile
    }

    // Pub/sub as an async sequence.
    let news = try await client.subscribe(to: ["news"])
    _ = try await client.publish("news", "hello")
    for try await message in news {
        print(message.channelName, message.text)  // news hello
        break
    }

    // Server-assisted client-side caching: the server says when a key read here changes.
    let tracking = try await client.startTracking { invalidation in
        print(invalidation)  // keys(["user:42"]), all, trackingLost(...), trackingResumed
    }
    await tracking.stop()
    running.cancel()
    await running.value  // run() shut the client down
    // README: end client
    #expect(name == "Ada")
    #expect(visits == 1)
    #expect(pong == .simpleString("PONG"))
    #expect(count == 10)
    #expect(bytes == Array("Ada".utf8))
    guard case .committed = outcome else {
        Issue.record("the watched transaction should commit")
        return
    }
}

func readmeCodableExample(url: String) async throws {
    let client = try RedisClient(url: url)
    // README: begin codable
    struct User: Codable, Equatable {
        var name: String
        var visits: Int
    }

    // Codable values as JSON: nil when the key is missing.
    try await client.set("user:42", json: User(name: "Ada", visits: 1), expiration: .seconds(60))
    let user = try await client.get("user:42", as: User.self)  // User(name: "Ada", visits: 1)

    // Any CacheCodec (import StrataCache: JSONCodec, StringCodec, BytesCodec, or your own).
    try await client.set("user:43", User(name: "Grace", visits: 0), codec: JSONCodec(), condition: .ifNotExists)
    let grace = try await client.get("user:43", as: User.self, codec: JSONCodec())

    // Text is read as stored, not as JSON; invalid UTF-8 is an error here, not a repair.
    try await client.set("greeting", "hello")
    let greeting = try await client.get("greeting", as: String.self)  // "hello"

    // A value that is not what you asked for is a RedisClientError, not a crash.
    do {
        _ = try await client.get("greeting", as: User.self)
    } catch let error as RedisClientError where error.code == .decodingFailed {
        print(error.message)  // "GET: the stored value (5 bytes) is not a valid encoding of User ..."
    }
    // README: end codable
    #expect(user == User(name: "Ada", visits: 1))
    #expect(grace == User(name: "Grace", visits: 0))
    #expect(greeting == "hello")
    await client.shutdown()
}
