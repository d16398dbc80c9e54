import StrataCache

extension TieredCache {
    /// Counters per tier: local, each Redis tier, then the loader.
    public var statistics: TieredCacheStatistics {
        let nearest = local == nil ? redisTiers.first?.counters.snapshot : localCounters.snapshot
        return TieredCacheStatistics(
            requests: (nearest?.hits ?? 0) + (nearest?.misses ?? 0),
            tiers: (local == nil ? [] : [localCounters.snapshot]) + redisTiers.map(\.counters.snapshot)
                + [loaderCounters.snapshot],
            p50Microseconds: endToEnd.percentile(50),
            p99Microseconds: endToEnd.percentile(99),
            isCoherent: coherent.load(ordering: .relaxed))
    }

    /// Entries in the local tier.
    public var localCount: Int { local?.count ?? 0 }
}

/// A snapshot of a ``TieredCache``'s counters.
public struct TieredCacheStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Calls to `get`.
    public var requests: Int
    /// Per tier, nearest first, the loader last.
    public var tiers: [TierStatistics]
    /// Median latency of reads that went below the local tier, in microseconds.
    public var p50Microseconds: Double
    /// 99th-percentile latency of reads that went below the local tier, in microseconds.
    public var p99Microseconds: Double
    /// Whether the local tier is trusted right now (its coherence link is up).
    public var isCoherent: Bool

    /// The counters of the tier named `name`.
    public subscript(name: String) -> TierStatistics? {
        tiers.first { $0.name == name }
    }

    /// One line of totals, then one line per tier.
    public var description: String {
        let head =
            "\(requests) reads; below the local tier p50 \(p50Microseconds) µs, p99 \(p99Microseconds) µs; "
            + (isCoherent ? "coherent" : "not coherent (local tier bypassed)")
        return ([head] + tiers.map { "  \($0)" }).joined(separator: "\n")
    }
}
