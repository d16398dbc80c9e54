import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import StrataCache
import StrataFakeRedis
import StrataRedis
import StrataServiceLifecycle
import StrataTiers
import Synchronization
import Testing

/// A fake server for `body`, stopped afterwards even when `body` throws.
func withFakeServer<T>(_ body: (FakeRedisServer) async throws -> T) async throws -> T {
    let server = try FakeRedisServer.start()
    defer { server.stop() }
    return try await body(server)
}

/// Records the events it is given, in order.
final class EventLog: StrataObserver {
    private let events = Mutex<[String]>([])
    func observe(_ event: StrataEvent) {
        let line: String
        switch event {
        case .localTierFlushed(let reason): line = "local_tier_flushed \(reason)"
        case .connectionClosed(_, _, let reason): line = "connection_closed \(reason.code)"
        default: line = "\(event.name)"
        }
        events.withLock { $0.append(line) }
    }
    var all: [String] { events.withLock { $0 } }
}

func makeClient(_ server: FakeRedisServer, observer: (any StrataObserver)? = nil) throws -> RedisClient {
    var configuration = RedisConfiguration(host: server.host, port: server.port)
    configuration.connectTimeout = .seconds(20)
    configuration.observer = observer
    return try RedisClient(configuration: configuration)
}

func makeCache(_ client: RedisClient, observer: (any StrataObserver)? = nil) -> TieredCache<String> {
    var options = TieredCacheOptions()
    options.observer = observer
    return TieredCache<String>(
        local: .lru(capacity: 100, ttl: .seconds(60)),
        redis: [RedisTierOptions(client: client, namespace: "sl:", ttl: .seconds(60))],
        codec: StringCodec(), options: options, loader: { key in "value of \(key)" })
}

/// Expects `client` to refuse commands as shut down.
func expectShutDown(_ client: RedisClient, sourceLocation: SourceLocation = #_sourceLocation) async {
    let error = await #expect(throws: RedisClientError.self, sourceLocation: sourceLocation) {
        try await client.send("PING")
    }
    #expect(error?.code == .shutdown, sourceLocation: sourceLocation)
}

/// A service that runs `body` and returns: the application, in these tests.
struct Application: Service {
    let body: @Sendable () async throws -> Void
    func run() async throws { try await body() }
}

@Suite("StrataServiceLifecycle", .timeLimit(.minutes(1)))
struct ServiceTests {
    /// The shape of an app: the client, the cache over it, and the app, in a group that shuts
    /// down gracefully when the app is done. The cache stops before the client closes.
    @Test func aServiceGroupRunsThenShutsDownTheCacheAndThenTheClient() async throws {
        try await withFakeServer { server in
            let log = EventLog()
            let client = try makeClient(server, observer: log)
            let cache = makeCache(client, observer: log)
            let served = Mutex<String?>(nil)
            let app = Application {
                // Running: the client answers and the cache loads.
                served.withLock { $0 = nil }
                let value = try await cache.get("home")
                served.withLock { $0 = value }
                _ = try await client.send("PING")
            }
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [
                        .init(service: RedisClientService(client)),
                        .init(service: TieredCacheService(cache)),
                        .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup),
                    ],
                    logger: Logger(label: "test")))
            try await group.run()
            #expect(served.withLock { $0 } == "value of home")
            await expectShutDown(client)
            let events = log.all
            let flushed = try #require(events.firstIndex(of: "local_tier_flushed cache shut down"))
            let closed = try #require(events.firstIndex(of: "connection_closed client shut down"))
            #expect(flushed < closed)
            // Every connection is gone from the server's side too.
            #expect(await eventually { server.statistics().connections.isEmpty })
        }
    }

    @Test func gracefulShutdownEndsTheClientsServiceAndShutsItDown() async throws {
        try await withFakeServer { server in
            let client = try makeClient(server)
            try await testGracefulShutdown { trigger in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await RedisClientService(client).run() }
                    _ = try await client.send("PING")
                    trigger.triggerGracefulShutdown()
                    try await group.waitForAll()
                }
            }
            await expectShutDown(client)
        }
    }

    @Test func cancellationAlsoShutsTheClientAndTheCacheDown() async throws {
        try await withFakeServer { server in
            let log = EventLog()
            let client = try makeClient(server, observer: log)
            let cache = makeCache(client, observer: log)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await RedisClientService(client).run() }
                group.addTask { try await TieredCacheService(cache).run() }
                #expect(try await cache.get("k") == "value of k")
                group.cancelAll()
                try await group.waitForAll()
            }
            await expectShutDown(client)
            #expect(log.all.contains("local_tier_flushed cache shut down"))
        }
    }

    /// Cancelled at once: the cache may be starting (its start is cut short) or started; either
    /// way both services return without an error and leave the client shut down.
    @Test func cancellationWhileStartingShutsDownQuietly() async throws {
        try await withFakeServer { server in
            let client = try makeClient(server)
            let cache = makeCache(client)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await RedisClientService(client).run() }
                group.addTask { try await TieredCacheService(cache).run() }
                group.cancelAll()
                try await group.waitForAll()
            }
            await expectShutDown(client)
        }
    }

    @Test func aCacheThatCannotStartFailsItsService() async throws {
        let server = try FakeRedisServer.start()
        let client = try makeClient(server)
        server.stop()
        await #expect(throws: RedisClientError.self) { try await TieredCacheService(makeCache(client)).run() }
        await client.shutdown()
    }

    /// The README's two lines, compiled and run.
    @Test func readmeSetup() async throws {
        try await withFakeServer { server in
            let redis = try makeClient(server)
            let pages = makeCache(redis)
            let working = Mutex(false)
            let app = Application { () async throws in
                #expect(try await pages.get("home") == "value of home")
                working.withLock { $0 = true }
                try? await gracefulShutdown()
            }
            let logger = Logger(label: "app")
            // README: begin service-lifecycle
            let services: [any Service] = [RedisClientService(redis), TieredCacheService(pages), app]
            let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm], logger: logger)
            // README: end service-lifecycle
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(await eventually { working.withLock { $0 } })
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            await expectShutDown(redis)
        }
    }
}

/// Polls `condition` every 10 ms until it holds or 20 seconds have passed.
func eventually(_ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}
