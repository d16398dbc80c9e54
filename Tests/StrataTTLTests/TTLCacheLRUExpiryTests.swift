import StrataCache
import StrataLRU
import StrataTTL
import StrataTestSupport
import Testing

/// Expiry kept inside an `LRUCache` base (its node-indexed schedule): eviction order, exact
/// deadlines, re-sets, removals that move nodes, capacity 1, and seeded runs against a model
/// that knows the recency order, every deadline and every eviction.
@Suite(.cpuBound)
struct TTLCacheLRUExpiryTests {
    typealias Base = LRUCache<Int, Expiring<Int>>
    typealias Cache = TTLCache<Int, Base>

    func makeCache(
        capacity: Int,
        ttl: Duration? = .seconds(10),
        sweepBudget: Int = 4,
        clock: ManualClock
    ) -> (Cache, Base) {
        let base = Base(capacity: capacity)
        return (TTLCache(base: base, defaultTTL: ttl, sweepBudget: sweepBudget, clock: clock, seed: 3), base)
    }

    @Test func anEntryExpiresExactlyAtItsDeadline() {
        let clock = ManualClock()
        let (cache, _) = makeCache(capacity: 4, clock: clock)
        cache.set(1, 1)
        cache.set(2, 2)
        clock.advance(by: .seconds(10) - .nanoseconds(1))
        #expect(cache.get(1) == 1)
        #expect(cache.peek(2) == 2)
        #expect(cache.remainingTTL(for: 2) == .nanoseconds(1))
        clock.advance(by: .nanoseconds(1))
        #expect(cache.peek(1) == nil)
        #expect(cache.get(1) == nil)
        #expect(cache.count == 0)  // the read's sweep took key 2 as well
        #expect(cache.statistics == CacheStatistics(hits: 1, misses: 1, expirations: 2))
    }

    @Test func aZeroTTLIsExpiredAtOnce() {
        let clock = ManualClock()
        let (cache, _) = makeCache(capacity: 4, clock: clock)
        cache.set(1, 1, ttl: .zero)
        #expect(cache.peek(1) == nil)
        #expect(cache.get(1) == nil)
        #expect(cache.statistics.expirations == 1)
    }

    @Test func setAgainResetsTheDeadline() {
        let clock = ManualClock()
        let (cache, _) = makeCache(capacity: 4, clock: clock)
        cache.set(1, 1, ttl: .seconds(1))
        clock.advance(by: .milliseconds(500))
        cache.set(1, 2, ttl: .seconds(1))
        // The first deadline passes: its pair is stale and must not take the entry.
        clock.advance(by: .milliseconds(700))
        #expect(cache.purgeExpired() == 0)
        #expect(cache.get(1) == 2)
        clock.advance(by: .milliseconds(300))
        #expect(cache.purgeExpired() == 1)
        #expect(cache.count == 0)
    }

    @Test func anEntryMovedByARemovalStillExpiresUnread() {
        // Storage stays dense: removing the entry in node 0 moves the last node into it. The
        // moved entry must keep a place in the schedule, or only a read would expire it.
        let clock = ManualClock()
        let (cache, base) = makeCache(capacity: 8, clock: clock)
        cache.set(1, 1, ttl: .seconds(1))
        cache.set(2, 2, ttl: .seconds(100))
        cache.set(3, 3, ttl: .seconds(2))
        #expect(cache.remove(1) == 1)
        clock.advance(by: .seconds(3))
        #expect(cache.purgeExpired() == 1)
        #expect(base.keysByRecency() == [2])
        #expect(base._invariantViolations() == [])
    }

    @Test func anEntryMovedBySweepingStillExpiresUnread() {
        let clock = ManualClock()
        let (cache, _) = makeCache(capacity: 8, sweepBudget: 1, clock: clock)
        cache.set(1, 1, ttl: .seconds(1))
        cache.set(2, 2, ttl: .seconds(100))
        cache.set(3, 3, ttl: .seconds(2))
        clock.advance(by: .milliseconds(1500))
        cache.set(4, 4, ttl: nil)  // sweeps key 1 (node 0); key 4 takes node 3, key 3 moved to 0
        #expect(cache.count == 3)
        clock.advance(by: .seconds(1))
        #expect(cache.purgeExpired() == 1)
        #expect(cache.peek(2) == 2 && cache.peek(4) == 4 && cache.count == 2)
    }

