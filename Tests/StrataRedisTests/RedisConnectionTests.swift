import Glibc
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// Endpoints, handshake options, pool warm-up and graceful shutdown against a real redis-server.
@Suite("Connections", .blockingIO)
struct RedisConnectionTests {
    @Test(arguments: TestRedisServer.kindsToTest)
    func unixSocket(_ kind: TestRedisServer.Kind) async throws {
        let path = "/tmp/strata-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        defer { unlink(path) }
        try await withTestRedisServer(kind, options: .init(unixSocketPath: path)) { _ in
            let client = try RedisClient(url: "unix://\(path)?db=1")
            #expect(try await client.set("k", "over a unix socket"))
            #expect(try await client.getString("k") == "over a unix socket")
            await client.shutdown()
        }
    }

    @Test(.enabled(if: TestRedisServer.kindsToTest.contains(.real), "redis-server is not on PATH"))
    func ipv6Loopback() async throws {
        try await withTestRedisServer(.real, options: .init(extraRealArguments: ["--bind", "127.0.0.1", "::1"])) {
            server in
            let client = try RedisClient(url: "redis://[::1]:\(server.port)")
            #expect(try await client.echo("v6") == Array("v6".utf8))
            await client.shutdown()
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest, protocolVersions)
    func selectedDatabaseAndClientName(_ kind: TestRedisServer.Kind, _ version: RedisConfiguration.ProtocolVersion)
        async throws
    {
        try await withTestRedisServer(kind) { server in
            let protocolNumber = version == .resp2 ? 2 : 3
            let inTwo = try RedisClient(
                url: "redis://127.0.0.1:\(server.port)/2?name=strata-test&protocol=\(protocolNumber)")
            let inZero = try RedisClient(url: server.url)
            try await inTwo.set("k", "db2")
            #expect(try await inZero.get("k") == nil)
            #expect(try await inTwo.getString("k") == "db2")
            let info = try await inTwo.send("CLIENT", "INFO").asString()
            #expect(info.contains("db=2") && info.contains("name=strata-test"))
            await inTwo.shutdown()
            await inZero.shutdown()
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func minimumConnectionsOpenEagerly(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(
                server,
                configure: {
                    $0.pool.minimumConnections = 2
                    $0.pool.maximumConnections = 2
                }
            ) { client in
                #expect(await eventually { client.pool.snapshot.sharedConnections == 2 })
            }
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func shutdownFinishesCommandsInFlight(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind, options: .init(extraRealArguments: ["--enable-debug-command", "yes"])) {
            server in
            let client = try RedisClient(url: server.url)
            try await client.set("k", "v")
            let slow = Task { try await client.send("DEBUG", "SLEEP", "0.2") }
            // Shut down once the command is in flight (a fixed pause was too short on a busy
            // machine: the shutdown came first, and the command was refused).
            #expect(await eventually { client.pool.snapshot.commandsInFlight == 1 })
            await client.shutdown(gracePeriod: .seconds(5))
            // The command that was in flight completed; new ones are refused clearly.
            #expect(try await slow.value == .simpleString("OK"))
            let error = await #expect(throws: RedisClientError.self) { try await client.get("k") }
            #expect(error?.code == .shutdown)
        }
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func automaticPipeliningSharesWrites(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server, configure: { $0.pool.maximumConnections = 1 }) { client in
                try await client.set("k", "v")
                let before = client._writeCounters
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<200 {
                        group.addTask {
                            for _ in 0..<50 { _ = try await client.get("k") }
                        }
                    }
                    try await group.waitForAll()
                }
                let after = client._writeCounters
                let commands = after.commands - before.commands
                let writes = after.writes - before.writes
                #expect(commands == 10_000)
                // Many tasks on one connection: commands issued during a write leave together.
                #expect(writes * 2 < commands, "\(writes) writes for \(commands) commands")
            }
        }
    }
}
