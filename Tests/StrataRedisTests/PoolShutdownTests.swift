import StrataFakeRedis
import Testing

@testable import StrataRedis

/// What a shutdown tells the callers it fails: whether their commands may have reached the
/// server. A Redis Cluster client shuts a node's client down when the node leaves the topology
/// (a failed primary), and resends the commands that never left to the slot's new owner.
@Suite("Pool shutdown")
struct PoolShutdownTests {
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
}
