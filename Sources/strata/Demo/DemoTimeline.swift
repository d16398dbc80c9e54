import StrataSync
import StrataTiers

/// The tiers' counters, summed over the instances, at one moment of the demo's workload.
struct DemoSample: Sendable {
    /// Requests started so far.
    var requests: Int
    /// Seconds since the workload began.
    var seconds: Double
    /// Per tier, nearest first, the loader last (as ``TieredCacheStatistics/tiers``).
    var tiers: [TierStatistics]
}

/// Samples the instances' statistics every `every` requests during the workload, for the HTML
/// report's hit ratios over time. Counting requests, not time, keeps the number of samples the
/// same from run to run (a short run still gets a full line).
final class DemoTimeline: Sendable {
    /// Requests between samples.
    let every: Int
    private let samples = StrataMutex<[DemoSample]>([])

    /// A timeline with about `points` samples over `requests` requests.
    init(requests: Int, points: Int = 100) {
        every = max(1, requests / max(1, points))
    }

    /// Records a sample when `request` (a 1-based request number) ends an interval.
    func requestStarted(_ request: Int, seconds: @autoclosure () -> Double, caches: [TieredCache<String>]) {
        guard request % every == 0 else { return }
        record(requests: request, seconds: seconds(), caches: caches)
    }

    /// Records a sample now.
    func record(requests: Int, seconds: Double, caches: [TieredCache<String>]) {
        let sample = DemoSample(requests: requests, seconds: seconds, tiers: Self.sum(caches.map(\.statistics)))
        samples.withLock { $0.append(sample) }
    }

    /// The samples in request order.
    var all: [DemoSample] {
        samples.withLock { $0 }.sorted { $0.requests < $1.requests }
    }

    /// The tiers' counters summed over `statistics`, tier by tier.
    static func sum(_ statistics: [TieredCacheStatistics]) -> [TierStatistics] {
        guard let first = statistics.first else { return [] }
        return first.tiers.indices.map { index in
            var sum = TierStatistics(name: first.tiers[index].name)
            for instance in statistics {
                let tier = instance.tiers[index]
                sum.hits += tier.hits
                sum.misses += tier.misses
                sum.loads += tier.loads
                sum.loadErrors += tier.loadErrors
                sum.staleServed += tier.staleServed
                sum.backfills += tier.backfills
                sum.invalidationsReceived += tier.invalidationsReceived
                sum.errors += tier.errors
                sum.failedWrites += tier.failedWrites
            }
            return sum
        }
    }
}
