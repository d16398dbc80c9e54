import StrataCache
import StrataHotCold
import StrataLRU
import StrataTestSupport
import Testing

/// Runs `trace` through a hot set as an application would and returns its hit ratio.
func hotSetHitRatio(_ trace: [Int], capacity: Int) -> Double {
    let hot = HotSet<Int, Int>(capacity: capacity) { SplitMix64.mix(UInt64(bitPattern: Int64($0))) }
    for key in trace {
        if case .miss(let ticket) = hot.lookup(key) { hot.offer(key, key, ticket: ticket) }
    }
    return hot.statistics.hitRatio
}

func lruHitRatio(_ trace: [Int], capacity: Int) -> Double {
    let lru = LRUCache<Int, Int>(capacity: capacity)
    for key in trace where lru.get(key) == nil { lru.set(key, key) }
    return lru.statistics.hitRatio
}

@Suite(.cpuBound)
struct HotSetTests {
    func fixedHash(_ key: Int) -> UInt64 { SplitMix64.mix(UInt64(bitPattern: Int64(key))) }

    @Test func aMissIssuesATicketAndTheOfferIsServedNext() {
        let hot = HotSet<Int, String>(capacity: 10, keyHash: fixedHash)
        guard case .miss(let ticket) = hot.lookup(1) else {
            Issue.record("expected a miss")
            return
        }
        #expect(hot.offer(1, "one", ticket: ticket))
        #expect(hot.get(1) == "one")
        #expect(!hot.offer(1, "again", ticket: ticket))  // already hot
        #expect(hot.statistics.hits == 1 && hot.statistics.misses == 1)
    }

    @Test func neverHoldsMoreThanItsCapacity() {
        let hot = HotSet<Int, Int>(capacity: 50, keyHash: fixedHash)
        for key in 0..<10_000 {
            if case .miss(let ticket) = hot.lookup(key % 700) { hot.offer(key % 700, key, ticket: ticket) }
            #expect(hot.count <= 50)
        }
        #expect(hot.statistics.evictions > 0)
    }

    @Test func aScanDoesNotFlushHotKeys() {
        let hot = HotSet<Int, Int>(capacity: 100, keyHash: fixedHash)
        func read(_ key: Int) {
            if case .miss(let ticket) = hot.lookup(key) { hot.offer(key, key, ticket: ticket) }
        }
        for _ in 0..<20 { for key in 0..<80 { read(key) } }
        for key in 1_000..<11_000 { read(key) }  // a one-pass scan of 10,000 new keys
        let survivors = (0..<80).filter { hot.get($0) != nil }.count
        #expect(survivors >= 75)
        #expect(hot.statistics.promotions >= 80)
    }

    @Test func hotCopiesExpire() {
        let clock = ManualClock()
        let hot = HotSet<Int, Int>(capacity: 10, ttl: .seconds(5), clock: clock, keyHash: fixedHash)
        if case .miss(let ticket) = hot.lookup(1) { hot.offer(1, 1, ticket: ticket) }
        clock.advance(by: .seconds(4))
        #expect(hot.get(1) == 1)
        clock.advance(by: .seconds(1))
        #expect(hot.get(1) == nil)
        #expect(hot.statistics.expirations == 1)
        #expect(hot.count == 0)
    }

    @Test func invalidationDropsTheCopyAndRefusesInFlightPromotions() {
        let hot = HotSet<String, Int>(capacity: 10)
        guard case .miss(let first) = hot.lookup("k") else { return }
        hot.offer("k", 1, ticket: first)
        hot.invalidate("k")
        #expect(hot.get("k") == nil)
        guard case .miss(let ticket) = hot.lookup("k") else { return }
        // The value changes in the colder tier while this reader is away...
        hot.invalidate("k")
        // ...so the stale value it read must not become a hot copy.
        #expect(!hot.offer("k", 1, ticket: ticket))
        #expect(hot.get("k") == nil)
        guard case .miss(let fresh) = hot.lookup("k") else { return }
        #expect(hot.offer("k", 2, ticket: fresh))
        #expect(hot.get("k") == 2)
    }

    @Test func removeAllRefusesEveryInFlightPromotion() {
        let hot = HotSet<Int, Int>(capacity: 10)
        guard case .miss(let ticket) = hot.lookup(1) else { return }
        hot.removeAll()
        #expect(!hot.offer(1, 1, ticket: ticket))
    }

    @Test func theWindowGrowsWhenRecencyWins() {
        // Short-lived reuse: the frequency guard alone would reject most newcomers.
        let trace = Traces.bursts(keys: 60_000, span: 2_000, seed: 3)
        let hot = HotSet<Int, Int>(capacity: 1_000, keyHash: fixedHash)
        for key in trace {
            if case .miss(let ticket) = hot.lookup(key) { hot.offer(key, key, ticket: ticket) }
        }
        #expect(hot.windowCapacity > 500)
    }
}

