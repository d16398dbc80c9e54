// Bytes per entry of the local caches, against a Dictionary holding the same data.
//
// Heap use is read from glibc's malloc statistics (mallinfo2: bytes in use in the arena plus
// bytes in mmapped blocks) before and after building each structure; keys and values are
// created inside the measured region, so their own storage counts for every structure alike.
// Single-threaded, so everything lands in the main arena.
//
//   cd Benchmarks && swift run -c release LocalCacheMemory

import CMallocStats
import StrataCache
import StrataHotCold
import StrataLRU
import StrataTTL

func heapInUse() -> Int {
    let bytes = Int(strata_heap_bytes_in_use())
    precondition(bytes > 0, "LocalCacheMemory needs glibc's mallinfo2")
    return bytes
}

/// Builds a structure with `build`, keeps it alive while measuring, returns bytes per entry.
func measure<T>(_ name: String, entries: Int, reference: Double? = nil, _ build: () -> T) -> Double {
    let before = heapInUse()
    let structure = build()
    let after = heapInUse()
    withExtendedLifetime(structure) {}
    let perEntry = Double(after - before) / Double(entries)
    var line = name.padding(to: 58) + String(format1: perEntry).leftPadded(to: 8) + " bytes/entry"
    if let reference { line += "   x" + String(format1: perEntry / reference) + " the Dictionary" }
    print(line)
    return perEntry
}

func key(_ index: Int) -> String {
    // 17 bytes: too long for Swift's inline small strings, as most real keys are.
    let digits = String(index)
    return "object:" + String(repeating: "0", count: 10 - digits.count) + digits
}

func value(_ index: Int) -> [UInt8] {
    [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: 100)
}

let million = 1_000_000
print("Int -> Int, \(million) entries")
let intDictionary = measure("  Dictionary<Int, Int> (grown by inserting)", entries: million) {
    var dictionary: [Int: Int] = [:]
    for index in 0..<million { dictionary[index] = index }
    return dictionary
}
_ = measure("  Dictionary<Int, Int>(minimumCapacity:)", entries: million) {
    var dictionary = [Int: Int](minimumCapacity: million)
    for index in 0..<million { dictionary[index] = index }
    return dictionary
}
_ = measure("  LRUCache<Int, Int>", entries: million, reference: intDictionary) {
    let cache = LRUCache<Int, Int>(capacity: million)
    for index in 0..<million { cache.set(index, index) }
    return cache
}
_ = measure("  StripedLRUCache<Int, Int> (16 stripes)", entries: million, reference: intDictionary) {
    let cache = StripedLRUCache<Int, Int>(capacity: million, stripes: 16)
    for index in 0..<million { cache.set(index, index) }
    return cache
}
_ = measure("  TTLCache over LRUCache<Int, Expiring<Int>>", entries: million, reference: intDictionary) {
    let cache = TTLCache(base: LRUCache<Int, Expiring<Int>>(capacity: million), defaultTTL: .seconds(60))
    for index in 0..<million { cache.set(index, index) }
    return cache
}
_ = measure("  HotSet<Int, Int> (incl. frequency sketch)", entries: million, reference: intDictionary) {
    let hot = HotSet<Int, Int>(capacity: million)
    for index in 0..<million {
        if case .miss(let ticket) = hot.lookup(index) { hot.offer(index, index, ticket: ticket) }
    }
    return hot
}

let hundredThousand = 100_000
print("String -> [UInt8] (17-byte keys, 100-byte values), \(hundredThousand) entries")
let bytesDictionary = measure("  Dictionary<String, [UInt8]> (grown by inserting)", entries: hundredThousand) {
    var dictionary: [String: [UInt8]] = [:]
    for index in 0..<hundredThousand { dictionary[key(index)] = value(index) }
    return dictionary
}
_ = measure("  LRUCache<String, [UInt8]>", entries: hundredThousand, reference: bytesDictionary) {
    let cache = LRUCache<String, [UInt8]>(capacity: hundredThousand)
    for index in 0..<hundredThousand { cache.set(key(index), value(index)) }
    return cache
}
_ = measure("  LRUCache<String, [UInt8]> with a byte weigher", entries: hundredThousand, reference: bytesDictionary) {
    let cache = LRUCache<String, [UInt8]>(capacity: hundredThousand, maxCost: 1 << 30) { _, value in value.count }
    for index in 0..<hundredThousand { cache.set(key(index), value(index)) }
    return cache
}

extension String {
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }

    func padding(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }

    func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
