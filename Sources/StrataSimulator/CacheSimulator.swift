import StrataCache
import StrataHotCold
import StrataLRU

/// A cache policy that ``CacheSimulator`` can replay a trace against.
public enum SimulatedPolicy: String, CaseIterable, Sendable {
    /// ``StrataLRU/LRUCache``.
    case lru = "LRU"
    /// ``StrataHotCold/HotSet``, the hot/cold promoter.
    case hotCold = "HotCold"
    /// Belady's optimal offline policy: an upper bound for every online policy.
    case belady = "Belady"
}

/// Replays key traces against cache policies and counts hits, to size a cache from an
/// access log or to compare policies.
///
/// Every request counts, cold misses included, and a miss inserts the key (Belady may decline
/// to, when the key is needed later than everything it holds). The online policies are the
/// library's own types, driven as an application would drive them.
///
/// ```swift
/// let hits = CacheSimulator.hits(of: .lru, trace: [1, 2, 1, 3, 1], capacity: 2)  // 2
/// ```
public enum CacheSimulator {
    /// The number of hits of `policy` with `capacity` entries on `trace`.
    public static func hits(of policy: SimulatedPolicy, trace: [Int], capacity: Int) -> Int {
        switch policy {
        case .lru: lruHits(trace, capacity: capacity)
        case .hotCold: hotColdHits(trace, capacity: capacity)
        case .belady: Belady.hits(trace, capacity: capacity)
        }
    }

    private static func lruHits(_ trace: [Int], capacity: Int) -> Int {
        let cache = LRUCache<Int, Bool>(capacity: capacity)
        for key in trace where cache.get(key) == nil {
            cache.set(key, true)
        }
        return cache.statistics.hits
    }

    private static func hotColdHits(_ trace: [Int], capacity: Int) -> Int {
        // A fixed hash makes the sketch, and so the result, the same on every run.
        let hot = HotSet<Int, Bool>(capacity: capacity) { SplitMix64.mix(UInt64(bitPattern: Int64($0))) }
        for key in trace {
            if case .miss(let ticket) = hot.lookup(key) {
                hot.offer(key, true, ticket: ticket)
            }
        }
        return hot.statistics.hits
    }
}

/// The hit ratios of several policies on one trace.
public struct SimulationResult: Sendable, Equatable {
    /// The trace's name (its file name).
    public var trace: String
    /// The number of requests in the trace.
    public var requests: Int
    /// Hits per policy.
    public var hits: [SimulatedPolicy: Int]

    /// A result for `trace`.
    public init(trace: String, requests: Int, hits: [SimulatedPolicy: Int]) {
        self.trace = trace
        self.requests = requests
        self.hits = hits
    }

    /// The hit ratio of `policy` in percent (0 for an empty trace).
    public func hitRatioPercent(_ policy: SimulatedPolicy) -> Double? {
        guard let count = hits[policy] else { return nil }
        return requests == 0 ? 0 : 100 * Double(count) / Double(requests)
    }
}
