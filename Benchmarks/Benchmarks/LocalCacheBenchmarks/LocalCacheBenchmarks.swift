// The local cache layers' hot paths, each next to the Dictionary operation it is judged
// against, measured in the same run. Every benchmark iteration performs 1,000 operations
// (scalingFactor .kilo), so wall clock per iteration is the time of 1,000 operations.

import Benchmark
import Dispatch
import StrataCache
import StrataHotCold
import StrataLRU
import StrataTTL

/// Entries in every pre-filled structure: big enough to leave the L1/L2 caches, like a real cache.
let entries = 100_000

/// A fixed pseudo-random order over the keys 0..<entries, so lookups do not walk memory in order.
let lookupOrder: [Int] = {
    var random = SplitMix64(seed: 1)
    return Array(0..<entries).shuffled(using: &random)
}()

/// A cursor over `lookupOrder` that each benchmark owns.
struct Cursor {
    var position = 0

    mutating func next() -> Int {
        let key = lookupOrder[position]
        position = position + 1 == entries ? 0 : position + 1
        return key
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .cpuTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )

    // MARK: get hit vs Dictionary lookup

    Benchmark("Dictionary<Int, Int> lookup (reference)") { benchmark in
        var dictionary = [Int: Int](minimumCapacity: entries)
        for key in 0..<entries { dictionary[key] = key }
        var cursor = Cursor()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(dictionary[cursor.next()])
        }
    }

    Benchmark("LRUCache<Int, Int> get hit") { benchmark in
        let cache = LRUCache<Int, Int>(capacity: entries)
        for key in 0..<entries { cache.set(key, key) }
        var cursor = Cursor()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(cache.get(cursor.next()))
        }
    }

    // MARK: set with eviction vs Dictionary insert

    Benchmark("Dictionary<Int, Int> insert (reference)") { benchmark in
        // Insert 1,000 new keys into a dictionary of `entries`; they are taken out again
        // outside the measurement so its size stays the same.
        var dictionary = [Int: Int](minimumCapacity: entries + 1_000)
        for key in 0..<entries { dictionary[key] = key }
        var next = entries
        for _ in benchmark.scaledIterations {
            let first = next
            benchmark.startMeasurement()
            for _ in 0..<1_000 {
                dictionary[next] = next
                next += 1
            }
            benchmark.stopMeasurement()
            for key in first..<next { dictionary[key] = nil }
        }
    }

    Benchmark("LRUCache<Int, Int> set with eviction") { benchmark in
        let cache = LRUCache<Int, Int>(capacity: entries)
        for key in 0..<entries { cache.set(key, key) }
        var next = entries
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            cache.set(next, next)
            next += 1
        }
    }

    // MARK: striped LRU, one thread vs two

    let stripedWork = 100_000
    Benchmark(
        "StripedLRUCache get hit, 1 thread x 200k",
        configuration: .init(scalingFactor: .one, maxIterations: 200)
    ) { benchmark in
        let cache = StripedLRUCache<Int, Int>(capacity: entries, stripes: 16)
        for key in 0..<entries { cache.set(key, key) }
        benchmark.startMeasurement()
        var cursor = Cursor()
        for _ in 0..<(2 * stripedWork) { blackHole(cache.get(cursor.next())) }
    }

    Benchmark(
        "StripedLRUCache get hit, 2 threads x 100k",
        configuration: .init(scalingFactor: .one, maxIterations: 200)
    ) { benchmark in
        let cache = StripedLRUCache<Int, Int>(capacity: entries, stripes: 16)
        for key in 0..<entries { cache.set(key, key) }
        benchmark.startMeasurement()
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            var cursor = Cursor(position: thread * entries / 2)
            for _ in 0..<stripedWork { blackHole(cache.get(cursor.next())) }
        }
    }

    Benchmark(
        "LRUCache (one lock) get hit, 2 threads x 100k",
        configuration: .init(scalingFactor: .one, maxIterations: 200)
    ) { benchmark in
        let cache = LRUCache<Int, Int>(capacity: entries)
        for key in 0..<entries { cache.set(key, key) }
        benchmark.startMeasurement()
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            var cursor = Cursor(position: thread * entries / 2)
            for _ in 0..<stripedWork { blackHole(cache.get(cursor.next())) }
        }
    }

    // MARK: TTL

    Benchmark("TTLCache<Int> over LRU get hit") { benchmark in
        let cache = TTLCache(base: LRUCache<Int, Expiring<Int>>(capacity: entries), defaultTTL: .seconds(3600))
        for key in 0..<entries { cache.set(key, key) }
        var cursor = Cursor()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(cache.get(cursor.next()))
        }
    }

    Benchmark("TTLCache<Int> over LRU set with eviction") { benchmark in
        let cache = TTLCache(
            base: LRUCache<Int, Expiring<Int>>(capacity: entries),
            defaultTTL: .seconds(3600),
            jitter: 0.1
        )
        for key in 0..<entries { cache.set(key, key) }
        var next = entries
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            cache.set(next, next)
            next += 1
        }
    }

    // MARK: hot/cold

    Benchmark("HotSet<Int, Int> lookup hit") { benchmark in
        let hot = HotSet<Int, Int>(capacity: entries)
        for _ in 0..<2 {
            for key in 0..<entries {
                if case .miss(let ticket) = hot.lookup(key) { hot.offer(key, key, ticket: ticket) }
            }
        }
        var cursor = Cursor()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            if case .hit(let value) = hot.lookup(cursor.next()) { blackHole(value) }
        }
    }

    Benchmark("HotSet<Int, Int> miss + offer (admission)") { benchmark in
        let hot = HotSet<Int, Int>(capacity: entries)
        for key in 0..<entries {
            if case .miss(let ticket) = hot.lookup(key) { hot.offer(key, key, ticket: ticket) }
        }
        var next = entries
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            if case .miss(let ticket) = hot.lookup(next) { hot.offer(next, next, ticket: ticket) }
            next += 1
        }
    }
}
