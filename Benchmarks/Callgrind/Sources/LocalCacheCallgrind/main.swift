import Dispatch
import StrataCache
import StrataHotCold
import StrataLRU
import StrataTTL

// `LocalCacheCallgrind <operation> <count>`: builds 10,000-entry structures, then performs
// `count` operations. callgrind.sh runs it with 0 and with N operations and divides the
// difference by N: the instructions of one operation, setup excluded.
#if canImport(Glibc)
    import Glibc
#endif

@inline(never)
func sink<T>(_ value: T) { withExtendedLifetime(value) {} }

/// This thread's CPU time, in seconds.
func threadSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

let arguments = CommandLine.arguments

// `LocalCacheCallgrind scaling <rounds> [hits]`: wall time, not instructions. 200,000 get hits (or `hits`) on a
// 100,000-entry StripedLRUCache (and an LRUCache, one lock) on one thread, then shared by two,
// alternating for `rounds` rounds; prints the best wall time of each (the round the machine's
// other work disturbed least), two threads' speedup, and the median CPU time per hit.
if arguments.count >= 3, arguments[1] == "scaling", let rounds = Int(arguments[2]) {
    let hitsPerRound = arguments.count > 3 ? Int(arguments[3]) ?? 200_000 : 200_000
    let entries = 100_000
    var random = SplitMix64(seed: 11)
    let order = Array(0..<entries).shuffled(using: &random)
    let striped = StripedLRUCache<Int, Int>(capacity: entries, stripes: 16)
    let single = LRUCache<Int, Int>(capacity: entries)
    for key in 0..<entries {
        striped.set(key, key)
        single.set(key, key)
    }
    /// The wall time of the 200,000 hits, and the CPU time the threads spent on them.
    func hits<Cache: LocalStore<Int, Int>>(_ cache: Cache, threads: Int) -> (wall: Double, cpu: Double) {
        nonisolated(unsafe) let cpu = UnsafeMutablePointer<Double>.allocate(capacity: threads)
        defer { cpu.deallocate() }
        let clock = ContinuousClock()
        let wall = clock.measure {
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                let start = threadSeconds()
                var position = thread * entries / threads
                var total = 0
                for _ in 0..<(hitsPerRound / threads) {
                    total &+= cache.get(order[position]) ?? 0
                    position = position + 1 == entries ? 0 : position + 1
                }
                sink(total)
                cpu[thread] = threadSeconds() - start
            }
        }
        return (
            Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18,
            (0..<threads).reduce(0) { $0 + cpu[$1] }
        )
    }
    func report<Cache: LocalStore<Int, Int>>(_ name: String, _ cache: Cache) {
        var wall: [[Double]] = [[], []]
        var cpu: [[Double]] = [[], []]
        for _ in 0..<rounds {
            for threads in [1, 2] {
                let (w, c) = hits(cache, threads: threads)
                wall[threads - 1].append(w)
                cpu[threads - 1].append(c)
            }
        }
        func ns(_ seconds: Double) -> Int { Int(seconds * 1e9 / Double(hitsPerRound)) }
        let best = wall.map { $0.min()! }
        let median = cpu.map { $0.sorted()[$0.count / 2] }
        // CPU per hit that grows with two threads means contention; equal means the threads did
        // not slow each other (or did not overlap, on a machine without a free core).
        print(
            "\(name): best wall \(ns(best[0])) / \(ns(best[1])) ns per hit (1 / 2 threads), "
                + "speedup \((best[0] / best[1] * 100).rounded() / 100)x; "
                + "median CPU \(ns(median[0])) / \(ns(median[1])) ns per hit"
        )
    }
    report("StripedLRUCache", striped)
    report("LRUCache (one lock)", single)
    exit(0)
}
guard arguments.count == 3, let operations = Int(arguments[2]) else {
    fatalError(
        "usage: LocalCacheCallgrind dict|lru-hit|striped-hit|ttl-hit|hot-hit|dict-insert|lru-set|striped-set|ttl-set|ttl-reset|hot-miss <count>"
    )
}
let operation = arguments[1]
let size = 10_000
var random = SplitMix64(seed: 7)
let order = Array(0..<size).shuffled(using: &random)

var dictionary = [Int: Int](minimumCapacity: size + operations)
let lru = LRUCache<Int, Int>(capacity: size)
let striped = StripedLRUCache<Int, Int>(capacity: size, stripes: 16)
let ttl = TTLCache(base: LRUCache<Int, Expiring<Int>>(capacity: size), defaultTTL: .seconds(86_400))
let hot = HotSet<Int, Int>(capacity: size)
/// A read through the hot set as an application does it: a miss offers the value.
@inline(__always)
func read(_ key: Int) -> Int {
    switch hot.lookup(key) {
    case .hit(let value): return value
    case .miss(let ticket):
        hot.offer(key, key, ticket: ticket)
        return key
    }
}
for key in 0..<size {
    switch operation {
    case "dict", "dict-insert": dictionary[key] = key
    case "lru-hit", "lru-set": lru.set(key, key)
    case "striped-hit", "striped-set": striped.set(key, key)
    case "hot-hit", "hot-miss": _ = read(key)
    default: ttl.set(key, key)
    }
}
if operation == "hot-hit" {
    // Every key read a few times, so all of them are hot copies (the window admits them).
    for _ in 0..<3 { for key in order { _ = read(key) } }
    precondition(hot.count == size)
}
var total = 0
var fresh = size
switch operation {
case "dict":
    for index in 0..<operations { total &+= dictionary[order[index % size]] ?? 0 }
case "lru-hit":
    for index in 0..<operations { total &+= lru.get(order[index % size]) ?? 0 }
case "striped-hit":
    for index in 0..<operations { total &+= striped.get(order[index % size]) ?? 0 }
case "ttl-hit":
    for index in 0..<operations { total &+= ttl.get(order[index % size]) ?? 0 }
case "hot-hit":
    for index in 0..<operations {
        if case .hit(let value) = hot.lookup(order[index % size]) { total &+= value }
    }
case "dict-insert":
    // Into a dictionary reserved for all of them: no growth.
    for _ in 0..<operations {
        dictionary[fresh] = fresh
        fresh += 1
    }
case "lru-set":
    // New keys into a full cache: each evicts one.
    for _ in 0..<operations {
        lru.set(fresh, fresh)
        fresh += 1
    }
case "striped-set":
    for _ in 0..<operations {
        striped.set(fresh, fresh)
        fresh += 1
    }
case "ttl-set":
    for _ in 0..<operations {
        ttl.set(fresh, fresh)
        fresh += 1
    }
case "ttl-reset":
    // The same keys again: no eviction, every set leaves a stale heap pair behind.
    for index in 0..<operations { ttl.set(order[index % size], index) }
case "hot-miss":
    // New keys into a full hot set: a miss, then an offer that evicts one entry.
    for _ in 0..<operations {
        total &+= read(fresh)
        fresh += 1
    }
default:
    fatalError("unknown operation \(operation)")
}
sink(total)
