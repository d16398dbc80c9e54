import StrataSync

/// An observer that aggregates events into counters and latency histograms, per command and per
/// tier, and exports them in the Prometheus text exposition format.
///
/// ```swift
/// let metrics = MetricsObserver()
/// var configuration = try RedisConfiguration(url: "redis://127.0.0.1:6379")
/// configuration.observer = metrics            // commands, connections, the pool, tracking
/// var options = TieredCacheOptions()
/// options.observer = metrics                  // tiers, the loader, breakers, invalidations
/// // ... serve `metrics.prometheusText()` on /metrics
/// ```
///
/// Each event takes one short lock. Command names and tier names become label values, so the
/// number of series stays bounded by the commands and tiers in use (keys are never labels).
public final class MetricsObserver: StrataObserver {
    /// Upper bounds of the latency histograms' buckets, in seconds (`+Inf` is implied).
    public let bucketBounds: [Double]

    private let state: StrataMutex<State>

    /// Creates an observer with latency buckets from 100 µs to 2.5 s, or with `bucketBounds`
    /// (seconds, ascending).
    public init(
        bucketBounds: [Double] = [
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
        ]
    ) {
        self.bucketBounds = bucketBounds.sorted()
        self.state = StrataMutex(State(bucketCount: bucketBounds.count))
    }

    /// Counts `event`.
    public func observe(_ event: StrataEvent) {
        state.withLock { s in
            switch event {
            case .connectionOpened: s.counters.connectionsOpened += 1
            case .connectionClosed: s.counters.connectionsClosed += 1
            case .connectionFailed: s.counters.connectionFailures += 1
            case .reconnectScheduled: s.counters.reconnectsScheduled += 1
            case .poolExhausted: s.counters.poolExhausted += 1
            case .trackingLost: s.counters.trackingLost += 1
            case .trackingResumed: s.counters.trackingResumed += 1
            case .commandFinished(let name, let duration, let outcome):
                let index = Self.outcomeIndex(outcome)
                s.commands[name, default: CommandSeries(bucketCount: bucketBounds.count)].outcomes[index] += 1
                s.commands[name]!.latency.record(duration.seconds, bounds: bucketBounds)
            case .tierHit(let tier, let duration):
                s.tiers[tier, default: TierSeries(bucketCount: bucketBounds.count)].hits += 1
                if duration > .zero { s.tiers[tier]!.latency.record(duration.seconds, bounds: bucketBounds) }
            case .tierMiss(let tier, let duration):
                s.tiers[tier, default: TierSeries(bucketCount: bucketBounds.count)].misses += 1
                if duration > .zero { s.tiers[tier]!.latency.record(duration.seconds, bounds: bucketBounds) }
            case .staleServed(let tier):
                s.tiers[tier, default: TierSeries(bucketCount: bucketBounds.count)].staleServed += 1
            case .tierFailed(let tier, _):
                s.tiers[tier, default: TierSeries(bucketCount: bucketBounds.count)].failures += 1
            case .breakerOpened(let tier):
                s.tiers[tier, default: TierSeries(bucketCount: bucketBounds.count)].breakerOpened += 1
                s.tiers[tier]!.breakerOpen = true
            case .breakerClosed(let tier):
                s.tiers[tier, default: TierSeries(bucketCount: bucketBounds.count)].breakerClosed += 1
                s.tiers[tier]!.breakerOpen = false
            case .localTierFlushed: s.counters.localFlushes += 1
            case .loaderCalled(_, let duration):
                s.loaderOutcomes[0] += 1
                s.loaderLatency.record(duration.seconds, bounds: bucketBounds)
            case .loaderFailed(_, let duration, _):
                s.loaderOutcomes[1] += 1
                s.loaderLatency.record(duration.seconds, bounds: bucketBounds)
            case .loaderTimedOut(_, let duration):
                s.loaderOutcomes[2] += 1
                s.loaderLatency.record(duration.seconds, bounds: bucketBounds)
            case .invalidationPublished(_, let keys): s.counters.invalidatedKeysPublished += keys
            case .invalidationReceived: s.counters.invalidationsReceived += 1
            }
        }
    }

    // MARK: Reading

