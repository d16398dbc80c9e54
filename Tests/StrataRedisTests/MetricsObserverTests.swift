import StrataRedis
import Testing

/// The metrics observer's aggregation and its Prometheus text, line by line.
@Suite("Metrics observer")
struct MetricsObserverTests {
    @Test func commandsAreCountedAndTimedInCumulativeBuckets() {
        let metrics = MetricsObserver(bucketBounds: [0.001, 0.01])
        metrics.observe(.commandFinished(name: "GET", duration: .microseconds(500), outcome: .success))
        metrics.observe(.commandFinished(name: "GET", duration: .milliseconds(5), outcome: .success))
        metrics.observe(.commandFinished(name: "GET", duration: .milliseconds(50), outcome: .clientError(.timeout)))
        metrics.observe(.commandFinished(name: "SET \"x\"", duration: .milliseconds(1), outcome: .serverError))
        #expect(metrics.commandCount("GET", outcome: "success") == 2)
        #expect(metrics.commandCount("GET", outcome: "client_error") == 1)
        let lines = metrics.prometheusText().split(separator: "\n").map(String.init)
        let expected = [
            "# TYPE strata_commands_total counter",
            #"strata_commands_total{command="GET",outcome="success"} 2"#,
            #"strata_commands_total{command="GET",outcome="client_error"} 1"#,
            #"strata_commands_total{command="SET \"x\"",outcome="server_error"} 1"#,
            "# TYPE strata_command_duration_seconds histogram",
            #"strata_command_duration_seconds_bucket{command="GET",le="0.001"} 1"#,
            #"strata_command_duration_seconds_bucket{command="GET",le="0.01"} 2"#,
            #"strata_command_duration_seconds_bucket{command="GET",le="+Inf"} 3"#,
            #"strata_command_duration_seconds_sum{command="GET"} 0.0555"#,
            #"strata_command_duration_seconds_count{command="GET"} 3"#,
            #"strata_command_duration_seconds_bucket{command="SET \"x\"",le="0.001"} 1"#,
        ]
        for line in expected { #expect(lines.contains(line), "missing: \(line)") }
    }

    @Test func tiersLoaderAndBreakersAreCounted() {
        let metrics = MetricsObserver()
        metrics.observe(.tierHit(tier: "local", duration: .zero))
        metrics.observe(.tierMiss(tier: "local", duration: .zero))
        metrics.observe(.tierHit(tier: "redis", duration: .microseconds(300)))
        metrics.observe(.breakerOpened(tier: "redis"))
        metrics.observe(.loaderCalled(key: "k", duration: .milliseconds(3)))
        #expect(metrics.tierReads("local") == (1, 1))
        let lines = metrics.prometheusText().split(separator: "\n").map(String.init)
        for line in [
            #"strata_tier_reads_total{tier="local",result="hit"} 1"#,
            #"strata_tier_reads_total{tier="local",result="miss"} 1"#,
            #"strata_tier_read_duration_seconds_count{tier="redis"} 1"#,
            #"strata_breaker_open{tier="redis"} 1"#,
            #"strata_loader_calls_total{outcome="success"} 1"#,
            "strata_loader_duration_seconds_count 1",
        ] {
            #expect(lines.contains(line), "missing: \(line)")
        }
        // The local tier is not timed: no histogram series for it.
        #expect(!lines.contains { $0.hasPrefix(#"strata_tier_read_duration_seconds_count{tier="local"}"#) })
    }
}
