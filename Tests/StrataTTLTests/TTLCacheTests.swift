import StrataCache
import StrataLRU
import StrataTTL
import StrataTestSupport
import Testing

@Suite(.cpuBound)
struct TTLCacheTests {
    typealias Cache = TTLCache<String, LRUCache<Int, Expiring<String>>>

    func makeCache(
        capacity: Int = 100,
        ttl: Duration? = .seconds(10),
        jitter: Double = 0,
        clock: ManualClock
    ) -> Cache {
        TTLCache(
            base: LRUCache<Int, Expiring<String>>(capacity: capacity),
            defaultTTL: ttl,
            jitter: jitter,
            clock: clock,
            seed: 42
        )
    }

    @Test func entriesExpireAfterTheDefaultTTL() {
        let clock = ManualClock()
        let cache = makeCache(clock: clock)
        cache.set(1, "one")
        clock.advance(by: .seconds(9))
        #expect(cache.get(1) == "one")
        clock.advance(by: .seconds(1))
        #expect(cache.get(1) == nil)
        #expect(cache.count == 0)
        #expect(cache.statistics == CacheStatistics(hits: 1, misses: 1, expirations: 1))
    }

    @Test func aPerSetTTLOverridesTheDefault() {
        let clock = ManualClock()
        let cache = makeCache(clock: clock)
        cache.set(1, "short", ttl: .seconds(1))
        cache.set(2, "forever", ttl: nil)
        cache.set(3, "default")
        clock.advance(by: .seconds(2))
        #expect(cache.get(1) == nil)
        #expect(cache.get(3) == "default")
        clock.advance(by: .seconds(3600))
        #expect(cache.get(2) == "forever")
        #expect(cache.get(3) == nil)
    }

    @Test func remainingTTLCountsDown() {
        let clock = ManualClock()
        let cache = makeCache(clock: clock)
        cache.set(1, "one")
        cache.set(2, "two", ttl: nil)
        clock.advance(by: .seconds(4))
        #expect(cache.remainingTTL(for: 1) == .seconds(6))
        #expect(cache.remainingTTL(for: 2) == nil)
        #expect(cache.remainingTTL(for: 3) == nil)
        clock.advance(by: .seconds(6))
        #expect(cache.remainingTTL(for: 1) == nil)
        #expect(cache.peek(1) == nil)
    }

    @Test func resettingAKeyMovesItsDeadline() {
        let clock = ManualClock()
        let cache = makeCache(clock: clock)
        cache.set(1, "old")
        clock.advance(by: .seconds(8))
        cache.set(1, "new")
        clock.advance(by: .seconds(8))
        #expect(cache.get(1) == "new")
        cache.set(1, "kept", ttl: nil)
        clock.advance(by: .seconds(100))
        #expect(cache.purgeExpired() == 0)
        #expect(cache.get(1) == "kept")
    }

    @Test func jitterSpreadsDeadlinesWithinTheTTL() {
        let clock = ManualClock()
        let cache = makeCache(capacity: 1_000, ttl: .seconds(100), jitter: 0.2, clock: clock)
        for key in 0..<1_000 { cache.set(key, "v") }
        let remaining = (0..<1_000).compactMap { cache.remainingTTL(for: $0) }
        #expect(remaining.count == 1_000)
        #expect(remaining.allSatisfy { $0 > .seconds(80) && $0 <= .seconds(100) })
        #expect(Set(remaining).count > 900)
        // Half-way through the jitter range about half have expired, not all at once.
        clock.advance(by: .seconds(90))
        let live = (0..<1_000).filter { cache.peek($0) != nil }.count
        #expect(live > 300 && live < 700)
    }

    @Test func theSweepFreesExpiredEntriesThatAreNeverRead() {
        let clock = ManualClock()
        let cache = makeCache(capacity: 1_000, ttl: .seconds(1), clock: clock)
        for key in 0..<100 { cache.set(key, "v") }
        clock.advance(by: .seconds(2))
        // Every operation removes at most `sweepBudget` (4) expired entries.
        cache.set(1_000, "fresh", ttl: nil)
        #expect(cache.count == 101 - 4)
        for _ in 0..<10 { _ = cache.get(1_000) }
        #expect(cache.count == 101 - 4 * 11)
        #expect(cache.purgeExpired() == 100 - 44)
        #expect(cache.count == 1)
        #expect(cache.statistics.expirations == 100)
    }

    @Test func keysTheBaseEvictsAreForgotten() {
        let clock = ManualClock()
        let cache = makeCache(capacity: 10, ttl: .seconds(1), clock: clock)
        var evicted: [Int] = []
        for key in 0..<30 { cache.set(key, "v") { key, _ in evicted.append(key) } }
        #expect(evicted == Array(0..<20))
        #expect(cache.statistics.evictions == 20)
        clock.advance(by: .seconds(5))
        // Only the ten entries still held can expire: the layer kept no deadline for the rest.
        #expect(cache.purgeExpired() == 10)
        #expect(cache.statistics.expirations == 10)
    }

    @Test func removeAndRemoveAll() {
        let clock = ManualClock()
        let cache = makeCache(clock: clock)
        cache.set(1, "one")
        cache.set(2, "two")
        #expect(cache.remove(1) == "one")
        #expect(cache.remove(1) == nil)
        cache.removeAll()
        #expect(cache.count == 0)
        clock.advance(by: .seconds(60))
        #expect(cache.purgeExpired() == 0)
    }

    @Test func manyTasksWithAMovingClock() async {
        let clock = ManualClock()
        let cache = makeCache(capacity: 512, ttl: .milliseconds(50), jitter: 0.5, clock: clock)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(task))
                    for step in 0..<4_000 {
                        let key = Int.random(in: 0..<1_024, using: &random)
                        if cache.get(key) == nil { cache.set(key, "v") }
                        if step % 100 == 0 { clock.advance(by: .milliseconds(10)) }
                        if step % 500 == 0 { cache.purgeExpired() }
                    }
                }
            }
        }
        #expect(cache.statistics.requests == 32_000)
        #expect(cache.count <= 512)
        clock.advance(by: .seconds(1))
        cache.purgeExpired()
        #expect(cache.count == 0)
    }
}

/// `TTLCache` on the coarse clock: entries still expire, at most a tick late.
struct TTLCacheCoarseClockTests {
    @Test func entriesExpireOnTheCoarseClock() async throws {
        let clock = CoarseCacheClock()
        let cache = TTLCache(
            base: LRUCache<String, Expiring<Int>>(capacity: 10), defaultTTL: .milliseconds(20), clock: clock)
        let set = clock.now
        cache.set("k", 1)
        #expect(cache.get("k") == 1 || clock.now >= set.advanced(by: .milliseconds(20)))
        // Past the TTL and one tick more (bounded): the entry is gone.
        let gone = set.advanced(by: .milliseconds(20) + clock.resolution * 2)
        let deadline = ContinuousClock.now + .seconds(2)
        while clock.now < gone && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
        #expect(cache.get("k") == nil)
    }
}
