import StrataCache
import StrataLRU
import StrataTestSupport
import Synchronization
import Testing

@Suite(.cpuBound)
struct LRUCacheTests {
    @Test func getSetPeekRemove() {
        let cache = LRUCache<String, Int>(capacity: 3)
        #expect(cache.get("a") == nil)
        cache.set("a", 1)
        cache.set("b", 2)
        #expect(cache.get("a") == 1)
        #expect(cache.peek("b") == 2)
        #expect(cache.remove("a") == 1)
        #expect(cache.remove("a") == nil)
        #expect(cache.count == 1)
        #expect(cache.statistics == CacheStatistics(hits: 1, misses: 1))
    }

    @Test func evictsTheLeastRecentlyUsed() {
        let evicted = Mutex<[String]>([])
        let cache = LRUCache<String, Int>(capacity: 3) { key, _ in evicted.withLock { $0.append(key) } }
        for (index, key) in ["a", "b", "c"].enumerated() { cache.set(key, index) }
        _ = cache.get("a")  // order now a, c, b
        cache.set("d", 3)  // evicts b
        #expect(cache.keysByRecency() == ["d", "a", "c"])
        _ = cache.peek("c")  // peek does not refresh
        cache.set("e", 4)  // evicts c
        #expect(evicted.withLock { $0 } == ["b", "c"])
        #expect(cache.statistics.evictions == 2)
    }

    @Test func aReadingGetIsAGet() {
        let cache = LRUCache<String, [Int]>(capacity: 2)
        #expect(cache.get("a", reading: { $0.count }) == nil)
        cache.set("a", [1, 2, 3])
        cache.set("b", [4])
        #expect(cache.get("a", reading: { $0.count }) == 3)  // order now a, b
        cache.set("c", [5])  // evicts b, not a
        #expect(cache.keysByRecency() == ["c", "a"])
        #expect(cache.statistics == CacheStatistics(hits: 1, misses: 1, evictions: 1))
    }

    @Test func replacingAValueDoesNotEvict() {
        let cache = LRUCache<Int, Int>(capacity: 2)
        cache.set(1, 1)
        cache.set(2, 2)
        cache.set(1, 10)
        #expect(cache.count == 2)
        #expect(cache.keysByRecency() == [1, 2])
        #expect(cache.peek(1) == 10)
        #expect(cache.statistics.evictions == 0)
    }

    @Test func setReportsEvictedEntriesToTheCaller() {
        let cache = LRUCache<Int, String>(capacity: 1)
        cache.set(1, "one")
        var seen: [(Int, String)] = []
        cache.set(2, "two") { seen.append(($0, $1)) }
        #expect(seen.count == 1)
        #expect(seen.first?.0 == 1 && seen.first?.1 == "one")
    }

    @Test func listenerMayCallBackIntoTheCache() {
        // The listener runs after the lock is released, so re-entering cannot deadlock.
        let box = Mutex<LRUCache<Int, Int>?>(nil)
        let counts = Mutex<[Int]>([])
        let cache = LRUCache<Int, Int>(capacity: 1) { _, _ in
            let count = box.withLock { $0 }?.count ?? -1
            counts.withLock { $0.append(count) }
        }
        box.withLock { $0 = cache }
        cache.set(1, 1)
        cache.set(2, 2)
        #expect(counts.withLock { $0 } == [1])
    }

    @Test func costBoundEvictsUntilTheTotalFits() {
        let cache = LRUCache<String, [UInt8]>(capacity: 100, maxCost: 10) { _, value in value.count }
        cache.set("a", [UInt8](repeating: 0, count: 4))
        cache.set("b", [UInt8](repeating: 0, count: 4))
        var evicted: [String] = []
        cache.set("c", [UInt8](repeating: 0, count: 8)) { key, _ in evicted.append(key) }
        #expect(evicted == ["a", "b"])
        #expect(cache.totalCost == 8)
        cache.set("c", [1])  // replacing updates the cost
        #expect(cache.totalCost == 1)
        cache.set("huge", [UInt8](repeating: 0, count: 50))  // alone, over the bound
        #expect(cache.keysByRecency() == ["huge"])
        #expect(cache.totalCost == 50)
        #expect(cache.remove("huge")?.count == 50)
        #expect(cache.totalCost == 0)
    }