    /// How many commands named `name` finished with `outcome` (`success`, `server_error`,
    /// `client_error`).
    public func commandCount(_ name: String, outcome: String) -> Int {
        guard let index = Self.outcomeNames.firstIndex(of: outcome) else { return 0 }
        return state.withLock { $0.commands[name]?.outcomes[index] ?? 0 }
    }

    /// Hits and misses counted for the tier named `tier`.
    public func tierReads(_ tier: String) -> (hits: Int, misses: Int) {
        state.withLock { s in (s.tiers[tier]?.hits ?? 0, s.tiers[tier]?.misses ?? 0) }
    }

    /// Every metric in the Prometheus text exposition format (version 0.0.4), ready to serve on
    /// `/metrics` with `Content-Type: text/plain; version=0.0.4`.
    public func prometheusText() -> String {
        let s = state.withLock { $0 }
        var out = PrometheusWriter(bounds: bucketBounds)
        let commandNames = s.commands.keys.sorted()
        out.family("strata_commands_total", "counter", "Commands finished, by command and outcome.")
        for name in commandNames {
            for (index, outcome) in Self.outcomeNames.enumerated() where s.commands[name]!.outcomes[index] > 0 {
                out.sample(
                    "strata_commands_total", [("command", name), ("outcome", outcome)],
                    s.commands[name]!.outcomes[index])
            }
        }
        out.family(
            "strata_command_duration_seconds", "histogram", "Time from sending a command to its reply, by command.")
        for name in commandNames {
            out.histogram("strata_command_duration_seconds", [("command", name)], s.commands[name]!.latency)
        }

        let tierNames = s.tiers.keys.sorted()
        out.family("strata_tier_reads_total", "counter", "Reads answered by a tier (hit) or passed on (miss).")
        for tier in tierNames {
            out.sample("strata_tier_reads_total", [("tier", tier), ("result", "hit")], s.tiers[tier]!.hits)
            out.sample("strata_tier_reads_total", [("tier", tier), ("result", "miss")], s.tiers[tier]!.misses)
        }
        out.family("strata_tier_stale_served_total", "counter", "Values served past their TTL on purpose, by tier.")
        for tier in tierNames {
            out.sample("strata_tier_stale_served_total", [("tier", tier)], s.tiers[tier]!.staleServed)
        }
        out.family("strata_tier_failures_total", "counter", "Failed or skipped reads of a Redis tier.")
        for tier in tierNames { out.sample("strata_tier_failures_total", [("tier", tier)], s.tiers[tier]!.failures) }
        out.family("strata_tier_read_duration_seconds", "histogram", "Read latency of the Redis tiers.")
        for tier in tierNames where s.tiers[tier]!.latency.count > 0 {
            out.histogram("strata_tier_read_duration_seconds", [("tier", tier)], s.tiers[tier]!.latency)
        }
        out.family("strata_breaker_transitions_total", "counter", "Circuit breaker openings and closings, by tier.")
        for tier in tierNames where s.tiers[tier]!.breakerOpened + s.tiers[tier]!.breakerClosed > 0 {
            out.sample(
                "strata_breaker_transitions_total", [("tier", tier), ("to", "open")], s.tiers[tier]!.breakerOpened)
            out.sample(
                "strata_breaker_transitions_total", [("tier", tier), ("to", "closed")], s.tiers[tier]!.breakerClosed)
        }
        out.family("strata_breaker_open", "gauge", "Whether a tier's circuit breaker is open (1) or closed (0).")
        for tier in tierNames where s.tiers[tier]!.breakerOpened > 0 {
            out.sample("strata_breaker_open", [("tier", tier)], s.tiers[tier]!.breakerOpen ? 1 : 0)
        }

        out.family("strata_loader_calls_total", "counter", "Loader calls, by outcome.")
        for (index, outcome) in ["success", "failure", "timeout"].enumerated() {
            out.sample("strata_loader_calls_total", [("outcome", outcome)], s.loaderOutcomes[index])
        }
        out.family("strata_loader_duration_seconds", "histogram", "Loader latency.")
        out.histogram("strata_loader_duration_seconds", [], s.loaderLatency)

        let c = s.counters
        let counters: [(String, String, Int)] = [
            ("strata_connections_opened_total", "Connections opened.", c.connectionsOpened),
            ("strata_connections_closed_total", "Connections closed.", c.connectionsClosed),
            ("strata_connection_failures_total", "Connection attempts that failed.", c.connectionFailures),
            ("strata_reconnects_scheduled_total", "Connection attempts delayed by backoff.", c.reconnectsScheduled),
            ("strata_pool_exhausted_total", "Callers refused for want of a connection.", c.poolExhausted),
            ("strata_tracking_lost_total", "Client tracking links lost.", c.trackingLost),
            ("strata_tracking_resumed_total", "Client tracking links resumed.", c.trackingResumed),
            ("strata_local_tier_flushes_total", "Times every local copy was dropped.", c.localFlushes),
            (
                "strata_invalidated_keys_published_total", "Changed keys announced to other instances.",
                c.invalidatedKeysPublished
            ),
            (
                "strata_invalidations_received_total", "Invalidations received from other writers.",
                c.invalidationsReceived
            ),
        ]
        for (name, help, value) in counters {
            out.family(name, "counter", help)
            out.sample(name, [], value)
        }
        out.family("strata_connections_open", "gauge", "Connections open now.")
        out.sample("strata_connections_open", [], c.connectionsOpened - c.connectionsClosed)
        return out.text
    }

