import StrataCache

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Seeded synthetic key traces for the policy tests (smaller cousins of the reference traces).
public enum Traces {
    /// `count` requests drawn from Zipf(`alpha`) over `keys` keys, popularity shuffled.
    public static func zipf(keys: Int, alpha: Double, count: Int, seed: UInt64) -> [Int] {
        var random = SplitMix64(seed: seed)
        let sampler = ZipfSampler(keys: keys, alpha: alpha)
        let permutation = Array(0..<keys).shuffled(using: &random)
        return (0..<count).map { _ in permutation[sampler.sample(&random)] }
    }

    /// A loop over `keys` keys, `rounds` times.
    public static func loop(keys: Int, rounds: Int) -> [Int] {
        (0..<rounds).flatMap { _ in 0..<keys }
    }

    /// Zipf(`alpha`) whose popularity is reshuffled every `phaseLength` requests.
    public static func shifting(keys: Int, alpha: Double, phases: Int, phaseLength: Int, seed: UInt64) -> [Int] {
        (0..<phases).flatMap { phase in
            zipf(keys: keys, alpha: alpha, count: phaseLength, seed: seed &+ UInt64(phase))
        }
    }

    /// Short-lived reuse: each new key is requested again a few times within `span` requests
    /// of its first request, then never again (recency is everything; LRU is near optimal).
    public static func bursts(keys: Int, span: Int, seed: UInt64) -> [Int] {
        var random = SplitMix64(seed: seed)
        var events: [(time: Double, key: Int)] = []
        for key in 0..<keys {
            let birth = Double(key) * 4
            events.append((birth, key))
            var reuses = 0
            while Double.random(in: 0..<1, using: &random) < 0.7 && reuses < 20 { reuses += 1 }
            for _ in 0..<reuses {
                events.append((birth + Double.random(in: 0..<Double(span), using: &random), key))
            }
        }
        events.sort { $0.time < $1.time }
        return events.map(\.key)
    }
}

/// Inverse-CDF sampling of Zipf ranks.
struct ZipfSampler {
    private var cumulative: [Double]

    init(keys: Int, alpha: Double) {
        var total = 0.0
        cumulative = (1...keys).map { rank in
            total += 1 / pow(Double(rank), alpha)
            return total
        }
        cumulative = cumulative.map { $0 / total }
    }

    func sample(_ random: inout SplitMix64) -> Int {
        let u = Double.random(in: 0..<1, using: &random)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < u { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
