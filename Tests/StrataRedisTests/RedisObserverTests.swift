import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

/// Records every event it is handed.
final class RecordingObserver: StrataObserver {
    private let recorded = StrataMutex<[StrataEvent]>([])

    func observe(_ event: StrataEvent) { recorded.withLock { $0.append(event) } }

    var events: [StrataEvent] { recorded.withLock { $0 } }
    /// The events' names, in order.
    var names: [String] { events.map { "\($0.name)" } }
    func count(_ name: String) -> Int { names.filter { $0 == name }.count }

    /// The commands finished, as `NAME outcome`.
    var commands: [String] {
        events.compactMap {
            guard case .commandFinished(let name, _, let outcome) = $0 else { return nil }
            return "\(name) \(outcome)"
        }
    }
}

/// The client's events reach its observer: connections, commands, backoff, the pool, tracking.
@Suite("Client observer", .blockingIO)
struct RedisObserverTests {
    @Test func connectionsAndCommandsAreReported() async throws {
        try await withTestRedisServer(.fake) { server in
            let observer = RecordingObserver()
            try await withClient(server, configure: { $0.observer = observer }) { client in
                try await client.set("k", "v")
                _ = try await client.get("k")
                await #expect(throws: RedisServerError.self) { try await client.send("LPUSH", "k", "x") }
                var pipeline = RedisPipeline()
                pipeline.del("k")
                _ = try await client.execute(pipeline)
                #expect(observer.count("connection_opened") == 1)
                #expect(observer.count("connection_closed") == 0)
            }
            #expect(observer.commands == ["SET success", "GET success", "LPUSH server_error", "PIPELINE success"])
            // Shutting the client down closes its connection, and says why.
            let closed = observer.events.compactMap { event -> RedisClientError.Code? in
                guard case .connectionClosed(_, _, let reason) = event else { return nil }
                return reason.code
            }
            #expect(closed == [.shutdown])
        }
    }

    @Test func failedConnectionsAndTheirBackoffAreReported() async throws {
        let port = try TestRedisServer.freePort()  // nobody listens there
        var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
        // Long enough that the second attempt comes within it, however slow the machine.
        configuration.reconnectBackoff.initial = .milliseconds(300)
        configuration.reconnectBackoff.maximum = .milliseconds(300)
        configuration.reconnectBackoff.jitter = 0
        let observer = RecordingObserver()
        configuration.observer = observer
        let client = try RedisClient(configuration: configuration)
        for _ in 0..<2 {
            await #expect(throws: RedisClientError.self) { _ = try await client.get("k") }
        }
        await client.shutdown(gracePeriod: .seconds(1))
        #expect(observer.count("connection_failed") == 2, "\(observer.names)")
        // The second attempt came after one failure: it waited out a backoff first.
        let backoffs = observer.events.compactMap { event -> Int? in
            guard case .reconnectScheduled(_, let delay, let failures) = event, delay > .zero else { return nil }
            return failures
        }
        #expect(backoffs == [1], "\(observer.names)")
        #expect(observer.commands == ["GET client_error", "GET client_error"])
        #expect(observer.count("connection_opened") == 0)
    }

    @Test func anExhaustedPoolIsReported() async throws {
        try await withTestRedisServer(.fake) { server in
            let observer = RecordingObserver()
            try await withClient(
                server,
                configure: {
                    $0.observer = observer
                    $0.pool.maximumLeasedConnections = 1
                    $0.pool.maximumWaiters = 0
                }
            ) { client in
                try await client.withConnection { _ in
                    await #expect(throws: RedisClientError.self) { try await client.withConnection { _ in } }
                }
            }
            let reasons = observer.events.compactMap { event -> RedisClientError.Code? in
                guard case .poolExhausted(_, let reason) = event else { return nil }
                return reason.code
            }
            #expect(reasons == [.poolExhausted])
        }
    }

    @Test func aLostTrackingLinkIsReportedThenItsRecovery() async throws {
        try await withTestRedisServer(.fake) { server in
            let observer = RecordingObserver()
            try await withClient(
                server, protocolVersion: .resp3,
                configure: {
                    $0.observer = observer
                    $0.reconnectBackoff.initial = .milliseconds(5)
                }
            ) { client in
                let tracking = try await client.startTracking(healthCheckInterval: .milliseconds(200)) { _ in }
                _ = server.fake!.killAllConnections()
                #expect(await eventually { observer.count("tracking_lost") >= 1 }, "\(observer.names)")
                #expect(await eventually { observer.count("tracking_resumed") >= 1 }, "\(observer.names)")
                #expect(observer.count("connection_closed") >= 1)
                await tracking.stop()
            }
        }
    }
}
