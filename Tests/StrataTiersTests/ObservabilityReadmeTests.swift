import StrataCache
import StrataRedis
import StrataServerTestSupport
import StrataTiers
import Testing

/// The README's observability example, compiled and run against the fake server.
@Suite("README observability example", .blockingIO)
struct ObservabilityReadmeTests {
    @Test func observabilityExample() async throws {
        try await withTestRedisServer(.fake) { server in
            let url = server.url
            // README: begin observe
            // Logs: one logfmt line per event on standard error (.info also logs connections,
            // backoff, breakers and local flushes; .debug every command and tier read).
            let logs = LogfmtObserver(level: .warning)
            // Metrics: counters and latency histograms per command and per tier.
            let metrics = MetricsObserver()

            var configuration = try RedisConfiguration(url: url)
            configuration.observer = FanOutObserver([logs, metrics])
            let redis = try RedisClient(configuration: configuration)

            var options = TieredCacheOptions()
            options.observer = FanOutObserver([logs, metrics])
            let pages = TieredCache<String>(
                local: .lru(capacity: 1_000, ttl: .seconds(30)),
                redis: [RedisTierOptions(client: redis, namespace: "pages:", ttl: .seconds(300))],
                codec: StringCodec(), options: options,
                loader: { id in "page \(id)" })
            try await pages.start()
            _ = try await pages.get("home")
            let exposition = pages.metrics?.prometheusText() ?? ""  // serve it at GET /metrics
            // README: end observe
            #expect(exposition.contains("GET"))
            #expect(exposition.contains("loader"))
            await pages.shutdown()
            await redis.shutdown()
        }
    }
}
