import StrataRESP
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

/// Collects values from handlers on other threads, for tests.
final class Collector<Value: Sendable>: Sendable {
    private let values = StrataMutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}

@Suite("Pub/sub and client tracking", .blockingIO)
struct RedisPubSubAndTrackingTests {
    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func subscribeReceivesWhatIsPublished(_ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion)
        async throws
    {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: version) { client in
                let news = try await client.subscribe(to: ["news", "sport"])
                let patterned = try await client.subscribe(toPatterns: ["user:*"])
                #expect(try await client.publish("news", "hello") == 1)
                #expect(try await client.publish("user:42", "joined") == 1)
                #expect(try await client.publish("sport", "goal") == 1)
                // The subscriber connection does not block ordinary commands.
                try await client.set("k", "v")

                var iterator = news.makeAsyncIterator()
                let first = try await iterator.next()
                #expect(first?.channelName == "news")
                #expect(first?.text == "hello")
                #expect(try await iterator.next()?.text == "goal")
                var patternIterator = patterned.makeAsyncIterator()
                let user = try await patternIterator.next()
                #expect(user?.channelName == "user:42")
                #expect(user?.pattern == Array("user:*".utf8))
                #expect(user?.text == "joined")
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func endingTheLoopUnsubscribes(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                do {
                    let subscription = try await client.subscribe(to: ["once"])
                    #expect(try await client.publish("once", "1") == 1)
                    for try await message in subscription {
                        #expect(message.text == "1")
                        break
                    }
                }
                #expect(await eventually { (try? await client.publish("once", "2")) == 0 })
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func lostSubscriptionConnectionEndsTheSequenceWithAnError(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { admin in
                try await withClient(server) { client in
                    let subscription = try await client.subscribe(to: ["c"])
                    try await admin.send("CLIENT", "KILL", "TYPE", "pubsub")
                    let error = await #expect(throws: RedisClientError.self) {
                        for try await _ in subscription {}
                    }
                    #expect(error?.code == .subscriptionLost)
                    // Subscribing again works on a new connection.
                    let again = try await client.subscribe(to: ["c"])
                    #expect(try await admin.publish("c", "x") == 1)
                    var iterator = again.makeAsyncIterator()
                    #expect(try await iterator.next()?.text == "x")
                }
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func defaultTrackingReportsChangesToKeysThisClientRead(
        _ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion
    ) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: version) { writer in
                try await withClient(server, protocolVersion: version) { client in
                    let events = Collector<RedisInvalidation>()
                    let tracking = try await client.startTracking { events.append($0) }
                    #expect(tracking.isActive)
                    try await writer.set("watched", "1")
                    try await writer.set("ignored", "1")
                    _ = try await client.get("watched")  // now tracked
                    try await writer.set("watched", "2")  // any writer, not only Strata
                    try await writer.set("ignored", "2")  // never read: not reported
                    #expect(await eventually { events.all.contains(.keys([Array("watched".utf8)])) })
                    #expect(!events.all.contains(.keys([Array("ignored".utf8)])))
                    try await writer.send("FLUSHDB")
                    #expect(await eventually { events.all.contains(.all) })
                    await tracking.stop()
                    #expect(!tracking.isActive)
                }
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func broadcastTrackingReportsEveryChangeUnderThePrefixes(
        _ kind: TestRedisServer.Kind,
        _ version: RedisConfiguration.ProtocolVersion
    ) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: version) { writer in
                try await withClient(server, protocolVersion: version) { client in
                    let invalidations = try await client.invalidations(mode: .broadcast(prefixes: ["user:"]))
                    try await writer.set("user:1", "a")
                    try await writer.set("order:1", "b")
                    try await writer.del("user:1")
                    // Both changes of user:1, nothing of order:1 (however the notices are split
                    // into messages on a busy machine), within a bound.
                    let collect = Task { () -> [[UInt8]] in
                        var keys: [[UInt8]] = []
                        for await event in invalidations {
                            if case .keys(let changed) = event { keys += changed }
                            if keys.count >= 2 { break }
                        }
                        return keys
                    }
                    let bound = Task {
                        try await Task.sleep(for: .seconds(20))
                        collect.cancel()
                    }
                    let keys = await collect.value
                    bound.cancel()
                    #expect(keys == [Array("user:1".utf8), Array("user:1".utf8)])
                }
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func lostTrackingConnectionIsReportedThenRecovered(
        _ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion
    ) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: version) { admin in
                try await withClient(server, protocolVersion: version) { client in
                    let events = Collector<RedisInvalidation>()
                    let tracking = try await client.startTracking(healthCheckInterval: .milliseconds(200)) {
                        events.append($0)
                    }
                    // Kill every connection of the tracking client (the tracking one among them).
                    let ids = try await admin.send("CLIENT", "LIST").asString()
                        .split(separator: "\n").compactMap { line -> String? in
                            guard !line.contains("cmd=client|list") else { return nil }
                            return line.split(separator: " ").first { $0.hasPrefix("id=") }.map {
                                String($0.dropFirst(3))
                            }
                        }
                    for id in ids { _ = try? await admin.send("CLIENT", "KILL", "ID", id) }
                    #expect(
                        await eventually { events.all.contains { if case .trackingLost = $0 { true } else { false } } })
                    #expect(await eventually { events.all.last == .trackingResumed && tracking.isActive })
                    // After recovery, reads are tracked again.
                    _ = try await client.get("k")
                    try await admin.set("k", "changed")
                    #expect(await eventually { events.all.contains(.keys([Array("k".utf8)])) })
                    await tracking.stop()
                }
            }
        }
    }

    /// Issue 11's finding, in the pool: the idle check removed a shared connection it had found
    /// dead before the connection's close handler ran, so the tracking listener never heard that the
    /// keys read through it were no longer tracked.
    @Test func aSharedConnectionClosedByTheIdleCheckIsReportedAsATrackingLoss() async throws {
        try await withTestRedisServer(.fake) { server in
            let fake = server.fake!
            try await withClient(
                server, protocolVersion: .resp3,
                configure: {
                    $0.pool.idleCheckInterval = .milliseconds(100)
                    $0.commandTimeout = .milliseconds(100)
                }
            ) { client in
                let events = Collector<RedisInvalidation>()
                // The tracking connection's own health check stays out of the way.
                let tracking = try await client.startTracking(healthCheckInterval: .seconds(60)) { events.append($0) }
                _ = try await client.get("tracked")
                // The idle check's PING goes unanswered: the check closes the shared connection.
                fake.inject(.stall(commands: ["PING"]))
                let lost = await eventually {
                    events.all.contains {
                        if case .trackingLost(let error) = $0 { return error.message.contains("tracked connection") }
                        return false
                    }
                }
                #expect(lost, "\(events.all)")
                fake.clearFaults()
                await tracking.stop()
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func pushesOnSharedConnectionsAreNotMistakenForReplies(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, protocolVersion: .resp3) { client in
                // In RESP3 a connection can receive push messages between replies; with tracking
                // turned on directly on it (no redirect), invalidations arrive as pushes. A shared
                // connection refuses CLIENT TRACKING, so turn it on on a lease.
                try await client.withConnection { connection in
                    try await connection.send("CLIENT", "TRACKING", "ON")
                    for i in 0..<200 {
                        try await connection.set("p\(i)", i)
                        #expect(try await connection.getString("p\(i)") == String(i))
                        try await connection.set("p\(i)", i + 1)  // invalidates: a push lands before the reply
                        #expect(try await connection.getString("p\(i)") == String(i + 1))
                    }
                }
                // Tracking left on the leased connection: it was closed, not reused.
                #expect(client.pool.snapshot.leasedIdle == 0)
            }
        }
    }
}
