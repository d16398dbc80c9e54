import StrataCache
import StrataServerTestSupport
import Testing

@testable import StrataTiers

/// TieredCache with only a local tier and the loader: no Redis needed.
@Suite("Tiered cache: local tier and loader")
struct TieredCacheLocalTests {
    func makeCache(
        _ database: TestDatabase,
        clock: ManualTierClock,
        local: LocalTierOptions = .lru(capacity: 100, ttl: .seconds(10)),
        configure: (inout TieredCacheOptions) -> Void = { _ in }
    ) -> TieredCache<String> {
        var options = TieredCacheOptions()
        options.jitter = 0
        configure(&options)
        return TieredCache(local: local, codec: StringCodec(), options: options, clock: clock, loader: database.loader)
    }

    @Test func loadsOnceThenServesFromMemoryUntilTheTTL() async throws {
        let database = TestDatabase(["a": "1"])
        let clock = ManualTierClock()
        let cache = makeCache(database, clock: clock)
        #expect(try await cache.get("a") == "1")
        #expect(try await cache.get("a") == "1")
        #expect(database.calls("a") == 1)
        clock.advance(by: .seconds(11))
        database["a"] = "2"
        #expect(try await cache.get("a") == "2")
        #expect(database.calls("a") == 2)
        let statistics = cache.statistics
        #expect(statistics["local"]?.hits == 1)
        #expect(statistics["local"]?.misses == 2)
        #expect(statistics["loader"]?.loads == 2)
    }

    @Test func aThousandConcurrentMissesLoadOnce() async throws {
        let database = TestDatabase(["cold": "value"])
        let cache = makeCache(database, clock: ManualTierClock())
        database.gate.close()
        let results = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<1000 { group.addTask { try await cache.get("cold") } }
            #expect(await eventually { database.gate.waiting == 1 })
            // Every caller has joined the load (on a busy machine some start late).
            #expect(await eventually(timeout: .seconds(30)) { cache.flights.waiterCount("cold") == 999 })
            database.gate.open()
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(results.count == 1000 && results.allSatisfy { $0 == "value" })
        #expect(database.calls("cold") == 1)
    }