    @Test func capacityOne() {
        let clock = ManualClock()
        let (cache, _) = makeCache(capacity: 1, ttl: .seconds(1), clock: clock)
        var evicted: [Int] = []
        cache.set(1, 1) { key, _ in evicted.append(key) }
        cache.set(2, 2) { key, _ in evicted.append(key) }
        #expect(evicted == [1])
        #expect(cache.get(1) == nil && cache.get(2) == 2)
        clock.advance(by: .seconds(1))
        // The set sweeps the expired entry first, so it evicts nothing.
        cache.set(3, 3) { key, _ in evicted.append(key) }
        #expect(evicted == [1])
        #expect(cache.get(3) == 3)
        #expect(cache.statistics == CacheStatistics(hits: 2, misses: 1, evictions: 1, expirations: 1))
    }

    @Test func evictionFollowsRecencyNotDeadlines() {
        let clock = ManualClock()
        let (cache, base) = makeCache(capacity: 3, clock: clock)
        var evicted: [Int] = []
        cache.set(1, 1, ttl: .seconds(100))
        cache.set(2, 2, ttl: .seconds(1))
        cache.set(3, 3, ttl: .seconds(50))
        _ = cache.get(1)
        cache.set(4, 4, ttl: nil) { key, _ in evicted.append(key) }
        cache.set(5, 5, ttl: nil) { key, _ in evicted.append(key) }
        #expect(evicted == [2, 3])
        #expect(base.keysByRecency() == [5, 4, 1])
        clock.advance(by: .seconds(100))
        #expect(cache.purgeExpired() == 1)
        #expect(base.keysByRecency() == [5, 4])
    }

    @Test func aCostBoundBaseEvictsAndKeepsTheSchedule() {
        // Cost-bound evictions remove nodes from the cold end and move others into their places.
        let clock = ManualClock()
        let base = LRUCache<Int, Expiring<Int>>(capacity: 100, maxCost: 10) { _, entry in entry.value }
        let cache = TTLCache(base: base, defaultTTL: .seconds(1), clock: clock)
        var evicted: [Int] = []
        for key in 1...4 { cache.set(key, key, ttl: .seconds(Int64(key))) { key, _ in evicted.append(key) } }
        #expect(evicted == [])
        cache.set(5, 5, ttl: .seconds(10)) { key, _ in evicted.append(key) }  // costs 15: drops 1, 2, 3
        #expect(evicted == [1, 2, 3])
        #expect(base.keysByRecency() == [5, 4])
        #expect(base._scheduleViolations() == [])
        clock.advance(by: .seconds(4))
        #expect(cache.purgeExpired() == 1)
        #expect(base.keysByRecency() == [5])
        #expect(cache.statistics.evictions == 3)
    }

    @Test func removeAllEmptiesTheSchedule() {
        let clock = ManualClock()
        let (cache, _) = makeCache(capacity: 100, clock: clock)
        for key in 0..<50 { cache.set(key, key) }
        cache.removeAll()
        #expect(cache.scheduledCount == 0)
        cache.set(1, 1, ttl: .seconds(1))
        clock.advance(by: .seconds(20))
        #expect(cache.purgeExpired() == 1)
    }

    @Test func entriesHeldBeforeTheLayerTookOverExpireToo() {
        let clock = ManualClock()
        let base = Base(capacity: 8)
        base.set(1, Expiring(1, deadline: CacheInstant(nanoseconds: 5)))
        base.set(2, Expiring(2, deadline: CacheInstant(nanoseconds: .max)))
        let cache = TTLCache(base: base, defaultTTL: .seconds(1), clock: clock)
        clock.advance(by: .nanoseconds(5))
        #expect(cache.purgeExpired() == 1)
        #expect(cache.get(2) == 2)
    }

