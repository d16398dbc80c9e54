// The local cache layers' hot paths, each next to the Dictionary operation it is judged
// against, measured in the same run. Every iteration performs 1,000 operations
// (scalingFactor .kilo); times are reported per operation.
//
// Each structure is built once, lazily (Swift globals), so iterations measure only the
// operations. Two working-set sizes: 10,000 entries (fits in the CPU caches: the cost of the
// code) and 1,000,000 entries (mostly misses the CPU caches: the cost of memory traffic).

import Benchmark
import Dispatch
import StrataCache
import StrataHotCold
import StrataLRU
import StrataTTL

/// A fixed pseudo-random permutation of 0..<count, so lookups do not walk memory in order.
func shuffledKeys(_ count: Int) -> [Int] {
    var random = SplitMix64(seed: UInt64(count))
    return Array(0..<count).shuffled(using: &random)
}

/// A position in a key order that survives between iterations (benchmarks run one at a time).
final class Cursor: @unchecked Sendable {
    let keys: [Int]
    var position = 0

    init(_ keys: [Int]) { self.keys = keys }

    @inline(__always)
    func next() -> Int {
        let key = keys[position]
        position = position + 1 == keys.count ? 0 : position + 1
        return key
    }
}

/// A dictionary that benchmark iterations mutate in place.
final class DictionaryBox: @unchecked Sendable {
    var dictionary: [Int: Int]

    init(_ dictionary: [Int: Int]) {
        self.dictionary = dictionary
        self.dictionary.reserveCapacity(dictionary.count + 1_000)
    }
}

/// A counter of fresh keys, for inserts.
final class Fresh: @unchecked Sendable {
    var next: Int
    init(after count: Int) { next = count }
}

struct Structures: Sendable {
    let size: Int
    let order: [Int]
    let dictionary: [Int: Int]
    let lru: LRUCache<Int, Int>
    let striped: StripedLRUCache<Int, Int>
    let ttl: TTLCache<Int, LRUCache<Int, Expiring<Int>>>
    let coarseTTL: TTLCache<Int, LRUCache<Int, Expiring<Int>>>
    let hot: HotSet<Int, Int>

    init(size: Int) {
        self.size = size
        order = shuffledKeys(size)
        var dictionary = [Int: Int](minimumCapacity: size)
        for key in 0..<size { dictionary[key] = key }
        self.dictionary = dictionary
        lru = LRUCache(capacity: size)
        striped = StripedLRUCache(capacity: size, stripes: 16)
        ttl = TTLCache(base: LRUCache(capacity: size), defaultTTL: .seconds(86_400))
        coarseTTL = TTLCache(
            base: LRUCache(capacity: size), defaultTTL: .seconds(86_400), clock: CoarseCacheClock())
        hot = HotSet(capacity: size)
        for key in 0..<size {
            lru.set(key, key)
            striped.set(key, key)
            ttl.set(key, key)
            coarseTTL.set(key, key)
        }
        for _ in 0..<3 {
            for key in order {
                if case .miss(let ticket) = hot.lookup(key) { hot.offer(key, key, ticket: ticket) }
            }
        }
    }
}

