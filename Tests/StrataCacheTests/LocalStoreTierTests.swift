import StrataCache
import StrataTestSupport
import Synchronization
import Testing

/// The smallest possible LocalStore: an unbounded dictionary behind a mutex.
final class DictionaryStore: LocalStore {
    private let entries = Mutex<[String: Int]>([:])

    func get(_ key: String) -> Int? { entries.withLock { $0[key] } }
    func peek(_ key: String) -> Int? { entries.withLock { $0[key] } }
    func set(_ key: String, _ value: Int, evicted: (String, Int) -> Void) { entries.withLock { $0[key] = value } }
    func remove(_ key: String) -> Int? { entries.withLock { $0.removeValue(forKey: key) } }
    func removeAll() { entries.withLock { $0.removeAll() } }
    var count: Int { entries.withLock { $0.count } }
    var statistics: CacheStatistics { CacheStatistics() }
}

struct LocalStoreTierTests {
    @Test func aLocalStoreServesAsATier() async throws {
        let tier = LocalStoreTier(DictionaryStore())
        try await tier.set("a", 1, ttl: .seconds(1))
        #expect(try await tier.get("a") == 1)
        #expect(tier.store.contains("a"))
        try await tier.remove("a")
        #expect(try await tier.get("a") == nil)
    }

    @Test func manualClockMovesOnlyWhenAdvanced() {
        let clock = ManualClock()
        #expect(clock.now.nanoseconds == 0)
        clock.advance(by: .milliseconds(1500))
        #expect(clock.now.nanoseconds == 1_500_000_000)
    }
}
