import StrataCache
import StrataLRU
import StrataTestSupport
import Synchronization
import Testing

/// A key whose hash depends only on `group`: keys of one group always collide, so a few groups
/// make long probe runs in the cache's hash table.
struct CollidingKey: Hashable, Sendable, CustomStringConvertible {
    var id: Int
    var group: Int

    init(_ id: Int, groups: Int) {
        self.id = id
        group = id % groups
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(group)
    }

    var description: String { "\(id)/\(group)" }
}

/// The cache's hash table (open addressing, linear probing, backward-shift deletion) in the
/// cases where such tables break: long collision runs, deletion inside a run, runs that wrap
/// around the end of the table, churn, and long random sequences against a reference model.
@Suite(.cpuBound)
struct LRUHashTableTests {
    @Test func keysThatAllCollideStayReachable() {
        let cache = LRUCache<CollidingKey, Int>(capacity: 40)
        let keys = (0..<40).map { CollidingKey($0, groups: 1) }
        for key in keys { cache.set(key, key.id) }
        #expect(cache._invariantViolations() == [])
        for key in keys { #expect(cache.peek(key) == key.id) }
        #expect(cache.peek(CollidingKey(40, groups: 1)) == nil)
        // One more evicts the oldest, which sits at the start of the run.
        cache.set(CollidingKey(40, groups: 1), 40)
        #expect(cache.peek(keys[0]) == nil)
        #expect(cache._invariantViolations() == [])
        for key in keys.dropFirst() { #expect(cache.peek(key) == key.id) }
    }

    @Test func deletingInsideARunKeepsTheRestReachable() {
        let keys = (0..<30).map { CollidingKey($0, groups: 3) }
        for victim in [0, 1, 14, 15, 28, 29] {
            let cache = LRUCache<CollidingKey, Int>(capacity: 30)
            for key in keys { cache.set(key, key.id) }
            #expect(cache.remove(keys[victim]) == victim)
            #expect(cache._invariantViolations() == [], "removing \(victim)")
            for key in keys where key.id != victim { #expect(cache.peek(key) == key.id) }
            #expect(cache.peek(keys[victim]) == nil)
            // Re-inserting lands it back at the end of its run.
            cache.set(keys[victim], -victim)
            #expect(cache.peek(keys[victim]) == -victim)
            #expect(cache._invariantViolations() == [])
        }
    }

    /// Keys whose homes are the last two table positions and the first: their runs wrap
    /// around the end of the table, and deleting any one of them must shift the others back
    /// across it correctly. Every insertion order, every deletion.
    @Test func runsWrapAroundTheEndOfTheTable() {
        let positions = LRUCache<Int, Int>(capacity: 8)._tablePositions
        #expect(positions.nonzeroBitCount == 1 && positions > 8)
        let mask = positions - 1
        func keys(homedAt home: Int, _ count: Int) -> [Int] {
            Array((0..<100_000).lazy.filter { $0.hashValue & mask == home }.prefix(count))
        }
        let keys = keys(homedAt: mask - 1, 1) + keys(homedAt: mask, 2) + keys(homedAt: 0, 2)
        #expect(keys.count == 5)
        for order in permutations(keys) {
            for victim in keys {
                let cache = LRUCache<Int, Int>(capacity: 8)
                for key in order { cache.set(key, key) }
                #expect(cache.remove(victim) == victim)
                #expect(cache._invariantViolations() == [], "inserting \(order), removing \(victim)")
                for key in keys where key != victim { #expect(cache.peek(key) == key) }
                cache.set(victim, victim)
                #expect(cache._invariantViolations() == [])
            }
            // Evicting through the wrapped runs: the oldest key goes first.
            let cache = LRUCache<Int, Int>(capacity: 8)
            for key in order { cache.set(key, key) }
            for key in 1_000_000..<1_000_005 { cache.set(key, key) }
            #expect(cache._invariantViolations() == [])
            #expect(cache.peek(order[0]) == nil && cache.peek(order[1]) == nil)
            for key in order.dropFirst(2) { #expect(cache.peek(key) == key) }
        }
    }

    /// A large cache holding few entries holds a small table and room for few nodes; both
    /// double as entries arrive, colliding runs included, up to their sizes for the capacity.
    @Test func theTableGrowsWithTheEntries() {
        let cache = LRUCache<Int, Int>(capacity: 100_000)
        #expect(cache._tablePositions == 1024)
        #expect(cache._nodeCapacity == 1024)
        for key in 0..<10_000 { cache.set(key, key) }
        #expect(cache._tablePositions == 32_768)  // 10,000 entries at most 60% full
        #expect(cache._nodeCapacity == 16_384)
        #expect(cache._invariantViolations() == [])
        for key in 10_000..<250_000 { cache.set(key, key) }
        #expect(cache._tablePositions == 262_144)  // final: 100,000 / 0.6, rounded to a power of two
        #expect(cache._nodeCapacity == 100_000)
        #expect(cache.count == 100_000)
        #expect(cache._invariantViolations() == [])
        #expect((150_000..<250_000).allSatisfy { cache.peek($0) == $0 })

        let colliding = LRUCache<CollidingKey, Int>(capacity: 5_000)
        for id in 0..<5_000 { colliding.set(CollidingKey(id, groups: 50), id) }
        #expect(colliding._invariantViolations() == [])
        #expect((0..<5_000).allSatisfy { colliding.peek(CollidingKey($0, groups: 50)) == $0 })
    }

    @Test func churnLeavesNoResidue() {
        let cache = LRUCache<CollidingKey, Int>(capacity: 16)
        var random = SplitMix64(seed: 7)
        for round in 0..<2_000 {
            let keys = (0..<16).map { _ in CollidingKey(Int.random(in: 0..<40, using: &random), groups: 5) }
            for key in keys { cache.set(key, round) }
            for key in keys.shuffled(using: &random) { _ = cache.remove(key) }
            if round % 97 == 0 { #expect(cache._invariantViolations() == []) }
        }
        #expect(cache.count == 0)
        #expect(cache._invariantViolations() == [])
        cache.set(CollidingKey(1, groups: 5), 1)
        #expect(cache.keysByRecency() == [CollidingKey(1, groups: 5)])
    }

    @Test func removeAllEmptiesTheTable() {
        let cache = LRUCache<CollidingKey, Int>(capacity: 10)
        for id in 0..<25 { cache.set(CollidingKey(id, groups: 2), id) }
        cache.removeAll()
        #expect(cache._invariantViolations() == [])
        for id in 0..<25 { #expect(cache.peek(CollidingKey(id, groups: 2)) == nil) }
        for id in 0..<10 { cache.set(CollidingKey(id, groups: 2), id) }
        #expect(cache._invariantViolations() == [])
        #expect(cache.count == 10)
    }

    /// Keys and values are released exactly once, whichever way they leave: replaced,
    /// evicted (by count or cost), removed, removed all, or with the cache itself.
    @Test func everyKeyAndValueIsReleasedOnce() {
        let live = LiveCount()
        do {
            let cache = LRUCache<Tracked, Tracked>(capacity: 8, maxCost: 20) { _, value in value.id % 7 }
            var random = SplitMix64(seed: 11)
            for step in 0..<3_000 {
                let id = Int.random(in: 0..<24, using: &random)
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<5: cache.set(Tracked(id, live), Tracked(step, live))
                case 5..<7: _ = cache.get(Tracked(id, live))
                case 7..<9: _ = cache.remove(Tracked(id, live))
                default: if step % 50 == 0 { cache.removeAll() }
                }
                #expect(live.value == 2 * cache.count, "step \(step)")
            }
            #expect(cache._invariantViolations() == [])
            #expect(cache.count > 0)
        }
        #expect(live.value == 0)
    }

    /// Seeded random operations, cross-checked step by step against a Dictionary plus an
    /// array in recency order: values, recency, evictions (and their order), costs, statistics.
    @Test(arguments: [
        (capacity: 1, groups: 1, weighed: false),
        (capacity: 3, groups: 2, weighed: false),
        (capacity: 13, groups: 1_000, weighed: false),
        (capacity: 13, groups: 3, weighed: true),
        (capacity: 64, groups: 7, weighed: false),
        (capacity: 64, groups: 1_000, weighed: true),
        (capacity: 200, groups: 1, weighed: false),
    ])
    func matchesADictionaryModel(capacity: Int, groups: Int, weighed: Bool) {
        var random = SplitMix64(seed: UInt64(capacity * 1_000 + groups))
        let maxCost = capacity * 2
        let cache =
            weighed
            ? LRUCache<CollidingKey, Int>(capacity: capacity, maxCost: maxCost) { _, value in value % 5 }
            : LRUCache<CollidingKey, Int>(capacity: capacity)
        var model = ReferenceLRU(capacity: capacity, maxCost: weighed ? maxCost : nil)
        for step in 0..<4_000 {
            let key = CollidingKey(Int.random(in: 0..<(capacity * 3 + 2), using: &random), groups: groups)
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<35:
                #expect(cache.get(key) == model.get(key))
            case 35..<75:
                var evicted: [CollidingKey] = []
                cache.set(key, step) { key, _ in evicted.append(key) }
                #expect(evicted == model.set(key, step), "step \(step)")
            case 75..<90:
                #expect(cache.remove(key) == model.remove(key))
            case 90..<99:
                #expect(cache.peek(key) == model.values[key])
            default:
                cache.removeAll()
                model.removeAll()
            }
            #expect(cache.count == model.values.count)
            if step % 50 == 0 {
                #expect(cache._invariantViolations() == [])
                #expect(cache.keysByRecency() == model.recency)
            }
        }
        #expect(cache._invariantViolations() == [])
        #expect(cache.keysByRecency() == model.recency)
        #expect(cache.totalCost == model.totalCost)
        #expect(cache.statistics == CacheStatistics(hits: model.hits, misses: model.misses, evictions: model.evictions))
    }
}

/// A trivially correct LRU cache: a Dictionary of values and an array of keys, most recent first.
struct ReferenceLRU {
    let capacity: Int
    let maxCost: Int?
    var values: [CollidingKey: Int] = [:]
    var recency: [CollidingKey] = []
    var hits = 0
    var misses = 0
    var evictions = 0

    init(capacity: Int, maxCost: Int?) {
        self.capacity = capacity
        self.maxCost = maxCost
    }

    var totalCost: Int { maxCost == nil ? 0 : values.values.reduce(0) { $0 + $1 % 5 } }

    mutating func touch(_ key: CollidingKey) {
        recency.removeAll { $0 == key }
        recency.insert(key, at: 0)
    }

    mutating func get(_ key: CollidingKey) -> Int? {
        guard let value = values[key] else {
            misses += 1
            return nil
        }
        hits += 1
        touch(key)
        return value
    }

    /// Returns the evicted keys, in eviction order.
    mutating func set(_ key: CollidingKey, _ value: Int) -> [CollidingKey] {
        var evicted: [CollidingKey] = []
        if values[key] == nil && values.count == capacity {
            evicted.append(recency.removeLast())
            values[evicted[0]] = nil
        }
        values[key] = value
        touch(key)
        if let maxCost {
            while totalCost > maxCost && values.count > 1 {
                let victim = recency.removeLast()
                values[victim] = nil
                evicted.append(victim)
            }
        }
        evictions += evicted.count
        return evicted
    }

    mutating func remove(_ key: CollidingKey) -> Int? {
        recency.removeAll { $0 == key }
        return values.removeValue(forKey: key)
    }

    mutating func removeAll() {
        values.removeAll()
        recency.removeAll()
    }
}

/// Every ordering of `elements`.
func permutations(_ elements: [Int]) -> [[Int]] {
    guard elements.count > 1 else { return [elements] }
    return elements.indices.flatMap { index in
        var rest = elements
        let first = rest.remove(at: index)
        return permutations(rest).map { [first] + $0 }
    }
}

/// The number of live `Tracked` instances.
final class LiveCount: Sendable {
    let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
}

/// A key or value that counts its live instances, to catch leaks and double releases.
final class Tracked: Hashable, Sendable {
    let id: Int
    let live: LiveCount

    init(_ id: Int, _ live: LiveCount) {
        self.id = id
        self.live = live
        live.count.add(1, ordering: .relaxed)
    }

    deinit { live.count.subtract(1, ordering: .relaxed) }

    static func == (left: Tracked, right: Tracked) -> Bool { left.id == right.id }
    func hash(into hasher: inout Hasher) { hasher.combine(id) }
}
