import Glibc
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// The client under failure: a killed server, a stalled server, killed connections, wrong
/// credentials, an exhausted pool, cancelled callers.
@Suite("Faults", .blockingIO)
struct RedisFaultTests {
    @Test(arguments: TestRedisServer.kindsToTest)
    func serverKilledWithCommandsInFlightThenRestarted(_ kind: TestRedisServer.Kind) async throws {
        let server = try TestRedisServer.start(kind)
        defer { server.stop() }
        try await withClient(server, configure: { $0.commandTimeout = .seconds(5) }) { client in
            try await client.set("k", "v")
            // Many callers and a large pipeline in flight when the server dies.
            let outcomes = try await withThrowingTaskGroup(of: (ok: Int, failed: Int).self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        var result = (ok: 0, failed: 0)
                        for _ in 0..<100_000 {
                            do {
                                _ = try await client.get("k")
                                result.ok += 1
                            } catch let error as RedisClientError {
                                #expect(
                                    [.connectionClosed, .connectionFailed, .timeout].contains(error.code), "\(error)")
                                result.failed += 1
                                return result
                            }
                        }
                        return result
                    }
                }
                group.addTask {
                    var pipeline = RedisPipeline()
                    for _ in 0..<50_000 { _ = pipeline.get("k") }
                    do {
                        while true { _ = try await client.execute(pipeline) }
                    } catch is RedisClientError {
                        return (ok: 0, failed: 1)
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
                server.kill()
                var total = (ok: 0, failed: 0)
                for try await outcome in group {
                    total.ok += outcome.ok
                    total.failed += outcome.failed
                }
                return total
            }
            // Every caller saw an error; none hung (the group returned).
            #expect(outcomes.failed == 33)
            #expect(outcomes.ok > 0)

            // While the server is down, commands fail fast with a clear error.
            let down = await #expect(throws: RedisClientError.self) { try await client.get("k") }
            #expect(down?.code == .connectionFailed || down?.code == .connectionClosed)

            // The server comes back: the pool reconnects on the next command.
            try server.restart()
            #expect(await eventually { (try? await client.set("k", "back")) != nil })
            #expect(try await client.getString("k") == "back")
        }
    }

    /// The finding of issue 10: the server stalls for 500 ms, one caller with a 250 ms timeout gives
    /// up, and its neighbours with the default timeout must still get their own replies.
    @Test(arguments: TestRedisServer.kindsToTest)
    func oneImpatientCallerDoesNotFailItsNeighbours(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind, options: .init(extraRealArguments: ["--enable-debug-command", "yes"])) {
            server in
            try await withClient(server, configure: { $0.pool.maximumConnections = 1 }) { client in
                for i in 0..<20 { try await client.set("n\(i)", "v\(i)") }
                let before = client._sharedConnectionIDs
                // The whole server stalls (sent from a connection of its own), so on the client's one
                // shared connection the impatient caller's GET is the oldest reply owed.
                let stall = try RedisClient(url: server.url)
                let probe = try RedisClient(url: server.url)
                defer {
                    Task {
                        await stall.shutdown()
                        await probe.shutdown()
                    }
                }
                _ = try await stall.send("PING")  // both connections open before the server sleeps
                _ = try await probe.send("PING")
                let sleeper = Task { try await stall.send("DEBUG", "SLEEP", "1") }
                // Wait until the server is asleep (a short PING goes unanswered), however slowly this
                // machine runs: from then on it stays silent for most of a second.
                let asleep = await eventually {
                    (try? await RedisClient.withCommandTimeout(.milliseconds(50)) { try await probe.send("PING") })
                        == nil
                }
                #expect(asleep)
                let impatient = Task {
                    try await RedisClient.withCommandTimeout(.milliseconds(250)) { try await client.get("n0") }
                }
                let neighbours = (0..<20).map { i in
                    Task { try await client.getString("n\(i)") }
                }
                let impatientError = await #expect(throws: RedisClientError.self) { try await impatient.value }
                #expect(impatientError?.code == .timeout)
                for (i, neighbour) in neighbours.enumerated() {
                    #expect(try await neighbour.value == "v\(i)")
                }
                _ = try await sleeper.value
                // The one shared connection was never closed.
                #expect(client._sharedConnectionIDs == before)
            }
        }
    }

    /// A blocking command keeps its server silent on purpose: that is not a stall.
    @Test(arguments: TestRedisServer.kindsToTest)
    func aBlockingCommandsWaitIsNotAStall(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, configure: { $0.stallTimeout = .milliseconds(200) }) { client in
                let popped = try await client.blpop(["nothing"], timeout: .milliseconds(800))
                #expect(popped == nil)
                // The leased connection was returned clean, not closed as stalled.
                #expect(client.pool.snapshot.leasedIdle == 1)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func clientKillFailsInFlightAndTheNextCommandReconnects(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { admin in
                try await withClient(server, configure: { $0.clientName = "victim" }) { client in
                    try await client.set("k", "v")
                    let killed = try await admin.send("CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal").asInt()
                    #expect(killed >= 1)
                    // The kill may land between commands: the next one either fails clearly or reconnects.
                    var sawError = false
                    for _ in 0..<3 {
                        do {
                            #expect(try await client.getString("k") == "v")
                        } catch let error as RedisClientError {
                            #expect(error.code == .connectionClosed)
                            sawError = true
                        }
                    }
                    _ = sawError
                    #expect(try await client.getString("k") == "v")
                    let list = try await admin.send("CLIENT", "LIST").asString()
                    #expect(list.contains("name=victim"))
                }
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func passwords(_ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion) async throws {
        try await withTestRedisServer(kind, options: .init(password: "s3cret")) { server in
            try await withClient(server, protocolVersion: version, configure: { $0.password = "s3cret" }) { client in
                let written = try await client.set("k", "v")
                #expect(written)
            }
            try await withClient(server, protocolVersion: version, configure: { $0.password = "wrong" }) { client in
                let error = await #expect(throws: RedisClientError.self) { try await client.get("k") }
                #expect(error?.code == .authenticationFailed)
                #expect(error?.message.contains("rejected the credentials") == true)
            }
            try await withClient(server, protocolVersion: version) { client in
                let error = await #expect(throws: RedisClientError.self) { try await client.get("k") }
                #expect(error?.code == .authenticationFailed)
                #expect(error?.message.contains("requires a password") == true)
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func namedUsers(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind, options: .init(users: ["alice": "wonderland"])) { server in
            let alice = try RedisClient(url: "redis://alice:wonderland@127.0.0.1:\(server.port)")
            #expect(try await alice.set("k", "ok"))
            #expect(try await alice.send("ACL", "WHOAMI") == "alice")
            await alice.shutdown()
            let intruder = try RedisClient(url: "redis://alice:guess@127.0.0.1:\(server.port)")
            let error = await #expect(throws: RedisClientError.self) { try await intruder.get("k") }
            #expect(error?.code == .authenticationFailed)
            await intruder.shutdown()
        }
    }

    /// ACL SETUSER with key patterns: a real server.
    @Test(
        .enabled(if: TestRedisServer.kindsToTest.contains(.real), "redis-server is not on PATH"),
        arguments: protocolVersions)
    func aclUsers(_ version: RedisConfiguration.ProtocolVersion) async throws {
        try await withTestRedisServer(.real) { server in
            try await withClient(server) { admin in
                try await admin.send("ACL", "SETUSER", "alice", "on", ">wonderland", "~app:*", "+@all")
            }
            let url = "redis://alice:wonderland@127.0.0.1:\(server.port)?protocol=\(version == .resp2 ? 2 : 3)"
            let alice = try RedisClient(url: url)
            #expect(try await alice.set("app:1", "ok"))
            let denied = await #expect(throws: RedisServerError.self) { try await alice.set("other", "x") }
            #expect(denied?.code == "NOPERM")
            await alice.shutdown()

            let intruder = try RedisClient(url: "redis://alice:guess@127.0.0.1:\(server.port)")
            let error = await #expect(throws: RedisClientError.self) { try await intruder.get("app:1") }
            #expect(error?.code == .authenticationFailed)
            await intruder.shutdown()
        }
    }

    @Test func unreachableServerFailsFastWithAClearError() async throws {
        let port = try TestRedisServer.freePort()
        let client = try RedisClient(url: "redis://127.0.0.1:\(port)")
        let error = await #expect(throws: RedisClientError.self) { try await client.get("k") }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("refused") == true)
        // After a failure, attempts are spaced by backoff, and still fail clearly.
        await #expect(throws: RedisClientError.self) { try await client.get("k") }
        #expect(client.pool.snapshot.consecutiveFailures >= 1)
        await client.shutdown()
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func poolExhaustionIsAClearErrorNotAQueueThatGrows(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(
                server,
                configure: {
                    $0.pool.maximumLeasedConnections = 1
                    $0.pool.maximumWaiters = 1
                    $0.pool.leaseTimeout = .milliseconds(200)
                }
            ) { client in
                let holding = AsyncStream<Void>.makeStream()
                let release = AsyncStream<Void>.makeStream()
                let holder = Task {
                    try await client.withConnection { _ in
                        holding.continuation.yield()
                        for await _ in release.stream { break }
                    }
                }
                for await _ in holding.stream { break }
                // One caller may wait; it times out.
                let waiter = Task { try await client.withConnection { _ in } }
                #expect(await eventually { client.pool.snapshot.waiters == 1 })
                // A second waiter finds the queue full at once.
                let full = await #expect(throws: RedisClientError.self) { try await client.withConnection { _ in } }
                #expect(full?.code == .poolExhausted)
                let timedOut = await #expect(throws: RedisClientError.self) { try await waiter.value }
                #expect(timedOut?.code == .poolExhausted)
                release.continuation.yield()
                try await holder.value
                // Released: the next lease works.
                let pong = try await client.withConnection { connection in try await connection.send("PING") }
                #expect(pong == .simpleString("PONG"))
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func cancelledCallerReturnsAtOnceAndTheConnectionStaysAligned(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind, options: .init(extraRealArguments: ["--enable-debug-command", "yes"])) {
            server in
            try await withClient(server) { client in
                try await client.set("k", "v")
                let slow = Task { try await client.send("DEBUG", "SLEEP", "0.3") }
                // Cancelled once it is in flight (its reply then arrives for nobody).
                #expect(await eventually { client.pool.snapshot.commandsInFlight == 1 })
                slow.cancel()
                let error = await #expect(throws: RedisClientError.self) { try await slow.value }
                #expect(error?.code == .cancelled)
                // The abandoned reply is dropped when it arrives; later replies still match their callers.
                for i in 0..<50 {
                    try await client.set("k\(i)", i)
                    #expect(try await client.getString("k\(i)") == String(i))
                }
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func idempotentCommandsAreRetriedOnceOthersAreNot(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { client in
                try await client.set("k", "v")
                client._breakSharedConnections()
                // Breaking the connection before sending is always safe to retry (nothing left).
                #expect(try await client.getString("k") == "v")
                #expect(try await client.send(idempotent: true, "GET", "k") == "v")
            }
        }
    }
}
