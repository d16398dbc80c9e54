import StrataCache
import StrataFakeRedis
import StrataRedis
import StrataServerTestSupport
import StrataSync
import StrataTiers
import Testing

/// The caller's request, as a task-local value: what an interceptor must see.
enum RequestContext {
    @TaskLocal static var requestID: String?
}

/// The identity of the task running now (`nil` outside any task).
func currentTaskIdentity() -> Int? {
    withUnsafeCurrentTask { $0?.hashValue }
}

/// One call of a ``NestingRecorder``.
struct Interception: Sendable, Equatable, CustomStringConvertible {
    /// The operation's name (`GET`, `PIPELINE`, `cache.get`).
    var name: String
    /// The names of the interceptions this one ran inside, outermost first (read from a task-local
    /// value the recorder binds around `next`, as a tracer binds its span).
    var path: [String]
    /// ``RequestContext/requestID`` as the interceptor saw it.
    var requestID: String?
    /// The task the interceptor ran in.
    var task: Int?
    /// Whether `next` threw.
    var failed = false

    var description: String { (path + [name]).joined(separator: " > ") + (failed ? " (failed)" : "") }
}

/// Records each interception with where it ran: the interceptions around it, the caller's
/// task-local request ID, the task.
final class NestingRecorder: StrataInterceptor {
    @TaskLocal static var path: [String] = []
    private let log = StrataMutex<[Interception]>([])

    nonisolated(nonsending) func intercept<Result>(
        _ operation: StrataOperation,
        _ next: () async throws -> Result
    ) async throws -> Result {
        let path = Self.path
        let index = log.withLock {
            $0.append(
                Interception(
                    name: operation.name, path: path, requestID: RequestContext.requestID,
                    task: currentTaskIdentity()))
            return $0.count - 1
        }
        do {
            return try await Self.$path.withValue(path + [operation.name]) { try await next() }
        } catch {
            log.withLock { $0[index].failed = true }
            throw error
        }
    }

    /// The interceptions of request `requestID`, in the order they started.
    func interceptions(of requestID: String) -> [Interception] {
        log.withLock { $0.filter { $0.requestID == requestID } }
    }
}

