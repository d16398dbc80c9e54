import StrataCache
import StrataRedis
import StrataServerTestSupport
import StrataSync
import StrataTiers
import Testing

/// Records every event it is handed.
final class RecordingObserver: StrataObserver {
    private let recorded = StrataMutex<[StrataEvent]>([])

    func observe(_ event: StrataEvent) { recorded.withLock { $0.append(event) } }

    var events: [StrataEvent] { recorded.withLock { $0 } }
    func clear() { recorded.withLock { $0.removeAll() } }

    /// The events as `name tier` (tier events) or `name` (others), in order.
    var summary: [String] {
        events.map { event in
            switch event {
            case .tierHit(let tier, _), .tierMiss(let tier, _), .staleServed(let tier), .tierFailed(let tier, _),
                .breakerOpened(let tier), .breakerClosed(let tier):
                return "\(event.name) \(tier)"
            case .localTierFlushed(let reason):
                return "\(event.name) \(reason)"
            default:
                return "\(event.name)"
            }
        }
    }
    func contains(_ line: String) -> Bool { summary.contains(line) }
}

/// The cache's events reach its observer: tier hits, misses and stale values, the loader, the
/// circuit breaker, local flushes, invalidations.
@Suite("Tiered cache observer", .blockingIO)
struct TieredCacheObserverTests {
    @Test func localHitsMissesStaleValuesAndTheLoaderAreReported() async throws {
        let database = TestDatabase(["a": "1"])
        let clock = ManualTierClock()
        let observer = RecordingObserver()
        var options = TieredCacheOptions()
        options.jitter = 0
        options.staleWhileRevalidate = .seconds(60)
        options.observer = observer
        let cache = TieredCache(
            local: .lru(capacity: 10, ttl: .seconds(10)), codec: StringCodec(), options: options, clock: clock,
            loader: database.loader)
        #expect(try await cache.get("a") == "1")
        #expect(observer.summary == ["tier_miss local", "loader_called"])
        observer.clear()
        #expect(try await cache.get("a") == "1")
        #expect(observer.summary == ["tier_hit local"])
        observer.clear()
        clock.advance(by: .seconds(11))
        #expect(try await cache.get("a") == "1")  // stale, refreshed in the background
        #expect(Array(observer.summary.prefix(2)) == ["tier_hit local", "stale_served local"])
        #expect(await eventually { observer.contains("loader_called") })
        observer.clear()
        database.failing = true
        await #expect(throws: (any Error).self) { try await cache.get("b") }
        #expect(observer.summary == ["tier_miss local", "loader_failed"])
        guard case .loaderFailed(let key, _, _)? = observer.events.last else { return }
        #expect(key == "b")
    }

    @Test func redisTierReadsFlushesAndInvalidationsAreReported() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let database = TestDatabase(["k": "v"])
            let first = makeCache(database, client: client, observer: nil)
            try await first.start()
            #expect(try await first.get("k") == "v")  // loaded and written to Redis
            await first.waitForBackgroundFills()
            let observer = RecordingObserver()
            let second = makeCache(database, client: client, observer: observer)
            try await second.start()
            #expect(observer.summary == ["local_tier_flushed coherence link started"])
            observer.clear()
            #expect(try await second.get("k") == "v")
            #expect(observer.summary == ["tier_miss local", "tier_hit redis"])
            observer.clear()
            #expect(try await second.get("absent") == nil)
            #expect(observer.summary == ["tier_miss local", "tier_miss redis", "loader_called"])
            // Another writer changes the key: client tracking tells the second cache.
            let writer = try makeClient(server)
            _ = try await writer.del("t:k")
            await writer.shutdown()
            #expect(await eventually { observer.contains("invalidation_received") }, "\(observer.summary)")
            await first.shutdown()
            await second.shutdown()
            await client.shutdown()
        }
    }

    @Test func theCircuitBreakerOpeningAndClosingIsReported() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let observer = RecordingObserver()
            var options = TieredCacheOptions()
            options.coherence = .none
            options.observer = observer
            let cache = TieredCache(
                local: nil,
                redis: [
                    RedisTierOptions(
                        name: "redis", client: client, namespace: "b:", ttl: .seconds(60),
                        timeout: .milliseconds(100), breakerFailureThreshold: 1,
                        breakerOpenDuration: .milliseconds(50))
                ],
                codec: StringCodec(), options: options, loader: TestDatabase(["k": "v"]).loader)
            server.fake!.inject(.errorReply("ERR injected", commands: ["GET"]))
            #expect(try await cache.get("k") == "v")
            #expect(observer.contains("tier_failed redis"), "\(observer.summary)")
            #expect(observer.contains("breaker_opened redis"), "\(observer.summary)")
            server.fake!.clearFaults()
            // Once the breaker lets a probe through and it succeeds, the breaker closes.
            let closed = await eventually {
                _ = try? await cache.get("k")
                return observer.contains("breaker_closed redis")
            }
            #expect(closed, "\(observer.summary)")
            await cache.shutdown()
            await client.shutdown()
        }
    }

    @Test func publishedAndReceivedInvalidationsAreReported() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let database = TestDatabase(["k": "v"])
            let publisher = RecordingObserver()
            let receiver = RecordingObserver()
            let configure: (inout TieredCacheOptions) -> Void = { $0.coherence = .pubSub(channel: "changes") }
            let first = makeCache(database, client: client, observer: publisher, configure: configure)
            let second = makeCache(database, client: client, observer: receiver, configure: configure)
            try await first.start()
            try await second.start()
            await first.set("k", "new")
            #expect(await eventually { publisher.contains("invalidation_published") }, "\(publisher.summary)")
            #expect(await eventually { receiver.contains("invalidation_received") }, "\(receiver.summary)")
            guard
                case .invalidationPublished(let channel, let keys)? = publisher.events.first(where: {
                    if case .invalidationPublished = $0 { return true }
                    return false
                })
            else { return }
            #expect(channel == "changes" && keys == 1)
            await first.shutdown()
            await second.shutdown()
            await client.shutdown()
        }
    }

    func makeCache(
        _ database: TestDatabase,
        client: RedisClient,
        observer: RecordingObserver?,
        configure: (inout TieredCacheOptions) -> Void = { _ in }
    ) -> TieredCache<String> {
        var options = TieredCacheOptions()
        options.jitter = 0
        options.observer = observer
        configure(&options)
        return TieredCache(
            local: .lru(capacity: 100, ttl: .seconds(30)),
            redis: [
                RedisTierOptions(
                    name: "redis", client: client, namespace: "t:", ttl: .seconds(60), timeout: .seconds(2))
            ],
            codec: StringCodec(), options: options, loader: database.loader)
    }
}