    @Test func removeAllEmptiesButKeepsStatistics() {
        let cache = LRUCache<Int, Int>(capacity: 4)
        for key in 0..<4 { cache.set(key, key) }
        _ = cache.get(1)
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.get(1) == nil)
        #expect(cache.statistics.hits == 1)
        cache.set(9, 9)
        #expect(cache.keysByRecency() == [9])
    }

    /// Random operations against a trivially correct model (an array in recency order).
    @Test(arguments: [1, 2, 7, 64])
    func matchesAReferenceModel(capacity: Int) {
        var random = SplitMix64(seed: UInt64(capacity))
        let cache = LRUCache<Int, Int>(capacity: capacity)
        var model: [(key: Int, value: Int)] = []  // most recent first
        for step in 0..<5_000 {
            let key = Int.random(in: 0..<(capacity * 2 + 1), using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:
                let expected = model.firstIndex { $0.key == key }.map { model.remove(at: $0) }
                if let expected { model.insert(expected, at: 0) }
                #expect(cache.get(key) == expected?.value)
            case 4..<8:
                model.removeAll { $0.key == key }
                model.insert((key, step), at: 0)
                if model.count > capacity { model.removeLast() }
                cache.set(key, step)
            case 8:
                let expected = model.firstIndex { $0.key == key }.map { model.remove(at: $0).value }
                #expect(cache.remove(key) == expected)
            default:
                #expect(cache.peek(key) == model.first { $0.key == key }?.value)
            }
            #expect(cache.count == model.count)
        }
        #expect(cache.keysByRecency() == model.map(\.key))
    }
}

@Suite(.cpuBound)
struct StripedLRUCacheTests {
    @Test func spreadsCapacityOverStripes() {
        let cache = StripedLRUCache<Int, Int>(capacity: 1_000, stripes: 5)
        #expect(cache.stripeCount == 8)
        #expect(cache.capacity == 1_000)
        for key in 0..<10_000 { cache.set(key, key) }
        #expect(cache.count <= cache.capacity)
        #expect(cache.count > 900)
        #expect(cache.statistics.evictions == 10_000 - cache.count)
    }

    @Test func behavesLikeAStore() {
        let cache = StripedLRUCache<String, Int>(capacity: 64)
        cache.set("a", 1)
        #expect(cache.get("a") == 1)
        #expect(cache.peek("a") == 1)
        #expect(cache.get("b") == nil)
        #expect(cache.remove("a") == 1)
        cache.set("c", 3)
        cache.removeAll()
        #expect(cache.count == 0)
        #expect(cache.statistics.hits == 1 && cache.statistics.misses == 1)
    }
}

@Suite(.cpuBound)
struct LRUConcurrencyTests {
    @Test func manyTasksShareOneCache() async {
        let cache = LRUCache<Int, Int>(capacity: 256)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(task))
                    for _ in 0..<5_000 {
                        let key = Int.random(in: 0..<512, using: &random)
                        if cache.get(key) == nil { cache.set(key, key) }
                        if key % 97 == 0 { cache.remove(key) }
                    }
                }
            }
        }
        let stats = cache.statistics
        #expect(stats.requests == 40_000)
        #expect(cache.count <= 256)
        for key in cache.keysByRecency() { #expect(cache.peek(key) == key) }
    }

    @Test func manyTasksShareAStripedCache() async {
        let cache = StripedLRUCache<Int, Int>(capacity: 1_024, stripes: 8)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(task) + 100)
                    for _ in 0..<5_000 {
                        let key = Int.random(in: 0..<2_048, using: &random)
                        if cache.get(key) == nil { cache.set(key, key * 2) }
                    }
                }
            }
        }
        #expect(cache.statistics.requests == 40_000)
        #expect(cache.count <= cache.capacity)
    }
}