    // MARK: State

    static let outcomeNames = ["success", "server_error", "client_error"]

    static func outcomeIndex(_ outcome: CommandOutcome) -> Int {
        switch outcome {
        case .success: return 0
        case .serverError: return 1
        case .clientError: return 2
        }
    }

    struct Histogram: Sendable {
        /// Per bucket (not cumulative); the last one is `+Inf`.
        var buckets: [Int]
        var sum = 0.0
        var count = 0

        init(bucketCount: Int) { buckets = Array(repeating: 0, count: bucketCount + 1) }

        mutating func record(_ seconds: Double, bounds: [Double]) {
            var index = 0
            while index < bounds.count && seconds > bounds[index] { index += 1 }
            buckets[index] += 1
            sum += seconds
            count += 1
        }
    }

    struct CommandSeries: Sendable {
        var outcomes = [0, 0, 0]
        var latency: Histogram
        init(bucketCount: Int) { latency = Histogram(bucketCount: bucketCount) }
    }

    struct TierSeries: Sendable {
        var hits = 0
        var misses = 0
        var staleServed = 0
        var failures = 0
        var breakerOpened = 0
        var breakerClosed = 0
        var breakerOpen = false
        var latency: Histogram
        init(bucketCount: Int) { latency = Histogram(bucketCount: bucketCount) }
    }

    struct Counters: Sendable {
        var connectionsOpened = 0
        var connectionsClosed = 0
        var connectionFailures = 0
        var reconnectsScheduled = 0
        var poolExhausted = 0
        var trackingLost = 0
        var trackingResumed = 0
        var localFlushes = 0
        var invalidatedKeysPublished = 0
        var invalidationsReceived = 0
    }

    struct State: Sendable {
        var commands: [String: CommandSeries] = [:]
        var tiers: [String: TierSeries] = [:]
        var loaderOutcomes = [0, 0, 0]
        var loaderLatency: Histogram
        var counters = Counters()
        init(bucketCount: Int) { loaderLatency = Histogram(bucketCount: bucketCount) }
    }
}

/// Writes the Prometheus text format.
private struct PrometheusWriter {
    let bounds: [Double]
    var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Int) {
        text += name + Self.labels(labels) + " " + String(value) + "\n"
    }

    mutating func histogram(_ name: String, _ labels: [(String, String)], _ histogram: MetricsObserver.Histogram) {
        var cumulative = 0
        for (index, bound) in (bounds.map(Self.number) + ["+Inf"]).enumerated() {
            cumulative += histogram.buckets[index]
            text += name + "_bucket" + Self.labels(labels + [("le", bound)]) + " " + String(cumulative) + "\n"
        }
        text += name + "_sum" + Self.labels(labels) + " " + Self.number(histogram.sum) + "\n"
        text += name + "_count" + Self.labels(labels) + " " + String(histogram.count) + "\n"
    }

    static func labels(_ labels: [(String, String)]) -> String {
        guard !labels.isEmpty else { return "" }
        return "{" + labels.map { "\($0.0)=\"\(escaped($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// A label value: `\`, `"` and newlines escaped.
    static func escaped(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
