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
}

func readmeClientExample(url: String) async throws {
    // README: begin client
    let client = try RedisClient(url: url)  // or "unix:///run/redis.sock?db=2"

    // Typed commands; share one client across tasks: concurrent calls are pipelined on a few
    // connections automatically.
    try await client.set("user:42", "Ada", expiration: .seconds(60))
    let name = try await client.getString("user:42")  // "Ada"
    let visits = try await client.incr("visits")

    // Any other command.
    let pong = try await client.send("PING")  // simple string "PONG"

    // Explicit pipeline: one write, one round trip, results in order.
    var pipeline = RedisPipeline()
    let counter = pipeline.incr("counter", by: 10)
    let user = pipeline.get("user:42")
    let replies = try await client.execute(pipeline)
    let count = try replies[counter]  // Int
    let bytes = try replies[user]  // [UInt8]?

    // Transactions: MULTI/EXEC, or WATCH on a leased connection.
    if case .committed = try await client.transaction(pipeline) { print("committed") }

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
    await client.shutdown()
    // README: end client
    #expect(name == "Ada")
    #expect(visits == 1)
    #expect(pong == .simpleString("PONG"))
    #expect(count == 10)
    #expect(bytes == Array("Ada".utf8))
}
