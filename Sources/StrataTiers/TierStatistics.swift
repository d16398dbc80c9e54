import Synchronization

/// A snapshot of one tier's counters.
public struct TierStatistics: Sendable, Hashable, CustomStringConvertible {
    /// The tier's name: `local`, the Redis tier's name, or `loader`.
    public var name: String
    /// Reads this tier answered.
    public var hits = 0
    /// Reads this tier could not answer.
    public var misses = 0
    /// Loader calls (the loader tier only).
    public var loads = 0
    /// Loader calls that threw (the loader tier only).
    public var loadErrors = 0
    /// Values served past their freshness on purpose (stale-while-revalidate, fail-safe).
    public var staleServed = 0
    /// Entries written into this tier from a lower one.
    public var backfills = 0
    /// Invalidations this tier received from elsewhere (client tracking, pub/sub).
    public var invalidationsReceived = 0
    /// Operations that failed (timeouts, connection errors), and reads skipped while the
    /// circuit breaker was open.
    public var errors = 0
    /// Writes that failed.
    public var failedWrites = 0
    /// Median read latency, in microseconds.
    public var p50Microseconds = 0.0
    /// 99th-percentile read latency, in microseconds.
    public var p99Microseconds = 0.0

    /// Counters at zero for the tier named `name`.
    public init(name: String) {
        self.name = name
    }

    /// Hits divided by reads, 0 when there were none.
    public var hitRatio: Double {
        hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses)
    }

    public var description: String {
        "\(name): hits \(hits), misses \(misses), loads \(loads), load errors \(loadErrors), stale \(staleServed), "
            + "backfills \(backfills), invalidations \(invalidationsReceived), errors \(errors), "
            + "failed writes \(failedWrites), "
            + "p50 \(p50Microseconds) µs, p99 \(p99Microseconds) µs"
    }
}

/// The live counters behind a ``TierStatistics``, updated without locks.
@usableFromInline
final class TierCounters: Sendable {
    let name: String
    @usableFromInline let hits = Atomic<Int>(0)
    let misses = Atomic<Int>(0)
    let loads = Atomic<Int>(0)
    let loadErrors = Atomic<Int>(0)
    @usableFromInline let staleServed = Atomic<Int>(0)
    let backfills = Atomic<Int>(0)
    let invalidationsReceived = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let failedWrites = Atomic<Int>(0)
    let latency = LatencyHistogram()

    init(name: String) {
        self.name = name
    }

    var snapshot: TierStatistics {
        var statistics = TierStatistics(name: name)
        statistics.hits = hits.load(ordering: .relaxed)
        statistics.misses = misses.load(ordering: .relaxed)
        statistics.loads = loads.load(ordering: .relaxed)
        statistics.loadErrors = loadErrors.load(ordering: .relaxed)
        statistics.staleServed = staleServed.load(ordering: .relaxed)
        statistics.backfills = backfills.load(ordering: .relaxed)
        statistics.invalidationsReceived = invalidationsReceived.load(ordering: .relaxed)
        statistics.errors = errors.load(ordering: .relaxed)
        statistics.failedWrites = failedWrites.load(ordering: .relaxed)
        statistics.p50Microseconds = latency.percentile(50)
        statistics.p99Microseconds = latency.percentile(99)
        return statistics
    }
}

extension Atomic where Value == Int {
    @inlinable
    func increment() { add(1, ordering: .relaxed) }
}
