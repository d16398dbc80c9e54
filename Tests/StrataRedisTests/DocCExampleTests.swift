import StrataFakeRedis
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// The StrataRedis and StrataFakeRedis articles' examples (The Client, The Fake Server), compiled
/// and run against the fake server: the code between the `DocC:` markers is the articles',
/// checked by `DocCCodeBlockTests`.
@Suite("DocC examples", .blockingIO, .timeLimit(.minutes(1)))
struct RedisDocCExampleTests {
    @Test func configurationAndConcurrency() async throws {
        try await withTestRedisServer(.fake) { server in
            let url = server.url
            // DocC: begin client configuration
            var configuration = try RedisConfiguration(url: url)
            configuration.pool.maximumConnections = 2  // shared by every caller, automatically pipelined
            configuration.pool.maximumLeasedConnections = 16  // exclusive: transactions, BLPOP, subscriptions
            configuration.commandTimeout = .milliseconds(500)  // fails the caller, not the connection
            let client = try RedisClient(configuration: configuration)
            // Background work (idle health checks, reconnects) runs here; cancel it to shut down.
            let running = Task { await client.run() }
            // DocC: end client configuration

            // DocC: begin client concurrency
            // One client for the whole application: these 100 GETs from 100 tasks share its
            // connections, and those issued while a write is under way leave in the next one.
            let names = try await withThrowingTaskGroup(of: String?.self) { group in
                for user in 0..<100 {
                    group.addTask { try await client.getString("user:\(user):name") }
                }
                return try await group.reduce(into: [String?]()) { $0.append($1) }
            }

            // A Redis-bound loop on the client's I/O thread: no thread hop per command.
            let hits = try await Task(executorPreference: client.executor) {
                var last = 0
                for _ in 0..<1_000 { last = try await client.incr("hits") }
                return last
            }.value
            // DocC: end client concurrency
            #expect(names.count == 100)
            #expect(hits == 1_000)

            // DocC: begin client pipeline
            var pipeline = RedisPipeline()
            pipeline.set("user:42:name", "Ada")
            let visits = pipeline.incr("user:42:visits")
            let name = pipeline.add(GET("user:42:name"))  // any command value
            let replies = try await client.execute(pipeline)  // one write, one round trip
            print(try replies[visits], try replies[name] ?? [])  // 1 [65, 100, 97]

            // Or a few commands with their own typed results, in one round trip.
            let (user, counter) = try await client.execute(GET("user:42:name"), INCRBY("user:42:visits", 10))
            print(try user.get() ?? [], try counter.get())  // [65, 100, 97] 11
            // DocC: end client pipeline
            #expect(try replies[visits] == 1)
            #expect(try counter.get() == 11)

            running.cancel()
            await running.value
        }
    }

    @Test func transactions() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try RedisClient(url: server.url)
            try await client.set("account:1", 100)
            try await client.set("account:2", 0)
            // DocC: begin client transaction
            // MULTI, the commands and EXEC leave together; nothing else interleaves.
            var transfer = RedisPipeline()
            transfer.incr("account:1", by: -10)
            let credited = transfer.incr("account:2", by: 10)
            if case .committed(let replies) = try await client.transaction(transfer) {
                print(try replies[credited])  // 10
            }

            // Check-and-set with WATCH needs a connection of its own: a lease, which goes back
            // to the pool only when nothing (no WATCH, no open MULTI) is left on it.
            let outcome = try await client.withConnection { connection in
                try await connection.watch(["account:1"])
                let balance = Int(try await connection.getString("account:1") ?? "0") ?? 0
                var update = RedisPipeline()
                update.set("account:1", balance * 2)
                return try await connection.transaction(update)  // .aborted if account:1 changed
            }
            // DocC: end client transaction
            guard case .committed = outcome else {
                Issue.record("the transaction was aborted")
                return
            }
            #expect(try await client.getString("account:1") == "180")
            await client.shutdown()
        }
    }

    @Test func pubSubAndTracking() async throws {
        try await withTestRedisServer(.fake) { server in
            let url = server.url
            let client = try RedisClient(url: url)
            let other = try RedisClient(url: url)
            // DocC: begin client pubsub
            // Subscriptions are AsyncSequences, all carried by one connection of the client's.
            let news = try await client.subscribe(to: ["news"])
            let everything = try await client.subscribe(toPatterns: ["news*"])
            _ = try await client.publish("news", "hello")
            for try await message in news {
                print(message.channelName, message.text)  // news hello
                break
            }
            for try await message in everything {
                print(message.pattern.map { String(decoding: $0, as: UTF8.self) } ?? "", message.text)  // news* hello
                break
            }
            // DocC: end client pubsub

            // DocC: begin client tracking
            // The server reports changes to keys this client has read, whoever makes them.
            let invalidations = try await client.invalidations()
            _ = try await client.get("user:42:name")  // read: now tracked
            try await other.set("user:42:name", "Grace")  // another client (or program) writes it
            for await invalidation in invalidations {
                switch invalidation {
                case .keys(let keys):
                    print(keys.map { String(decoding: $0, as: UTF8.self) })  // ["user:42:name"]
                case .all, .trackingLost:
                    print("drop every local copy")  // a flush, or invalidations may have been missed
                case .slots, .trackingResumed:
                    continue
                }
                break
            }
            // DocC: end client tracking
            await client.shutdown()
            await other.shutdown()
        }
    }

    @Test func cluster() async throws {
        let fake = try FakeRedisCluster(primaries: 3)
        defer { fake.shutdown() }
        let urls = fake.urls
        // DocC: begin client cluster
        let cluster = try RedisClusterClient(urls: urls)  // seeds; the slot map is read from them
        try await cluster.set("{user:42}:name", "Ada")  // sent to the node that owns the key's slot
        let visits = try await cluster.incr("{user:42}:visits")  // same hash tag, same slot, same node
        let both = try await cluster.mget(["{user:42}:name", "{user:42}:city"])  // one slot: allowed
        let owners = try await cluster.topology()  // which node serves which slots
        print(visits, both.count, owners.shards.count)  // 1 2 3
        await cluster.shutdown()
        // DocC: end client cluster
        #expect(visits == 1)
        #expect(both.count == 2)
    }

    @Test func fakeServerInATest() async throws {
        // DocC: begin fake test
        let server = try FakeRedisServer.start()  // 127.0.0.1, a free port, its own thread
        defer { server.stop() }
        let client = try RedisClient(url: "redis://\(server.host):\(server.port)")
        try await client.set("session:1", "Ada", expiration: .seconds(60))

        // Expiry without sleeping: the server's clock moves, the test's does not.
        server.advanceClock(by: .seconds(61))
        print(try await client.getString("session:1") ?? "expired")  // expired

        // A slow server: GETs are answered 300 ms late, past this caller's 50 ms timeout.
        server.inject(.latency(.milliseconds(300), commands: ["GET"]))
        do {
            _ = try await RedisClient.withCommandTimeout(.milliseconds(50)) { try await client.get("session:1") }
        } catch let error as RedisClientError where error.code == .timeout {
            print("timed out")  // the caller failed alone; the connection stays open
        }
        server.clearFaults()
        await client.shutdown()
        // DocC: end fake test
    }
}