let small = Structures(size: 10_000)
let large = Structures(size: 1_000_000)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 100_000
    )

    for s in [small, large] {
        let n = s.size == 10_000 ? "10k" : "1M"

        // MARK: get hit vs Dictionary lookup

        let dictionaryCursor = Cursor(s.order)
        Benchmark("\(n): Dictionary<Int, Int> lookup (reference)") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(s.dictionary[dictionaryCursor.next()]) }
        }

        let lruCursor = Cursor(s.order)
        Benchmark("\(n): LRUCache<Int, Int> get hit") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(s.lru.get(lruCursor.next())) }
        }

        let stripedCursor = Cursor(s.order)
        Benchmark("\(n): StripedLRUCache<Int, Int> get hit") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(s.striped.get(stripedCursor.next())) }
        }

        let ttlCursor = Cursor(s.order)
        Benchmark("\(n): TTLCache over LRU get hit") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(s.ttl.get(ttlCursor.next())) }
        }

        let coarseCursor = Cursor(s.order)
        Benchmark("\(n): TTLCache over LRU get hit, coarse clock") { benchmark in
            for _ in benchmark.scaledIterations { blackHole(s.coarseTTL.get(coarseCursor.next())) }
        }

        let hotCursor = Cursor(s.order)
        Benchmark("\(n): HotSet<Int, Int> lookup hit") { benchmark in
            for _ in benchmark.scaledIterations {
                if case .hit(let value) = s.hot.lookup(hotCursor.next()) { blackHole(value) }
            }
        }

        // MARK: set with eviction vs Dictionary insert

        let dictionaryFresh = Fresh(after: s.size)
        let growing = DictionaryBox(s.dictionary)
        Benchmark("\(n): Dictionary<Int, Int> insert (reference)") { benchmark in
            // 1,000 new keys into a dictionary of the same size; taken out again unmeasured.
            let first = dictionaryFresh.next
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                growing.dictionary[dictionaryFresh.next] = dictionaryFresh.next
                dictionaryFresh.next += 1
            }
            benchmark.stopMeasurement()
            for key in first..<dictionaryFresh.next { growing.dictionary[key] = nil }
        }

        let boundedFresh = Fresh(after: s.size)
        let bounded = DictionaryBox(s.dictionary)
        Benchmark("\(n): Dictionary<Int, Int> insert + remove oldest (reference)") { benchmark in
            // What any Dictionary-indexed bounded cache must do per new key: insert it and
            // remove the key that leaves (the oldest, here), keeping the size constant.
            for _ in benchmark.scaledIterations {
                let key = boundedFresh.next
                bounded.dictionary[key] = key
                bounded.dictionary[key - s.size] = nil
                boundedFresh.next += 1
            }
        }

        let lruFresh = Fresh(after: s.size)
        Benchmark("\(n): LRUCache<Int, Int> set with eviction") { benchmark in
            for _ in benchmark.scaledIterations {
                s.lru.set(lruFresh.next, lruFresh.next)
                lruFresh.next += 1
            }
        }

        let ttlFresh = Fresh(after: s.size)
        Benchmark("\(n): TTLCache over LRU set with eviction") { benchmark in
            for _ in benchmark.scaledIterations {
                s.ttl.set(ttlFresh.next, ttlFresh.next)
                ttlFresh.next += 1
            }
        }

        let hotFresh = Fresh(after: s.size)
        Benchmark("\(n): HotSet<Int, Int> miss + offer") { benchmark in
            for _ in benchmark.scaledIterations {
                let key = hotFresh.next
                if case .miss(let ticket) = s.hot.lookup(key) { s.hot.offer(key, key, ticket: ticket) }
                hotFresh.next += 1
            }
        }
    }

    // MARK: striped LRU, one thread vs two (same total work: 200,000 get hits)

    let contended = Structures(size: 100_000)
    let threads: [(String, Int)] = [("1 thread x 200k", 1), ("2 threads x 100k", 2)]
    let contendedConfiguration = Benchmark.Configuration(
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 200
    )
    for (label, count) in threads {
        Benchmark("StripedLRUCache get hit, \(label)", configuration: contendedConfiguration) { _ in
            getHits(on: contended.striped, threads: count, order: contended.order)
        }
        Benchmark("LRUCache (one lock) get hit, \(label)", configuration: contendedConfiguration) { _ in
            getHits(on: contended.lru, threads: count, order: contended.order)
        }
    }
}

/// 200,000 get hits on `cache`, shared out over `threads` threads that start at different keys.
func getHits<Cache: LocalStore<Int, Int>>(on cache: Cache, threads: Int, order: [Int]) {
    DispatchQueue.concurrentPerform(iterations: threads) { thread in
        let cursor = Cursor(order)
        cursor.position = thread * order.count / threads
        for _ in 0..<(200_000 / threads) { blackHole(cache.get(cursor.next())) }
    }
}