/// Hit ratios on seeded synthetic traces: better than LRU where frequency matters, close to
/// LRU where only recency does.
@Suite(.cpuBound)
struct HotSetPolicyTests {
    @Test func beatsLRUOnSkewedTraffic() {
        let trace = Traces.zipf(keys: 50_000, alpha: 0.9, count: 200_000, seed: 1)
        #expect(hotSetHitRatio(trace, capacity: 1_000) > lruHitRatio(trace, capacity: 1_000) + 0.05)
    }

    @Test func survivesALoopLargerThanTheCache() {
        let trace = Traces.loop(keys: 1_200, rounds: 50)
        #expect(lruHitRatio(trace, capacity: 1_000) == 0)
        #expect(hotSetHitRatio(trace, capacity: 1_000) > 0.75)
    }

    @Test func staysCloseToLRUWhenPopularityShifts() {
        let trace = Traces.shifting(keys: 50_000, alpha: 0.9, phases: 6, phaseLength: 40_000, seed: 2)
        #expect(hotSetHitRatio(trace, capacity: 1_000) > lruHitRatio(trace, capacity: 1_000) - 0.02)
    }

    @Test func staysCloseToLRUOnShortLivedBursts() {
        let trace = Traces.bursts(keys: 60_000, span: 2_000, seed: 3)
        let lru = lruHitRatio(trace, capacity: 1_000)
        #expect(lru > 0.6)
        #expect(hotSetHitRatio(trace, capacity: 1_000) > lru - 0.04)
    }

    // Popularity shifts: the sketch is reset and the protected segment demoted when the hit
    // ratio falls at once (45.19% against LRU's 38.82%; the seeds and the fixed hash make the
    // figures exact). Without the reset it stays near 41%.
    @Test func beatsLRUBySixPointsWhenPopularityShifts() {
        let trace = Traces.shifting(keys: 50_000, alpha: 0.9, phases: 6, phaseLength: 40_000, seed: 2)
        #expect(hotSetHitRatio(trace, capacity: 1_000) > lruHitRatio(trace, capacity: 1_000) + 0.06)
    }

    // Short-lived reuse: the window grows as soon as LRU's lead is three standard deviations
    // clear, not at the end of the period (69.70% against LRU's 69.83%).
    @Test func withinAQuarterPointOfLRUOnShortLivedBursts() {
        let trace = Traces.bursts(keys: 60_000, span: 2_000, seed: 3)
        #expect(hotSetHitRatio(trace, capacity: 1_000) > lruHitRatio(trace, capacity: 1_000) - 0.0025)
    }

    // A scan in the middle of skewed traffic (56.51% against LRU's 48.13%): the sketch reset
    // that the scan trips must not let its one-off keys displace the hot ones.
    @Test func aScanAfterWhichTheSketchIsResetStillLeavesTheHotKeys() {
        let skewed = Traces.zipf(keys: 50_000, alpha: 0.99, count: 200_000, seed: 5)
        let trace = Array(skewed[..<100_000]) + Array(1_000_000..<1_020_000) + Array(skewed[100_000...])
        #expect(hotSetHitRatio(trace, capacity: 1_000) > lruHitRatio(trace, capacity: 1_000) + 0.08)
    }

    // Popularity reshuffled every 100k requests: short blocks compared with the best of the
    // three before them see each shift early. Whole-period blocks compared with the previous
    // one alone reached 43.06-43.23% on seeds 2 to 6; these reach 43.57-43.64%.
    @Test(arguments: [2, 3] as [UInt64])
    func seesAShiftOfPopularityEarly(seed: UInt64) {
        let trace = Traces.shifting(keys: 200_000, alpha: 0.9, phases: 6, phaseLength: 100_000, seed: seed)
        #expect(hotSetHitRatio(trace, capacity: 2_000) > 0.434)
    }

    @Test func forgetsPopularityOnlyWhenItShifts() {
        func shifts(_ trace: [Int]) -> Int {
            let hot = HotSet<Int, Int>(capacity: 1_000) { SplitMix64.mix(UInt64(bitPattern: Int64($0))) }
            for key in trace {
                if case .miss(let ticket) = hot.lookup(key) { hot.offer(key, key, ticket: ticket) }
            }
            return hot._shifts
        }
        #expect(shifts(Traces.shifting(keys: 50_000, alpha: 0.9, phases: 6, phaseLength: 40_000, seed: 2)) >= 4)
        // Stationary traffic: 125 blocks of sampled requests, a three-sigma test on each; this
        // seed has one false alarm (the reset costs a few thousand requests of relearning).
        #expect(shifts(Traces.zipf(keys: 50_000, alpha: 0.9, count: 200_000, seed: 1)) <= 1)
    }
}
