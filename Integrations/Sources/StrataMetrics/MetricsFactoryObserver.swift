import CoreMetrics
import Metrics
import StrataRedis
import Synchronization

/// Feeds Strata's events to swift-metrics: counters, timers and gauges with the same names and
/// dimensions as ``StrataRedis/MetricsObserver``'s Prometheus export.
///
/// ```swift
/// MetricsSystem.bootstrap(myPrometheusFactory)
/// var configuration = try RedisConfiguration(url: "redis://127.0.0.1:6379")
/// configuration.observer = MetricsFactoryObserver()
/// ```
///
/// - Counters: `strata_commands_total` (`command`, `outcome`), `strata_tier_reads_total` (`tier`,
///   `result`), `strata_tier_stale_served_total`, `strata_tier_failures_total` (`tier`),
///   `strata_loader_calls_total` (`outcome`), `strata_connections_opened_total`,
///   `strata_connections_closed_total`, `strata_connection_failures_total`,
///   `strata_reconnects_scheduled_total`, `strata_pool_exhausted_total`,
///   `strata_tracking_lost_total`, `strata_local_tier_flushes_total`,
///   `strata_invalidated_keys_published_total`, `strata_invalidations_received_total`.
/// - Timers: `strata_command_duration` (`command`), `strata_tier_read_duration` (`tier`; Redis
///   tiers only), `strata_loader_duration`.
/// - Gauges: `strata_breaker_open` (`tier`; 1 open, 0 closed), `strata_connections_open`.
///
/// Metric objects are created once per name and dimensions, and reused.
public final class MetricsFactoryObserver: StrataObserver {
    private let factory: any MetricsFactory
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[String: Metrics.Timer]>([:])
    private let gauges = Mutex<[String: Gauge]>([:])
    private let openConnections = Atomic<Int>(0)

    /// Feeds `factory` (the bootstrapped `MetricsSystem.factory` by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Records `event`.
    public func observe(_ event: StrataEvent) {
        switch event {
        case .connectionOpened:
            count("strata_connections_opened_total")
            gauge("strata_connections_open").record(openConnections.add(1, ordering: .relaxed).newValue)
        case .connectionClosed:
            count("strata_connections_closed_total")
            gauge("strata_connections_open").record(openConnections.subtract(1, ordering: .relaxed).newValue)
        case .connectionFailed: count("strata_connection_failures_total")
        case .reconnectScheduled: count("strata_reconnects_scheduled_total")
        case .poolExhausted: count("strata_pool_exhausted_total")
        case .trackingLost: count("strata_tracking_lost_total")
        case .trackingResumed: count("strata_tracking_resumed_total")
        case .commandFinished(let name, let duration, let outcome):
            count("strata_commands_total", [("command", name), ("outcome", outcome.description)])
            timer("strata_command_duration", [("command", name)]).recordNanoseconds(duration.nanoseconds)
        case .tierHit(let tier, let duration), .tierMiss(let tier, let duration):
            let result = if case .tierHit = event { "hit" } else { "miss" }
            count("strata_tier_reads_total", [("tier", tier), ("result", result)])
            if duration > .zero {
                timer("strata_tier_read_duration", [("tier", tier)]).recordNanoseconds(duration.nanoseconds)
            }
        case .staleServed(let tier): count("strata_tier_stale_served_total", [("tier", tier)])
        case .tierFailed(let tier, _): count("strata_tier_failures_total", [("tier", tier)])
        case .breakerOpened(let tier): gauge("strata_breaker_open", [("tier", tier)]).record(1)
        case .breakerClosed(let tier): gauge("strata_breaker_open", [("tier", tier)]).record(0)
        case .localTierFlushed: count("strata_local_tier_flushes_total")
        case .loaderCalled(_, let duration): loader("success", duration)
        case .loaderFailed(_, let duration, _): loader("failure", duration)
        case .loaderTimedOut(_, let duration): loader("timeout", duration)
        case .invalidationPublished(_, let keys): count("strata_invalidated_keys_published_total", by: keys)
        case .invalidationReceived: count("strata_invalidations_received_total")
        }
    }

    private func loader(_ outcome: String, _ duration: Duration) {
        count("strata_loader_calls_total", [("outcome", outcome)])
        timer("strata_loader_duration").recordNanoseconds(duration.nanoseconds)
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        dimensions.reduce(label) { $0 + "\u{0}" + $1.0 + "=" + $1.1 }
    }

    private func count(_ label: String, _ dimensions: [(String, String)] = [], by amount: Int = 1) {
        let key = Self.key(label, dimensions)
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment(by: amount)
    }

    private func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Metrics.Timer {
        let key = Self.key(label, dimensions)
        return timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = Metrics.Timer(label: label, dimensions: dimensions, factory: factory)
            timers[key] = timer
            return timer
        }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> Gauge {
        let key = Self.key(label, dimensions)
        return gauges.withLock { gauges in
            if let gauge = gauges[key] { return gauge }
            let gauge = Gauge(label: label, dimensions: dimensions, factory: factory)
            gauges[key] = gauge
            return gauge
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