    /// Seeded runs against a model that sweeps every due entry before each read or write (a
    /// budget without limit makes the layer's sweeps exact), so it knows the recency order,
    /// what each set evicts, and every counter.
    @Test(arguments: [1, 2, 3, 7, 16], [1, 2, 3])
    func randomOperationsMatchAnExactModel(capacity: Int, seed: UInt64) {
        let clock = ManualClock()
        let (cache, base) = makeCache(capacity: capacity, ttl: .milliseconds(30), sweepBudget: .max, clock: clock)
        // Most recently used first.
        var model: [(key: Int, value: Int, deadline: Int64)] = []
        var expected = CacheStatistics()
        var random = SplitMix64(seed: seed &* 1_000 &+ UInt64(capacity))
        let keys = capacity + 4
        let ttls: [Duration?] = [nil, .zero, .milliseconds(1), .milliseconds(10), .milliseconds(30), .seconds(1)]

        func purge(_ now: Int64) -> Int {
            let before = model.count
            model.removeAll { $0.deadline <= now }
            return before - model.count
        }
        func live(_ key: Int, _ now: Int64) -> (value: Int, deadline: Int64)? {
            model.first { $0.key == key && $0.deadline > now }.map { ($0.value, $0.deadline) }
        }

        for step in 0..<4_000 {
            let key = Int.random(in: 0..<keys, using: &random)
            let now = clock.now.nanoseconds
            let operation = Int.random(in: 0..<20, using: &random)
            switch operation {
            case 0..<6:
                let ttl: Duration?? = operation == 0 ? .none : .some(ttls.randomElement(using: &random)!)
                var evicted: [Int] = []
                if let ttl {
                    cache.set(key, step, ttl: ttl) { key, _ in evicted.append(key) }
                } else {
                    cache.set(key, step) { key, _ in evicted.append(key) }
                }
                expected.expirations += purge(now)
                let duration = ttl ?? .milliseconds(30)
                let deadline = duration.map { now + $0.cacheNanoseconds } ?? .max
                var modelEvicted: [Int] = []
                if let index = model.firstIndex(where: { $0.key == key }) {
                    model.remove(at: index)
                } else if model.count == capacity {
                    modelEvicted.append(model.removeLast().key)
                    expected.evictions += 1
                }
                model.insert((key, step, deadline), at: 0)
                #expect(evicted == modelEvicted, "step \(step): set \(key) evicted \(evicted)")
            case 6..<11:
                let value = cache.get(key)
                expected.expirations += purge(now)
                if let index = model.firstIndex(where: { $0.key == key }) {
                    model.insert(model.remove(at: index), at: 0)
                    expected.hits += 1
                    #expect(value == model[0].value, "step \(step): get \(key)")
                } else {
                    expected.misses += 1
                    #expect(value == nil, "step \(step): get \(key)")
                }
            case 11:
                #expect(cache.peek(key) == live(key, now)?.value, "step \(step): peek \(key)")
                let left = live(key, now).flatMap {
                    $0.deadline == .max ? nil : Duration.nanoseconds($0.deadline - now)
                }
                #expect(cache.remainingTTL(for: key) == left, "step \(step): remainingTTL \(key)")
            case 12:
                #expect(cache.remove(key) == live(key, now)?.value, "step \(step): remove \(key)")
                model.removeAll { $0.key == key }
            case 13:
                let purged = purge(now)
                expected.expirations += purged
                #expect(cache.purgeExpired() == purged, "step \(step): purgeExpired")
            case 14:
                // Exactly to the next deadline, so entries expire at their boundary.
                if let next = model.map(\.deadline).filter({ $0 > now && $0 != .max }).min() {
                    clock.advance(by: .nanoseconds(next - now))
                }
            default:
                clock.advance(by: .milliseconds(Int.random(in: 0..<6, using: &random)))
            }
            #expect(cache.count == model.count, "step \(step): count")
            #expect(base.keysByRecency() == model.map(\.key), "step \(step): recency")
            #expect(cache.scheduledCount <= max(2 * capacity, 64), "step \(step): schedule size")
            #expect(base._scheduleViolations() == [], "step \(step): schedule")
            if step % 97 == 0 { #expect(base._invariantViolations() == [], "step \(step): invariants") }
        }
        #expect(cache.statistics == expected)
    }
}
