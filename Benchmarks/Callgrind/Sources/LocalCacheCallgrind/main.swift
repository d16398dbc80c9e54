// `LocalCacheCallgrind <operation> <count>`: builds 10,000-entry structures, then performs
// `count` operations. callgrind.sh runs it with 0 and with N operations and divides the
// difference by N: the instructions of one operation, setup excluded.
import StrataCache
import StrataHotCold
import StrataLRU
import StrataTTL

@inline(never)
func sink<T>(_ value: T) { withExtendedLifetime(value) {} }

let arguments = CommandLine.arguments
guard arguments.count == 3, let operations = Int(arguments[2]) else {
    fatalError(
        "usage: LocalCacheCallgrind dict|lru-hit|ttl-hit|hot-hit|dict-insert|lru-set|ttl-set|ttl-reset|hot-miss <count>"
    )
}
let operation = arguments[1]
let size = 10_000
var random = SplitMix64(seed: 7)
let order = Array(0..<size).shuffled(using: &random)

var dictionary = [Int: Int](minimumCapacity: size + operations)
let lru = LRUCache<Int, Int>(capacity: size)
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
