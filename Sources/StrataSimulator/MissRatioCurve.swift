/// The miss ratio of each policy at each of several capacities on one trace: the curve that
/// answers "how big should my cache be?".
///
/// ```swift
/// let curve = await MissRatioCurve.compute(
///     trace: "access.log", keys: keys, capacities: [1_000, 10_000, 100_000],
///     policies: SimulatedPolicy.allCases)
/// curve.missRatio(.lru, at: 1)  // LRU's miss ratio with 10,000 entries, 0...1
/// ```
public struct MissRatioCurve: Sendable, Equatable {
    /// The trace's name.
    public var trace: String
    /// The number of requests in the trace.
    public var requests: Int
    /// The capacities simulated, ascending.
    public var capacities: [Int]
    /// Misses per policy, one count per capacity (in the order of `capacities`).
    public var misses: [SimulatedPolicy: [Int]]

    /// A curve from counted misses.
    public init(trace: String, requests: Int, capacities: [Int], misses: [SimulatedPolicy: [Int]]) {
        self.trace = trace
        self.requests = requests
        self.capacities = capacities
        self.misses = misses
    }

    /// The policies the curve has, in declaration order.
    public var policies: [SimulatedPolicy] { SimulatedPolicy.allCases.filter { misses[$0] != nil } }

    /// The miss ratio (0...1) of `policy` at `capacities[index]` (0 for an empty trace).
    public func missRatio(_ policy: SimulatedPolicy, at index: Int) -> Double {
        guard let counts = misses[policy], requests > 0 else { return 0 }
        return Double(counts[index]) / Double(requests)
    }

    /// Replays `keys` against every policy at every capacity (in parallel) and returns the curve.
    /// Capacities are sorted and deduplicated; each must be positive.
    public static func compute(
        trace name: String, keys: [Int], capacities: [Int], policies: [SimulatedPolicy]
    ) async -> MissRatioCurve {
        precondition(capacities.allSatisfy { $0 > 0 }, "capacities must be positive")
        let sorted = Array(Set(capacities)).sorted()
        let runs = await withTaskGroup(of: (SimulatedPolicy, Int, Int).self) { group in
            for policy in policies {
                for (index, capacity) in sorted.enumerated() {
                    group.addTask {
                        (policy, index, keys.count - CacheSimulator.hits(of: policy, trace: keys, capacity: capacity))
                    }
                }
            }
            var runs: [(SimulatedPolicy, Int, Int)] = []
            for await run in group { runs.append(run) }
            return runs
        }
        var misses: [SimulatedPolicy: [Int]] = [:]
        for policy in policies { misses[policy] = [Int](repeating: 0, count: sorted.count) }
        for (policy, index, count) in runs { misses[policy]![index] = count }
        return MissRatioCurve(trace: name, requests: keys.count, capacities: sorted, misses: misses)
    }

    /// Parses a capacity list such as `1k,2k,5k,10k,1m,1500`: integers with an optional `k`
    /// (thousand) or `m` (million) suffix. Returns `nil` for anything else or a non-positive value.
    public static func parseCapacities(_ text: String) -> [Int]? {
        var capacities: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            var digits = Substring(item.lowercased())
            var scale = 1
            if digits.hasSuffix("k") {
                scale = 1_000
                digits = digits.dropLast()
            } else if digits.hasSuffix("m") {
                scale = 1_000_000
                digits = digits.dropLast()
            }
            guard let value = Int(digits), value > 0 else { return nil }
            let (scaled, overflow) = value.multipliedReportingOverflow(by: scale)
            guard !overflow, scaled < Int(Int32.max) else { return nil }
            capacities.append(scaled)
        }
        return capacities.isEmpty ? nil : capacities
    }
}
