import StrataCache
import StrataHotCold
import StrataLRU
import StrataTTL
import StrataTestSupport
import Testing

/// The README's usage example, kept here so that it always compiles and does what it says.
@Suite(.cpuBound)
struct ReadmeExampleTests {
    @Test func readmeExample() async throws {
        // README: begin local
        // A bounded LRU: at most 10,000 entries or 64 MiB of values, whichever comes first.
        let lru = LRUCache<String, [UInt8]>(capacity: 10_000, maxCost: 64 << 20) { _, value in value.count }
        lru.set("user:1", Array("Ada".utf8))
        let bytes = lru.get("user:1")  // a hit: "user:1" is now the most recently used

        // Per-entry time-to-live over any local store, spread by up to 10% jitter.
        let sessions = TTLCache(
            base: LRUCache<String, Expiring<String>>(capacity: 50_000),
            defaultTTL: .seconds(1_800),
            jitter: 0.1
        )
        sessions.set("s-42", "ada")
        sessions.set("s-43", "bob", ttl: .seconds(60))
        let left = sessions.remainingTTL(for: "s-43")  // at most 60 seconds

        // The hottest keys of a colder tier (here a big local LRU; any CacheTier) promoted into
        // a small hot set whose copies live 5 seconds; writes through the cache drop them.
        let cold = LocalStoreTier(LRUCache<String, [UInt8]>(capacity: 1_000_000))
        let cache = HotColdCache(cold: cold, hotCapacity: 10_000, hotTTL: .seconds(5))
        try await cache.set("user:1", Array("Ada".utf8), ttl: nil)
        let user = try await cache.get("user:1")
        print(cache.hot.statistics)  // hits: 0, misses: 1, ...
        // README: end local

        #expect(bytes == Array("Ada".utf8))
        #expect(sessions.get("s-42") == "ada")
        #expect(left != nil && left! <= .seconds(60))
        #expect(user == Array("Ada".utf8))
    }
}
