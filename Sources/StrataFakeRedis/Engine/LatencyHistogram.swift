/// Command durations for INFO latencystats: log-linear buckets (128 per power of two, under 1%
/// apart, like Redis' HdrHistogram with two significant digits), from 1 ns to about 18 minutes.
struct LatencyHistogram {
    private static let subBits = 7
    private static let subCount = 1 << subBits
    private static let maxExponent = 40
    private var counts: [UInt32]
    private(set) var total = 0

    init() {
        counts = Array(repeating: 0, count: (Self.maxExponent - Self.subBits + 2) * Self.subCount)
    }

    private static func index(_ nanoseconds: UInt64) -> Int {
        let v = min(max(nanoseconds, 1), (1 << UInt64(maxExponent + 1)) - 1)
        if v < UInt64(subCount) { return Int(v) }
        let exponent = 63 - v.leadingZeroBitCount
        let sub = Int((v >> UInt64(exponent - subBits)) & UInt64(subCount - 1))
        return (exponent - subBits + 1) * subCount + sub
    }

    /// The largest value a bucket holds.
    private static func highest(_ index: Int) -> UInt64 {
        if index < subCount { return UInt64(index) }
        let exponent = index / subCount + subBits - 1
        let sub = UInt64(index % subCount)
        let width = UInt64(1) << UInt64(exponent - subBits)
        return (UInt64(subCount) + sub) * width + width - 1
    }

    mutating func record(_ nanoseconds: UInt64) {
        counts[Self.index(nanoseconds)] &+= 1
        total += 1
    }

    /// The duration under which `percentile` percent of the calls fall, in nanoseconds.
    func value(atPercentile percentile: Double) -> UInt64 {
        guard total > 0 else { return 0 }
        let wanted = max(1, Int((min(percentile, 100) / 100 * Double(total)).rounded(.up)))
        var seen = 0
        for (i, n) in counts.enumerated() where n > 0 {
            seen += Int(n)
            if seen >= wanted { return Self.highest(i) }
        }
        return 0
    }
}
