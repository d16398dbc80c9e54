import StrataCache
import StrataHotCold
import StrataTestSupport
import Testing

/// Random operations against a model of the colder tier: a hit must return the value the
/// colder tier holds now, never one it changed since, and never after the copy's TTL; the
/// engine's lists, index and counts must agree after every step.
@Suite(.cpuBound)
struct HotSetRandomizedTests {
    /// - Parameter collidingHashes: a key hash with few distinct values, so the index's probe
    ///   runs are long and its backward-shift deletion is exercised.
    func run(seed: UInt64, collidingHashes: Bool) {
        var random = SplitMix64(seed: seed)
        let capacity = Int.random(in: 1...40, using: &random)
        let keySpace = capacity * Int.random(in: 1...4, using: &random) + 1
        let ttl: Duration? = Bool.random(using: &random) ? .seconds(10) : nil
        let clock = ManualClock()
        let modulus = collidingHashes ? 5 : Int.max  // keys are not negative
        let keyHash: @Sendable (Int) -> UInt64 = { key in SplitMix64.mix(UInt64(key % modulus)) }
        let hot = HotSet<Int, Int>(capacity: capacity, ttl: ttl, clock: clock, keyHash: keyHash)
        var cold: [Int: Int] = [:]  // the colder tier: key -> version
        var version = 0
        var acceptedAt: [Int: Int64] = [:]  // when each hot copy was offered, by the model
        var lookups = 0
        func now() -> Int64 { clock.now.nanoseconds }
        func check(_ step: Int, _ what: String) -> Bool {
            let problems = hot._invariantViolations()
            if !problems.isEmpty || hot.count > capacity {
                Issue.record("seed \(seed), step \(step) (\(what)): \(problems), count \(hot.count)")
                return false
            }
            return true
        }
        for step in 0..<3_000 {
            let key = Int.random(in: 0..<keySpace, using: &random)
            let dice = Int.random(in: 0..<100, using: &random)
            var what = "read \(key)"
            switch dice {
            case 0..<70:
                lookups += 1
                switch hot.lookup(key) {
                case .hit(let value):
                    #expect(value == cold[key], "seed \(seed), step \(step): key \(key) served a changed value")
                    if let ttl, let at = acceptedAt[key] {
                        #expect(now() - at < ttl.cacheNanoseconds, "seed \(seed), step \(step): served after its TTL")
                    }
                case .miss(let ticket):
                    let read = cold[key, default: -1]
                    if cold[key] == nil { cold[key] = read }
                    // Sometimes the colder tier changes while the reader is away.
                    let changed = Int.random(in: 0..<10, using: &random) == 0
                    if changed {
                        version += 1
                        cold[key] = version
                        hot.invalidate(key)
                        what += " (changed in flight)"
                    }
                    let stored = hot.offer(key, read, ticket: ticket)
                    if changed { #expect(!stored, "seed \(seed), step \(step): a stale value was stored") }
                    if stored { acceptedAt[key] = now() }
                }
            case 70..<85:
                version += 1
                cold[key] = version
                hot.invalidate(key)
                what = "write \(key)"
            case 85..<92:
                if ttl != nil { clock.advance(by: .seconds(Int64.random(in: 1...4, using: &random))) }
                what = "tick"
            case 92..<96:
                let modulus = Int.random(in: 2...5, using: &random)
                for doomed in cold.keys where doomed % modulus == 0 {
                    version += 1
                    cold[doomed] = version
                }
                hot.invalidate { $0 % modulus == 0 }
                what = "invalidate multiples of \(modulus)"
            case 96..<98:
                hot.removeAll()
                what = "removeAll"
            default:
                _ = hot.statistics
                what = "statistics"
            }
            // Not after every step: the check replays the read buffer, and bugs that only
            // show when hits wait in it (a node moved under a buffered slot) must get the chance.
            if step % 37 == 36 { guard check(step, what) else { return } }
        }
        guard check(3_000, "end") else { return }
        let statistics = hot.statistics
        #expect(statistics.hits + statistics.misses == lookups)
    }

    @Test(arguments: 1...12 as ClosedRange<UInt64>)
    func hitsAreNeverStaleAndTheStructuresAgree(seed: UInt64) {
        run(seed: seed, collidingHashes: false)
    }

    @Test(arguments: 101...106 as ClosedRange<UInt64>)
    func collidingHashesKeepTheIndexConsistent(seed: UInt64) {
        run(seed: seed, collidingHashes: true)
    }

    /// Long runs of hits (more than the read buffer holds) between misses and evictions: the
    /// buffered hits are replayed before anything moves a node.
    @Test func bufferedHitsSurviveEvictionsAndRemovals() {
        var random = SplitMix64(seed: 77)
        let hot = HotSet<Int, Int>(capacity: 100) { SplitMix64.mix(UInt64(bitPattern: Int64($0))) }
        for round in 0..<200 {
            for _ in 0..<Int.random(in: 1...300, using: &random) {
                let key = Int.random(in: 0..<120, using: &random)
                if case .miss(let ticket) = hot.lookup(key) { hot.offer(key, key, ticket: ticket) }
            }
            // Remove keys just read, whose hits are likely still in the buffer.
            for _ in 0..<3 { hot.invalidate(Int.random(in: 0..<120, using: &random)) }
            if round % 5 == 0 {
                for _ in 0..<40 {
                    let key = Int.random(in: 0..<120, using: &random)
                    if case .miss(let ticket) = hot.lookup(key) { hot.offer(key, key, ticket: ticket) }
                    hot.invalidate(key)
                }
            }
            let problems = hot._invariantViolations()
            #expect(problems.isEmpty, "round \(round): \(problems)")
            if !problems.isEmpty { return }
        }
    }

    /// The shadow LRU against a plain LRU model of the sampled hashes.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func theShadowIsAnLRUOfTheSampledHashes(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let keys = (0..<20_000).map { _ in SplitMix64.mix(UInt64.random(in: 0..<3_000, using: &random)) }
        let (capacity, hits) = ShadowLRU._replay(keys, cacheCapacity: 2_000, budget: 300)
        var model: [UInt64] = []  // most recent first
        for (hash, hit) in zip(keys, hits) {
            guard let hit else { continue }
            if let index = model.firstIndex(of: hash) {
                #expect(hit, "seed \(seed): the model hit \(hash)")
                model.remove(at: index)
            } else {
                #expect(!hit, "seed \(seed): the model missed \(hash)")
                if model.count == capacity { model.removeLast() }
            }
            model.insert(hash, at: 0)
        }
        #expect(hits.contains { $0 == true } && hits.contains { $0 == nil })
    }
}
