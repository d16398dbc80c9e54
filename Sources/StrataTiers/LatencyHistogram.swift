import StrataSync

/// A fixed-size latency histogram: buckets spaced by a quarter of a power of two (about 19%
/// wide) from 1 µs to about an hour, so percentiles are within a few percent and memory never grows.
final class LatencyHistogram: Sendable {
    private static let bucketCount = 4 * 32 + 1
    private let state = StrataMutex((buckets: [Int](repeating: 0, count: LatencyHistogram.bucketCount), total: 0))

    /// Records one latency.
    func record(nanoseconds: Int64) {
        let index = Self.bucket(nanoseconds)
        state.withLock { state in
            state.buckets[index] += 1
            state.total += 1
        }
    }

    static func bucket(_ nanoseconds: Int64) -> Int {
        let micros = max(1, nanoseconds / 1000)
        // log2 with two fractional bits: the index grows by 4 per doubling.
        let whole = 63 - micros.leadingZeroBitCount
        let fraction = whole >= 2 ? Int((micros >> Int64(whole - 2)) & 3) : Int((micros << Int64(2 - whole)) & 3)
        return min(bucketCount - 1, whole * 4 + fraction)
    }

    /// The latency at percentile `p` (0 to 100), in microseconds: the upper bound of its bucket.
    func percentile(_ p: Double) -> Double {
        let (buckets, total) = state.withLock { ($0.buckets, $0.total) }
        guard total > 0 else { return 0 }
        let rank = max(1, Int((p / 100 * Double(total)).rounded(.up)))
        var seen = 0
        for index in 0..<Self.bucketCount {
            seen += buckets[index]
            if seen >= rank { return Self.upperBound(index) }
        }
        return Self.upperBound(Self.bucketCount - 1)
    }

    var count: Int { state.withLock { $0.total } }

    static func upperBound(_ index: Int) -> Double {
        let whole = index / 4
        let fraction = index % 4
        var value = 1.0
        for _ in 0..<whole { value *= 2 }
        return value * (1 + Double(fraction + 1) / 4)
    }
}
