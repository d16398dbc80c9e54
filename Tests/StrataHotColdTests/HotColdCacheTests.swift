import StrataCache
import StrataHotCold
import StrataLRU
import StrataSync
import StrataTestSupport
import Synchronization
import Testing

/// A colder tier that counts reads and can run a hook in the middle of one.
final class CountingTier: CacheTier {
    let store = LRUCache<String, Int>(capacity: 1_000)
    let reads = Atomic<Int>(0)
    let duringRead = StrataMutex<(@Sendable () async -> Void)?>(nil)

    func get(_ key: String) async throws -> Int? {
        reads.add(1, ordering: .relaxed)
        let value = store.get(key)
        if let hook = duringRead.withLock({ hook in
            defer { hook = nil }
            return hook
        }) {
            await hook()
        }
        return value
    }

    func set(_ key: String, _ value: Int, ttl: Duration?) async throws { store.set(key, value) }
    func remove(_ key: String) async throws { store.remove(key) }
}

@Suite(.cpuBound)
struct HotColdCacheTests {
    @Test func readsThroughAndServesHotCopies() async throws {
        let cold = CountingTier()
        let cache = HotColdCache(cold: cold, hotCapacity: 10)
        try await cold.set("a", 1, ttl: nil)
        #expect(try await cache.get("a") == 1)
        #expect(try await cache.get("a") == 1)
        #expect(try await cache.get("a") == 1)
        #expect(cold.reads.load(ordering: .relaxed) == 1)
        #expect(try await cache.get("missing") == nil)
    }

    @Test func writesThroughTheCacheDropTheHotCopy() async throws {
        let cold = CountingTier()
        let cache = HotColdCache(cold: cold, hotCapacity: 10)
        try await cache.set("a", 1, ttl: nil)
        #expect(try await cache.get("a") == 1)
        try await cache.set("a", 2, ttl: nil)
        #expect(try await cache.get("a") == 2)
        try await cache.remove("a")
        #expect(try await cache.get("a") == nil)
    }

    @Test func aWriteDuringAColdReadIsNotShadowedByTheStaleValue() async throws {
        let cold = CountingTier()
        let cache = HotColdCache(cold: cold, hotCapacity: 10)
        try await cold.set("a", 1, ttl: nil)
        // While the first reader is inside the colder tier, another caller writes 2.
        cold.duringRead.withLock { $0 = { try? await cache.set("a", 2, ttl: nil) } }
        #expect(try await cache.get("a") == 1)  // it read the old value...
        #expect(try await cache.get("a") == 2)  // ...but did not promote it
    }

    @Test func hotCopiesExpireWithTheirTTL() async throws {
        let clock = ManualClock()
        let cold = CountingTier()
        let cache = HotColdCache(cold: cold, hotCapacity: 10, hotTTL: .seconds(1), clock: clock)
        try await cold.set("a", 1, ttl: nil)
        _ = try await cache.get("a")
        _ = try await cache.get("a")
        #expect(cold.reads.load(ordering: .relaxed) == 1)
        clock.advance(by: .seconds(2))
        cold.store.set("a", 5)  // changed behind the cache's back
        #expect(try await cache.get("a") == 5)
        cache.invalidate("a")
        #expect(try await cache.get("a") == 5)
        #expect(cold.reads.load(ordering: .relaxed) == 3)
    }

    @Test func manyTasksReadWriteAndInvalidate() async throws {
        let cold = CountingTier()
        let cache = HotColdCache(cold: cold, hotCapacity: 64)
        for key in 0..<256 { try await cold.set("k\(key)", key, ttl: nil) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(task))
                    for _ in 0..<2_000 {
                        let key = Int.random(in: 0..<256, using: &random)
                        switch Int.random(in: 0..<10, using: &random) {
                        case 0: try await cache.set("k\(key)", key, ttl: nil)
                        case 1: cache.invalidate("k\(key)")
                        default: #expect(try await cache.get("k\(key)") == key)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(cache.hot.count <= 64)
    }
}
