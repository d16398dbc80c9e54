import Metrics
import MetricsTestKit
import StrataMetrics
import StrataRedis
import Testing

@Suite("StrataMetrics")
struct MetricsFactoryObserverTests {
    @Test func eventsFeedCountersTimersAndGauges() throws {
        let metrics = TestMetrics()
        let observer = MetricsFactoryObserver(factory: metrics)
        let endpoint = RedisConfiguration.Endpoint.tcp(host: "127.0.0.1", port: 6379)
        observer.observe(.connectionOpened(id: 1, endpoint: endpoint))
        observer.observe(.commandFinished(name: "GET", duration: .microseconds(40), outcome: .success))
        observer.observe(.commandFinished(name: "GET", duration: .microseconds(60), outcome: .success))
        observer.observe(.tierHit(tier: "local", duration: .zero))
        observer.observe(.tierMiss(tier: "redis", duration: .microseconds(300)))
        observer.observe(.breakerOpened(tier: "redis"))
        observer.observe(.loaderCalled(key: "k", duration: .milliseconds(3)))

        let commands = try metrics.expectCounter("strata_commands_total", [("command", "GET"), ("outcome", "success")])
        #expect(commands.totalValue == 2)
        let latency = try metrics.expectTimer("strata_command_duration", [("command", "GET")])
        #expect(latency.values == [40_000, 60_000])
        #expect(
            try metrics.expectCounter("strata_tier_reads_total", [("tier", "local"), ("result", "hit")]).totalValue == 1
        )
        #expect(try metrics.expectTimer("strata_tier_read_duration", [("tier", "redis")]).values == [300_000])
        #expect(try metrics.expectGauge("strata_breaker_open", [("tier", "redis")]).lastValue == 1)
        #expect(try metrics.expectGauge("strata_connections_open").lastValue == 1)
        #expect(try metrics.expectCounter("strata_loader_calls_total", [("outcome", "success")]).totalValue == 1)
        #expect(try metrics.expectTimer("strata_loader_duration").values == [3_000_000])
        // The local tier is not timed.
        #expect(throws: (any Error).self) { try metrics.expectTimer("strata_tier_read_duration", [("tier", "local")]) }
    }
}
