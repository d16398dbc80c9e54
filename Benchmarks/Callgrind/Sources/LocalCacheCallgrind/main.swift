// `LocalCacheCallgrind <operation> <count>`: builds 10,000-entry structures, then performs
// `count` operations. callgrind.sh runs it with 0 and with N operations and divides the
// difference by N: the instructions of one operation, setup excluded.
import StrataCache
import StrataLRU
import StrataTTL

@inline(never)
func sink<T>(_ value: T) { withExtendedLifetime(value) {} }

let arguments = CommandLine.arguments
guard arguments.count == 3, let operations = Int(arguments[2]) else {
    fatalError(
        "usage: LocalCacheCallgrind dict|lru-hit|striped-hit|ttl-hit|dict-insert|lru-set|striped-set|ttl-set|ttl-reset <count>"
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
for key in 0..<size {
    switch operation {
    case "dict", "dict-insert": dictionary[key] = key
    case "lru-hit", "lru-set": lru.set(key, key)
    case "striped-hit", "striped-set": striped.set(key, key)
    default: ttl.set(key, key)
    }
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
default:
    fatalError("unknown operation \(operation)")
}
sink(total)
