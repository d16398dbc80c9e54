import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// A leased connection may take any state, but never hands it to the next lease: what a lease
/// leaves behind (an open transaction, watched keys, another database, a name, an owed reply)
/// closes the connection instead of returning it to the pool. One leased connection at most, so
/// the next lease would get the same connection if it were reused.
@Suite("Leases never return dirty", .blockingIO)
struct LeaseHygieneTests {
    func withLeaseClient(
        _ kind: TestRedisServer.Kind,
        _ body: (RedisClient) async throws -> Void
    ) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, configure: { $0.pool.maximumLeasedConnections = 1 }) { client in
                try await body(client)
            }
        }
    }

    /// The finding: `withConnection { MULTI }` returned the connection with the transaction open,
    /// and the next lease failed with "MULTI calls can not be nested".
    @Test(arguments: TestRedisServer.kindsToTest)
    func aTransactionLeftOpenClosesTheConnection(_ kind: TestRedisServer.Kind) async throws {
        try await withLeaseClient(kind) { client in
            try await client.withConnection { try await $0.send("MULTI") }
            #expect(client.pool.snapshot.leasedIdle == 0)
            try await client.withConnection { connection in
                #expect(try await connection.send("PING") == .simpleString("PONG"))  // not QUEUED
                try await connection.send("MULTI")
                try await connection.send("SET", "k", "v")
                let exec = try await connection.send("EXEC")
                #expect(exec == .array([.simpleString("OK")]))
            }
            // MULTI ... EXEC left nothing behind: reused.
            #expect(client.pool.snapshot.leasedIdle == 1)
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func anotherDatabaseIsNeverHandedOn(_ kind: TestRedisServer.Kind) async throws {
        try await withLeaseClient(kind) { client in
            try await client.set("where", "db0")
            try await client.withConnection { connection in
                try await connection.execute(SELECT(3))
                try await connection.set("where", "db3")
            }
            #expect(client.pool.snapshot.leasedIdle == 0)
            #expect(try await client.withConnection { try await $0.getString("where") } == "db0")
            // Back to the configured database before the end: reused.
            try await client.withConnection { connection in
                try await connection.send("SELECT", "3")
                try await connection.send("SELECT", "0")
            }
            #expect(client.pool.snapshot.leasedIdle == 1)
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func watchedKeysAreNeverHandedOn(_ kind: TestRedisServer.Kind) async throws {
        try await withLeaseClient(kind) { client in
            try await client.withConnection { try await $0.watch(["w"]) }
            #expect(client.pool.snapshot.leasedIdle == 0)
            try await client.withConnection { connection in
                try await connection.watch(["w"])
                try await connection.unwatch()
            }
            #expect(client.pool.snapshot.leasedIdle == 1)
            // WATCH then a transaction: EXEC forgets the watched keys.
            let result = try await client.withConnection { connection in
                try await connection.watch(["w"])
                var update = RedisPipeline()
                update.set("w", 1)
                return try await connection.transaction(update)
            }
            guard case .committed = result else {
                Issue.record("expected the transaction to commit")
                return
            }
            #expect(client.pool.snapshot.leasedIdle == 1)
            // A watched key changed by someone else: aborted, and still clean afterwards.
            let aborted = try await client.withConnection { connection in
                try await connection.watch(["w"])
                try await client.set("w", 2)
                return try await connection.transaction(RedisPipeline())
            }
            guard case .aborted = aborted else {
                Issue.record("expected the transaction to abort")
                return
            }
            #expect(client.pool.snapshot.leasedIdle == 1)
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func otherConnectionStateClosesTheConnection(_ kind: TestRedisServer.Kind) async throws {
        try await withLeaseClient(kind) { client in
            try await client.withConnection { try await $0.send("CLIENT", "SETNAME", "borrowed") }
            #expect(client.pool.snapshot.leasedIdle == 0)
            let name = try await client.withConnection { try await $0.send("CLIENT", "GETNAME") }
            #expect(name.isNull)
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func aReplyStillOwedClosesTheConnection(_ kind: TestRedisServer.Kind) async throws {
        try await withLeaseClient(kind) { client in
            try await client.withConnection { connection in
                let error = await #expect(throws: RedisClientError.self) {
                    try await connection.send(timeout: .milliseconds(100), "BLPOP", "nothing", "2")
                }
                #expect(error?.code == .timeout)
            }
            #expect(client.pool.snapshot.leasedIdle == 0)
            // A fresh connection serves the next lease, with nothing of the old reply in its stream.
            #expect(try await client.withConnection { try await $0.send("PING") } == .simpleString("PONG"))
            #expect(client.pool.snapshot.leasedIdle == 1)
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func aServerErrorInTheBodyLeavesAReusableConnection(_ kind: TestRedisServer.Kind) async throws {
        try await withLeaseClient(kind) { client in
            try await client.set("text", "abc")
            await #expect(throws: RedisServerError.self) {
                try await client.withConnection { try await $0.incr("text") }
            }
            #expect(client.pool.snapshot.leasedIdle == 1)
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func aLeaseRefusesSubscriptionsAndEndsWithItsBody(_ kind: TestRedisServer.Kind) async throws {
        try await withLeaseClient(kind) { client in
            let escaped = try await client.withConnection { connection in
                let error = await #expect(throws: RedisClientError.self) { try await connection.send("SUBSCRIBE", "c") }
                #expect(error?.message.contains("subscribe") == true)
                await #expect(throws: RedisClientError.self) { try await connection.send("MONITOR") }
                await #expect(throws: RedisClientError.self) { try await connection.send("CLIENT", "REPLY", "OFF") }
                return connection
            }
            #expect(client.pool.snapshot.leasedIdle == 1)
            // The connection is back in the pool: a lease used after its body must not touch it.
            let error = await #expect(throws: RedisClientError.self) { try await escaped.send("MULTI") }
            #expect(error?.message.contains("after withConnection returned") == true)
            #expect(try await client.withConnection { try await $0.send("PING") } == .simpleString("PONG"))
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func typedCommandsRunOnALease(_ kind: TestRedisServer.Kind) async throws {
        try await withLeaseClient(kind) { client in
            try await client.withConnection { connection in
                try await connection.set("typed", "yes")
                #expect(try await connection.getString("typed") == "yes")
                let (a, b) = try await connection.execute(GET("typed"), INCR("counter"))
                #expect(try a.get() == Array("yes".utf8))
                #expect(try b.get() == 1)
                #expect(try await connection.blpop(["none"], timeout: .milliseconds(50)) == nil)
            }
            #expect(client.pool.snapshot.leasedIdle == 1)
        }
    }
}