/// `RedisConfiguration.interceptor` and `TieredCacheOptions.interceptor`: around each command and
/// each cache read, in the caller's task, nesting.
@Suite("Interceptor", .blockingIO)
struct InterceptorTests {
    func makeClient(_ server: TestRedisServer, interceptor: NestingRecorder) throws -> RedisClient {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: server.port)
        configuration.commandTimeout = .seconds(10)
        configuration.connectTimeout = .seconds(20)
        configuration.interceptor = interceptor
        return try RedisClient(configuration: configuration)
    }

    @Test func everyCommandRunsInsideTheInterceptorInTheCallersTask() async throws {
        try await withTestRedisServer(.fake) { server in
            let recorder = NestingRecorder()
            let client = try makeClient(server, interceptor: recorder)
            defer { Task { await client.shutdown() } }
            let caller = try await RequestContext.$requestID.withValue("r1") {
                try await client.set("k", "v")
                _ = try await client.get("k")
                var pipeline = RedisPipeline()
                pipeline.add(GET("k"))
                pipeline.add(GET("k"))
                _ = try await client.execute(pipeline)
                _ = try await client.transaction(pipeline)
                _ = try await client.withConnection { try await $0.getString("k") }
                // A blocking command runs on a lease of its own: intercepted once, not twice.
                _ = try await client.blpop(["empty"], timeout: .milliseconds(10))
                // Errors pass through unchanged.
                await #expect(throws: RedisServerError.self) { try await client.incr("k") }
                return currentTaskIdentity()
            }
            let seen = recorder.interceptions(of: "r1")
            #expect(seen.map(\.description) == ["SET", "GET", "PIPELINE", "MULTI", "GET", "BLPOP", "INCR (failed)"])
            #expect(
                seen.allSatisfy { $0.task == caller && caller != nil }, "every interception ran in the caller's task")
        }
    }

    @Test func aTierReadContainsItsCommandsAndSeesTheCallersContext() async throws {
        try await withTestRedisServer(.fake) { server in
            let recorder = NestingRecorder()
            let client = try makeClient(server, interceptor: recorder)
            defer { Task { await client.shutdown() } }
            let database = TestDatabase(["k": "v"])
            var options = TieredCacheOptions()
            options.jitter = 0
            options.interceptor = recorder
            let cache = TieredCache(
                local: .lru(capacity: 100, ttl: .seconds(30)),
                redis: [RedisTierOptions(name: "redis", client: client, namespace: "t:", ttl: .seconds(60))],
                codec: StringCodec(), options: options, loader: database.loader)
            try await cache.start()
            defer { Task { await cache.shutdown() } }

            // A miss everywhere: the read's Redis commands (the tier's read, and the fill, which
            // finishes in a task that inherits the read's context) run inside it.
            let caller = try await RequestContext.$requestID.withValue("miss") {
                let value = try await cache.get("k")
                #expect(value == "v")
                return currentTaskIdentity()
            }
            await cache.waitForBackgroundFills()
            let miss = recorder.interceptions(of: "miss")
            #expect(miss.first?.description == "cache.get")
            #expect(miss.first?.task == caller)
            // The Redis tier's read (a GET; the fill that follows may be a pipeline or a script).
            #expect(miss.map(\.description).contains("cache.get > GET"), "\(miss)")
            #expect(miss.dropFirst().allSatisfy { $0.path == ["cache.get"] }, "\(miss)")
            #expect(miss.contains { $0.name == "GET" && $0.task == caller }, "the tier read ran in the caller's task")

            // A local hit is a read too, with nothing inside.
            try await RequestContext.$requestID.withValue("hit") {
                let value = try await cache.get("k")
                #expect(value == "v")
            }
            #expect(recorder.interceptions(of: "hit").map(\.description) == ["cache.get"])

            // Another instance's first read is served by Redis, inside the read.
            let second = TieredCache(
                local: .lru(capacity: 100, ttl: .seconds(30)),
                redis: [RedisTierOptions(name: "redis", client: client, namespace: "t:", ttl: .seconds(60))],
                codec: StringCodec(), options: options, loader: database.loader)
            try await second.start()
            defer { Task { await second.shutdown() } }
            try await RequestContext.$requestID.withValue("redis hit") {
                let result = try await second.fetch("k")
                #expect(result.value == "v")
                #expect(result.source == .redis("redis"))
                _ = try await second.get("other", loader: { _ in "loaded" })
            }
            let redisHit = recorder.interceptions(of: "redis hit")
            #expect(redisHit.filter { $0.path.isEmpty }.map(\.name) == ["cache.get", "cache.get"])
            #expect(redisHit.map(\.description).prefix(2) == ["cache.get", "cache.get > GET"], "\(redisHit)")
            #expect(redisHit.filter { !$0.path.isEmpty }.allSatisfy { $0.path == ["cache.get"] })
            #expect(database.calls("k") == 1)
        }
    }

    @Test func aClusterClientRunsItOnceAroundACommandOrAPipelineAcrossNodes() async throws {
        let fake = try FakeRedisCluster(primaries: 3)
        defer { fake.shutdown() }
        let recorder = NestingRecorder()
        var configuration = try RedisClusterConfiguration(urls: fake.urls)
        configuration.periodicRefreshInterval = nil
        configuration.node.interceptor = recorder
        let client = try RedisClusterClient(configuration: configuration)
        defer { Task { await client.shutdown() } }
        let onFirst = "t:" + TieredCacheFakeClusterTests.key("a", ownedBy: 0, in: fake)
        let onSecond = "t:" + TieredCacheFakeClusterTests.key("b", ownedBy: 1, in: fake)
        let caller = try await RequestContext.$requestID.withValue("cluster") {
            try await client.set(onFirst, "1")
            var pipeline = RedisPipeline()
            pipeline.add(GET(onFirst))
            pipeline.add(GET(onSecond))
            _ = try await client.execute(pipeline)  // split across two nodes
            _ = try await client.withConnection(forKey: onSecond) { try await $0.getString(onSecond) }
            _ = try await client.blpop([onSecond], timeout: .milliseconds(10))
            return currentTaskIdentity()
        }
        let seen = recorder.interceptions(of: "cluster")
        #expect(seen.map(\.description) == ["SET", "PIPELINE", "GET", "BLPOP"])
        #expect(seen.allSatisfy { $0.task == caller && caller != nil })
    }
}
