import StrataRESP
import StrataRedis
import StrataServerTestSupport
import Testing

/// `run()` owns the client's background work and shuts it down when cancelled; a client dropped
/// without `run()` or `shutdown()` still releases its sockets; the pool's wake-up race is gone.
@Suite("Client lifecycle", .blockingIO)
struct ClientLifecycleTests {
    /// The clients connected to `server`, as it counts them, seen through `observer` (which is one).
    static func connectedClients(_ observer: RedisClient) async throws -> Int {
        Int(try await observer.info("clients")["connected_clients"] ?? "") ?? -1
    }

    @Test(arguments: TestRedisServer.kindsToTest)
    func cancellingRunShutsTheClientDownGracefully(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { observer in
                let baseline = try await Self.connectedClients(observer)
                let client = try RedisClient(url: server.url)
                let running = Task { await client.run() }
                try await client.set("k", "v")
                #expect(try await client.getString("k") == "v")
                try await client.withConnection { _ = try await $0.send("PING") }
                let tracking = try await client.startTracking { _ in }
                #expect(try await Self.connectedClients(observer) > baseline)
                // A second run() returns at once.
                await client.run()
                running.cancel()
                await running.value
                let error = await #expect(throws: RedisClientError.self) { try await client.get("k") }
                #expect(error?.code == .shutdown)
                #expect(await eventually { (try? await Self.connectedClients(observer)) == baseline })
                await tracking.stop()
            }
        }
    }

    /// The finding: a client dropped without shutdown() kept its sockets forever, because the
    /// event loop holds every connection.
    @Test(arguments: TestRedisServer.kindsToTest)
    func aDroppedClientReleasesItsSockets(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(server) { observer in
                let baseline = try await Self.connectedClients(observer)
                try await useAndDrop(url: server.url, observer: observer, baseline: baseline)
                let released = await eventually(timeout: .seconds(10)) {
                    (try? await Self.connectedClients(observer)) == baseline
                }
                let now = try await Self.connectedClients(observer)
                #expect(released, "\(now) clients connected, against \(baseline) before")
            }
        }
    }

    /// Opens shared, leased, subscription and tracking connections, then lets the client go.
    private func useAndDrop(url: String, observer: RedisClient, baseline: Int) async throws {
        var configuration = try RedisConfiguration(url: url)
        configuration.pool.minimumConnections = 2
        let client = try RedisClient(configuration: configuration)
        try await client.set("k", "v")
        let tracking = try await client.startTracking { _ in }
        // Leased after tracking started: an idle lease that ran the old setup is closed then.
        try await client.withConnection { _ = try await $0.send("PING") }
        let subscription = try await client.subscribe(to: ["news"])
        _ = try await client.publish("news", "hello")
        for try await message in subscription {
            #expect(message.text == "hello")
            break
        }
        // Two shared, one leased, one tracking and one subscriber connection.
        let connected = try await Self.connectedClients(observer)
        #expect(connected == baseline + 5, "\(connected) against \(baseline)")
        _ = tracking
    }

    /// The wake-up race under load: one leased connection, many callers taking turns. With the
    /// decision and the queuing apart, a release between them parked the connection while a
    /// waiter waited out the lease timeout and failed with `poolExhausted`.
    @Test(arguments: TestRedisServer.kindsToTest)
    func leasesTakingTurnsNeverTimeOutWhileAConnectionIsFree(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            try await withClient(
                server,
                configure: {
                    $0.pool.maximumLeasedConnections = 1
                    $0.pool.leaseTimeout = .seconds(3)
                }
            ) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            for _ in 0..<150 {
                                try await client.withConnection { connection in
                                    _ = try await connection.send("PING")
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(client.pool.snapshot.leasedIdle == 1)
                #expect(client.pool.snapshot.waiters == 0)
            }
        }
    }
}
