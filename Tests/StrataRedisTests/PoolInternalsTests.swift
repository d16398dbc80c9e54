import StrataFakeRedis
import StrataRESP
import StrataSync
import Testing

@testable import StrataRedis

/// The pool's edges that only its internals can reach. What a shutdown tells the callers it
/// fails: whether their commands may have reached the server (a Redis Cluster client shuts a
/// node's client down when the node leaves the topology, and resends the commands that never
/// left to the slot's new owner). And the setup every connection runs (client tracking), which
/// must reach a connection that was opening while it was installed.
@Suite("Pool internals")
struct PoolInternalsTests {
    @Test func aCallerWaitingOutAReconnectionBackoffIsFailedAsUnsent() async throws {
        let server = try FakeRedisServer.start()
        defer { server.stop() }
        server.inject(.refuseConnections)
        var configuration = RedisConfiguration(host: server.host, port: server.port)
        configuration.commandTimeout = .seconds(60)
        // The next attempt is a minute away: a caller now waits for it.
        configuration.reconnectBackoff.initial = .seconds(60)
        configuration.reconnectBackoff.maximum = .seconds(60)
        configuration.connectTimeout = .seconds(120)  // a wait longer than this fails at once
        let client = try RedisClient(configuration: configuration)
        let refused = await #expect(throws: RedisClientError.self) { try await client.get("k") }
        #expect(refused?.code == .connectionFailed)
        let waiting = Task { try await client.get("k") }
        #expect(await eventually { client.pool.snapshot.sharedWaiters == 1 })
        await client.shutdown(gracePeriod: .seconds(1))
        let error = await #expect(throws: RedisClientError.self) { try await waiting.value }
        #expect(error?.code == .shutdown)
        #expect(error?.isUnsent == true, "a command that never had a connection is safe to send elsewhere")
        // A command after the shutdown is refused before it is sent, too.
        let late = await #expect(throws: RedisClientError.self) { try await client.get("k") }
        #expect(late?.code == .shutdown)
        #expect(late?.isUnsent == true)
    }

    @Test func aSetupInstalledWhileAConnectionOpensReachesIt() async throws {
        let server = try FakeRedisServer.start()
        defer { server.stop() }
        let client = try RedisClient(configuration: RedisConfiguration(host: server.host, port: server.port))
        let named = [["CLIENT", "SETNAME", "with-setup"]]
        let installed = StrataMutex(false)
        // Installed when the first connection has run the setup there was (none) and is about to
        // join the pool: installSetup then finds no connection in the pool to run it on.
        client.pool.beforeAdmitting.withLock {
            $0 = {
                let first = installed.withLock { done -> Bool in
                    defer { done = true }
                    return !done
                }
                guard first else { return }
                try? await client.pool.installSetup(.init(commands: named), andRunNow: named)
            }
        }
        let name = try await client.send("CLIENT", "GETNAME")
        #expect(installed.withLock { $0 })
        #expect(try name.asString() == "with-setup", "the connection joined the pool without the setup")
        await client.shutdown()
    }

    @Test func leasedConnectionsThatRanAnOldSetupAreNotLeasedAgain() async throws {
        let server = try FakeRedisServer.start()
        defer { server.stop() }
        var configuration = RedisConfiguration(host: server.host, port: server.port)
        configuration.pool.maximumLeasedConnections = 2
        let client = try RedisClient(configuration: configuration)
        func leasedName() async throws -> String? {
            try await client.withConnection { connection in
                let reply = try await connection.send("CLIENT", "GETNAME")
                return reply.isNull ? nil : try reply.asString()
            }
        }
        #expect(try await leasedName() == nil)  // one idle leased connection now, without a name
        let named = [["CLIENT", "SETNAME", "with-setup"]]
        // One lease in use while the setup changes: it ran the old one.
        let holding = AsyncStream<Void>.makeStream()
        let release = AsyncStream<Void>.makeStream()
        let held = Task {
            try await client.withConnection { connection in
                holding.continuation.yield()
                for await _ in release.stream { break }
                _ = try await connection.send("PING")
            }
        }
        for await _ in holding.stream { break }
        try await client.pool.installSetup(.init(commands: named), andRunNow: named)
        release.continuation.yield()
        try await held.value
        // Neither the idle one nor the one given back is leased again.
        #expect(try await leasedName() == "with-setup")
        #expect(try await leasedName() == "with-setup")
        await client.shutdown()
    }
}