    @Test func loaderErrorsReachEveryWaiter() async throws {
        let database = TestDatabase()
        database.failing = true
        let cache = makeCache(database, clock: ManualTierClock())
        database.gate.close()
        let failures = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 {
                group.addTask { (try? await cache.get("k")) == nil }
            }
            _ = await eventually { database.gate.waiting == 1 }
            // Every caller has joined the load (on a busy machine some start late).
            _ = await eventually(timeout: .seconds(30)) { cache.flights.waiterCount("k") == 49 }
            database.gate.open()
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 50)
        #expect(database.calls("k") == 1)
        #expect(cache.statistics["loader"]?.loadErrors == 1)
    }

    @Test func notFoundIsCachedBriefly() async throws {
        let database = TestDatabase()
        let clock = ManualTierClock()
        let cache = makeCache(database, clock: clock) { $0.negativeTTL = .seconds(2) }
        #expect(try await cache.get("ghost") == nil)
        #expect(try await cache.get("ghost") == nil)
        #expect(database.calls("ghost") == 1)
        clock.advance(by: .seconds(3))
        database["ghost"] = "now here"
        #expect(try await cache.get("ghost") == "now here")

        let uncached = makeCache(database, clock: clock) { $0.negativeTTL = nil }
        _ = try await uncached.get("none")
        _ = try await uncached.get("none")
        #expect(database.calls("none") == 2)
    }

    @Test func failSafeServesTheLastValueWhenTheLoaderFails() async throws {
        let database = TestDatabase(["k": "good"])
        let clock = ManualTierClock()
        let cache = makeCache(database, clock: clock) { $0.failSafeMaxStaleness = .seconds(60) }
        #expect(try await cache.get("k") == "good")
        clock.advance(by: .seconds(20))  // expired, but kept for fail-safe
        database.failing = true
        let result = try await cache.fetch("k")
        #expect(result.value == "good")
        #expect(result.isStale)
        #expect(cache.statistics["loader"]?.staleServed == 1)
        clock.advance(by: .seconds(60))  // beyond the maximum staleness: the error surfaces
        await #expect(throws: TestSupportError.self) { try await cache.get("k") }
    }

    @Test func staleWhileRevalidateServesAtOnceAndRefreshesOnce() async throws {
        let database = TestDatabase(["k": "v1"])
        let clock = ManualTierClock()
        let cache = makeCache(database, clock: clock) { $0.staleWhileRevalidate = .seconds(30) }
        #expect(try await cache.get("k") == "v1")
        clock.advance(by: .seconds(15))
        database["k"] = "v2"
        database.gate.close()
        for _ in 0..<20 { #expect(try await cache.get("k") == "v1") }  // stale, served at once
        #expect(await eventually { database.gate.waiting == 1 })  // one refresh, not twenty
        database.gate.open()
        #expect(await eventually { (try? await cache.get("k")) == "v2" })
        #expect(database.calls("k") == 2)
        #expect((cache.statistics["local"]?.staleServed ?? 0) >= 20)
    }

    @Test func earlyRefreshHappensBeforeExpiry() async throws {
        let database = TestDatabase(["k": "v1"])
        let clock = ManualTierClock()
        database.gate.close()
        let cache = makeCache(database, clock: clock) { $0.earlyRefreshBeta = 1e9 }
        let first = Task { try await cache.get("k") }
        #expect(await eventually { database.gate.waiting == 1 })
        clock.advance(by: .milliseconds(5))  // the load "takes" 5 ms: XFetch's delta
        database.gate.open()
        #expect(try await first.value == "v1")
        database["k"] = "v2"
        // With a huge beta, the next fresh read refreshes early in the background.
        #expect(try await cache.get("k") == "v1")
        #expect(await eventually { (try? await cache.get("k")) == "v2" })
    }

    @Test func jitterSpreadsExpiry() async throws {
        let database = TestDatabase((0..<200).reduce(into: [:]) { $0["k\($1)"] = "v" })
        let clock = ManualTierClock()
        let cache = makeCache(database, clock: clock, local: .lru(capacity: 1000, ttl: .seconds(100))) {
            $0.jitter = 0.5
        }
        for i in 0..<200 { _ = try await cache.get("k\(i)") }
        var remaining = Set<Int64>()
        for i in 0..<200 { remaining.insert(try await cache.fetch("k\(i)").remainingTTL.components.seconds) }
        #expect(remaining.count > 20)  // not all expiring together
        #expect(remaining.allSatisfy { $0 > 45 && $0 <= 100 })
    }

    @Test func setAndInvalidate() async throws {
        let database = TestDatabase(["k": "db"])
        let cache = makeCache(database, clock: ManualTierClock())
        await cache.set("k", "written")
        #expect(try await cache.get("k") == "written")
        #expect(database.calls("k") == 0)
        await cache.invalidate("k")
        #expect(try await cache.get("k") == "db")
        #expect(database.calls("k") == 1)
    }

    @Test func hotColdLocalTierAdmitsOnlyRepeatedReads() async throws {
        let database = TestDatabase((0..<100).reduce(into: [:]) { $0["k\($1)"] = "v\($1)" })
        let cache = makeCache(
            database, clock: ManualTierClock(), local: .hotCold(capacity: 2, ttl: .seconds(60), promotionThreshold: 1))
        for _ in 0..<5 { #expect(try await cache.get("hot") == nil) }
        for i in 0..<100 { #expect(try await cache.get("k\(i)") == "v\(i)") }
        #expect(cache.localCount <= 2)
    }
}

@Suite("Cache-Control")
struct CacheControlTests {
    @Test func rendering() {
        #expect(CacheControl.noStore.headerValue == "no-store")
        #expect(
            CacheControl.public(maxAge: .seconds(60), sharedMaxAge: .seconds(300)).headerValue
                == "public, max-age=60, s-maxage=300")
        #expect(CacheControl.private(maxAge: .milliseconds(1500)).headerValue == "private, max-age=1")
        let full = CacheControl(
            visibility: .public, maxAge: .seconds(10), staleWhileRevalidate: .seconds(30), staleIfError: .seconds(86400)
        )
        #expect(full.headerValue == "public, max-age=10, stale-while-revalidate=30, stale-if-error=86400")
        #expect(CacheControl(noStore: true).headerValue == "no-store")
        #expect(CacheControl.privateNoStore.headerValue == "private, no-store")
        #expect(
            CacheControl(visibility: .private, maxAge: .seconds(9), noStore: true).headerValue == "private, no-store")
    }

    @Test func limitedByTheRemainingTTL() {
        let header = CacheControl.public(maxAge: .seconds(60), sharedMaxAge: .seconds(300))
        #expect(header.limited(to: .seconds(42)).headerValue == "public, max-age=42, s-maxage=42")
        #expect(header.limited(to: .seconds(600)).headerValue == "public, max-age=60, s-maxage=300")
        #expect(header.limited(to: nil).headerValue == "public, max-age=0, s-maxage=0")
        #expect(CacheControl(visibility: .public).limited(to: .seconds(5)).headerValue == "public, max-age=5")
        #expect(CacheControl.noStore.limited(to: .seconds(5)).headerValue == "no-store")
    }

    @Test func derivedFromACachedEntry() async throws {
        let database = TestDatabase(["page": "<html>"])
        let clock = ManualTierClock()
        var options = TieredCacheOptions()
        options.jitter = 0
        let cache = TieredCache(
            local: .lru(capacity: 10, ttl: .seconds(120)), codec: StringCodec(), options: options, clock: clock,
            loader: database.loader)
        _ = try await cache.get("page")
        clock.advance(by: .seconds(100))
        let result = try await cache.fetch("page")
        let header = CacheControl.public(maxAge: .seconds(300)).limited(to: result.remainingTTL)
        #expect(header.headerValue == "public, max-age=20")
    }
}
