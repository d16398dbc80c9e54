import StrataCache
import StrataLRU
import StrataTTL
import StrataTestSupport
import Testing

/// The lazily swept expiry heap: bounded under re-sets and evictions, and a randomized run
/// against a plain model of what a TTL cache must answer.
@Suite(.cpuBound)
struct TTLCacheHeapTests {
    typealias Cache = TTLCache<Int, LRUCache<Int, Expiring<Int>>>

    func makeCache(capacity: Int, ttl: Duration? = .seconds(10), clock: ManualClock) -> Cache {
        TTLCache(base: LRUCache<Int, Expiring<Int>>(capacity: capacity), defaultTTL: ttl, clock: clock, seed: 7)
    }

    /// The heap's bound while entries are only added: twice the live entries, or the smallest
    /// compaction threshold.
    func heapBound(_ cache: Cache) -> Int { max(2 * cache.count, 64) }

    @Test(arguments: [Duration.zero, .milliseconds(1)])
    func theHeapStaysBoundedWhenTheSameKeysAreSetAgain(step: Duration) {
        // With a clock that does not move, every re-set repeats a (key, deadline) pair.
        let clock = ManualClock()
        let cache = makeCache(capacity: 1_000, clock: clock)
        var largest = 0
        for round in 0..<200 {
            for key in 0..<50 {
                cache.set(key, round)
                largest = max(largest, cache.scheduledCount)
                #expect(cache.scheduledCount <= heapBound(cache))
            }
            clock.advance(by: step)
        }
        #expect(largest <= 100)
        #expect(cache.get(7) == 199)
    }

    @Test func theHeapStaysBoundedWhenTheBaseEvicts() {
        let clock = ManualClock()
        let cache = makeCache(capacity: 100, clock: clock)
        for key in 0..<20_000 {
            cache.set(key, key)
            #expect(cache.scheduledCount <= heapBound(cache))
            if key % 1_000 == 0 { clock.advance(by: .milliseconds(1)) }
        }
        #expect(cache.count == 100)
        // Only the live entries' pairs are left to expire.
        clock.advance(by: .seconds(20))
        #expect(cache.purgeExpired() == 100)
        #expect(cache.count == 0)
    }

    @Test func aKeySetAgainLaterIsNotExpiredByItsOldDeadline() {
        let clock = ManualClock()
        let cache = makeCache(capacity: 10, clock: clock)
        cache.set(1, 1, ttl: .seconds(1))
        cache.set(1, 2, ttl: .seconds(5))
        clock.advance(by: .seconds(2))
        #expect(cache.purgeExpired() == 0)
        #expect(cache.get(1) == 2)
        cache.set(1, 3, ttl: nil)
        clock.advance(by: .seconds(10))
        #expect(cache.purgeExpired() == 0)
        #expect(cache.get(1) == 3)
    }

    /// Random sets, gets, removes and clock moves on a cache that never evicts, checked after
    /// every step against a dictionary of values and deadlines.
    /// Over an `LRUCache` base (which keeps the expiry itself) and over a `StripedLRUCache` (a
    /// store the layer keeps the expiry for, keyed by key).
    @Test(arguments: [1, 2, 3, 4], [false, true])
    func randomOperationsMatchAModel(seed: UInt64, striped: Bool) {
        let clock = ManualClock()
        let keys = 64
        if striped {
            let base = StripedLRUCache<Int, Expiring<Int>>(capacity: 4 * keys, stripes: 4)
            let cache = TTLCache(base: base, defaultTTL: .milliseconds(40), clock: clock, seed: 7)
            randomOperationsMatchAModel(cache, keys: keys, seed: seed, clock: clock)
        } else {
            let cache = makeCache(capacity: keys, ttl: .milliseconds(40), clock: clock)
            randomOperationsMatchAModel(cache, keys: keys, seed: seed, clock: clock)
        }
    }

    func randomOperationsMatchAModel<Base: LocalStore<Int, Expiring<Int>>>(
        _ cache: TTLCache<Int, Base>,
        keys: Int,
        seed: UInt64,
        clock: ManualClock
    ) {
        var model: [Int: (value: Int, deadline: Int64)] = [:]
        var random = SplitMix64(seed: seed)
        var hits = 0
        var misses = 0
        for step in 0..<20_000 {
            let key = Int.random(in: 0..<keys, using: &random)
            let now = clock.now.nanoseconds
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3:
                let ttls: [Duration?] = [nil, .milliseconds(5), .milliseconds(40), .milliseconds(200)]
                let ttl = ttls[Int.random(in: 0..<ttls.count, using: &random)]
                cache.set(key, step, ttl: ttl)
                model[key] = (step, ttl.map { now + $0.cacheNanoseconds } ?? .max)
            case 3:
                cache.set(key, step)
                model[key] = (step, now + Duration.milliseconds(40).cacheNanoseconds)
            case 4:
                let expected = model[key].flatMap { $0.deadline > now ? $0.value : nil }
                #expect(cache.remove(key) == expected)
                model[key] = nil
            case 5:
                clock.advance(by: .milliseconds(Int.random(in: 0..<8, using: &random)))
            default:
                let expected = model[key].flatMap { $0.deadline > now ? $0.value : nil }
                if expected == nil { misses += 1 } else { hits += 1 }
                #expect(cache.get(key) == expected)
                #expect(
                    cache.remainingTTL(for: key)
                        == expected.flatMap { _ in
                            model[key]!.deadline == .max ? nil : .nanoseconds(model[key]!.deadline - now)
                        })
            }
            // Entries removed since the last compaction may leave it above twice today's count,
            // never above twice the capacity.
            #expect(cache.scheduledCount <= 2 * keys)
        }
        let statistics = cache.statistics
        #expect(statistics.hits == hits)
        #expect(statistics.misses == misses)
        #expect(statistics.evictions == 0)
        cache.purgeExpired()
        let now = clock.now.nanoseconds
        #expect(cache.count == model.values.filter { $0.deadline > now }.count)
    }
}
