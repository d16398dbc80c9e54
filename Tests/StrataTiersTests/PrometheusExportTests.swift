import StrataCache
import StrataRedis
import StrataServerTestSupport
import StrataTiers
import Testing

/// `cache.metrics?.prometheusText()` read by the reference parser, Python's `prometheus_client`.
/// Skipped (with a note) when python3 or the module is missing, unless `STRATA_REQUIRE_TOOLS=1`.
@Suite("Prometheus export", .blockingIO)
struct PrometheusExportTests {
    /// Prints `type name labels value` per sample, labels sorted as `k=v,k=v`.
    static let parser = """
        import sys
        from prometheus_client.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(sys.stdin.read()):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                print(family.type, sample.name, labels or "-", "%g" % sample.value)
        """

    /// python3 with prometheus_client, or why not.
    static func python() -> Result<String, TestSupportError> {
        guard let python = ChildProcess.find("python3") else { return .failure(TestSupportError("no python3 on PATH")) }
        let probe = try? ChildProcess.run(python, ["-c", "import prometheus_client"])
        guard probe?.status == 0 else {
            return .failure(TestSupportError("python3 has no prometheus_client (pip install prometheus-client)"))
        }
        return .success(python)
    }

    @Test func theExportParsesWithPrometheusClient() async throws {
        let python: String
        switch Self.python() {
        case .success(let path):
            python = path
        case .failure(let reason):
            if ChildProcess.environment("STRATA_REQUIRE_TOOLS") == "1" {
                Issue.record("STRATA_REQUIRE_TOOLS=1 but \(reason)")
            } else {
                print("note: \(reason); the Prometheus export test is skipped")
            }
            return
        }
        let metrics = MetricsObserver()
        let text = try await withTestRedisServer(.fake) { server in
            var configuration = RedisConfiguration(host: "127.0.0.1", port: server.port)
            configuration.observer = metrics
            let client = try RedisClient(configuration: configuration)
            var options = TieredCacheOptions()
            options.observer = FanOutObserver([metrics])
            let cache = TieredCache(
                local: .lru(capacity: 10, ttl: .seconds(30)),
                redis: [RedisTierOptions(name: "redis \"eu\"", client: client, namespace: "p:", ttl: .seconds(60))],
                codec: StringCodec(), options: options, loader: TestDatabase(["k": "v"]).loader)
            try await cache.start()
            #expect(try await cache.get("k") == "v")
            await cache.waitForBackgroundFills()  // kept locally once Redis has it
            #expect(try await cache.get("k") == "v")
            let text = try #require(cache.metrics).prometheusText()
            await cache.shutdown()
            await client.shutdown()
            return text
        }
        let result = try ChildProcess.run(python, ["-c", Self.parser], input: Array(text.utf8))
        #expect(result.status == 0, "\(result.stderr)\n\(text)")
        let samples = Set(result.stdout.split(separator: "\n").map(String.init))
        for sample in [
            "counter strata_commands_total command=GET,outcome=success 1",
            #"counter strata_tier_reads_total result=hit,tier=local 1"#,
            #"counter strata_tier_reads_total result=miss,tier=redis "eu" 1"#,
            #"histogram strata_tier_read_duration_seconds_count tier=redis "eu" 1"#,
            "counter strata_loader_calls_total outcome=success 1",
            "histogram strata_loader_duration_seconds_count - 1",
            "counter strata_connections_opened_total - 2",  // the pool's, and client tracking's
            "gauge strata_connections_open - 2",
        ] {
            #expect(samples.contains(sample), "missing: \(sample)\n\(result.stdout)")
        }
    }
}
