import StrataCache
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

@testable import StrataTiers

/// `getMany`: one round trip per Redis tier, one batch load for the keys no tier has, and every
/// promise of `get` per key (single-flight, not-found caching, invalidation, fail-safe).
@Suite("Tiered cache: batch reads")
struct GetManyTests {
    /// Counts the batch loader's calls and the keys asked, and can hold it.
    final class BatchDatabase: Sendable {
        let rows: StrataMutex<[String: String]>
        let batches = StrataMutex<[[String]]>([])
        let gate = Gate()
        let failing = StrataMutex(false)

        init(_ rows: [String: String]) { self.rows = StrataMutex(rows) }

        var loader: TieredCache<String>.BatchLoader {
            { keys in
                self.batches.withLock { $0.append(keys.sorted()) }
                await self.gate.pass()
                if self.failing.withLock({ $0 }) { throw TestLoaderError() }
                return self.rows.withLock { rows in rows.filter { keys.contains($0.key) } }
            }
        }

        /// Every key any batch asked for, with repeats.
        var asked: [String] { batches.withLock { $0.flatMap { $0 } } }
    }

    struct TestLoaderError: Error {}

    /// The fill tests' cache (one Redis tier with a 5 s timeout), loading from `database`.
    static func cache(
        client: any RedisCachingClient, clock: any TierClock = SystemTierClock(), database: TestDatabase? = nil,
        configure: (inout TieredCacheOptions) -> Void = { _ in }
    ) -> TieredCache<String> {
        BackgroundFillTests.cache(database ?? TestDatabase([:]), client: client, clock: clock, configure: configure)
    }

    /// Local hits, then one MGET for the rest, then one batch for what Redis lacked
    /// (red when the tier is read key by key).
    @Test(arguments: TestRedisServer.kindsToTest)
    func oneRoundTripPerTierAndOneBatch(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let raw = try makeClient(server)
            let client = HeldPipelineClient(raw)
            let rows = Dictionary(uniqueKeysWithValues: (0..<10).map { ("k\($0)", "v\($0)") })
            let database = BatchDatabase(rows)
            let writer = Self.cache(client: raw)
            let cache = Self.cache(client: client)
            try await writer.start()
            try await cache.start()
            for i in 0..<4 { await writer.set("k\(i)", "v\(i)") }  // in Redis
            #expect(try await cache.get("k0") == "v0")  // and k0 in the local tier too
            client.clearLog()
            let keys = (0..<10).map { "k\($0)" } + ["absent", "k1"]
            let values = try await cache.getMany(keys, loader: database.loader)
            #expect(values == rows)
            #expect(database.batches.withLock { $0 } == [["absent"] + (4..<10).map { "k\($0)" }])
            // The reads: one MGET of the 10 keys the local tier lacked; then the fills.
            #expect(client.log.first == "MGET", "\(client.log)")
            #expect(!client.log.contains("GET"), "\(client.log)")
            await cache.waitForBackgroundFills()
            // Everything is cached now, "absent" as not found.
            #expect(try await cache.getMany(keys, loader: database.loader) == rows)
            #expect(database.batches.withLock { $0.count } == 1)
            #expect(try await writer.get("k7") == "v7")  // from Redis, written by the batch
            await writer.shutdown()
            await cache.shutdown()
            await raw.shutdown()
        }
    }

    /// The README's batch example.
    @Test func readmeExample() async throws {
        struct Users {
            func users(ids: [String]) async throws -> [String: String] {
                Dictionary(uniqueKeysWithValues: ids.filter { $0 != "3" }.map { ($0, "user \($0)") })
            }
        }
        let database = Users()
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let cache = Self.cache(client: client)
            try await cache.start()
            // README: begin batch
            let users = try await cache.getMany(["1", "2", "3"]) { missing in
                try await database.users(ids: missing)  // one query for the keys no tier has: [id: name]
            }
            // README: end batch
            #expect(users == ["1": "user 1", "2": "user 2"])
            await cache.shutdown()
            await client.shutdown()
        }
    }

    /// A key another read is loading joins that load: the batch leaves it out, and nothing is
    /// loaded twice, whether the other read is a `get` or an overlapping `getMany` (red when a
    /// batch claims keys that are already in flight).
    @Test func keysInFlightAreNotLoadedAgain() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let single = TestDatabase(["k2": "v2"])
            let database = BatchDatabase(Dictionary(uniqueKeysWithValues: (0..<8).map { ("k\($0)", "v\($0)") }))
            let cache = Self.cache(client: client, database: single)
            try await cache.start()
            single.gate.close()
            let held = Task { try await cache.get("k2") }
            #expect(await eventually { single.gate.waiting == 1 })
            database.gate.close()
            let first = Task { try await cache.getMany(["k0", "k1", "k2", "k3", "k4"], loader: database.loader) }
            #expect(await eventually { database.gate.waiting == 1 })
            let second = Task { try await cache.getMany(["k3", "k4", "k5", "k6"], loader: database.loader) }
            #expect(await eventually { database.gate.waiting == 2 })
            database.gate.open()
            single.gate.open()
            #expect(try await held.value == "v2")
            #expect(try await first.value == ["k0": "v0", "k1": "v1", "k2": "v2", "k3": "v3", "k4": "v4"])
            #expect(try await second.value == ["k3": "v3", "k4": "v4", "k5": "v5", "k6": "v6"])
            #expect(database.asked.sorted() == ["k0", "k1", "k3", "k4", "k5", "k6"])
            #expect(single.calls("k2") == 1)
            await cache.shutdown()
            await client.shutdown()
        }
    }

    /// A batch that fails: the error reaches the caller (and the readers who joined its keys);
    /// with a fail-safe value for every key, those are served instead.
    @Test func aFailingBatch() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let clock = ManualTierClock()
            let database = BatchDatabase(["a": "1", "b": "2"])
            let cache = Self.cache(client: client, clock: clock) { $0.failSafeMaxStaleness = .seconds(600) }
            try await cache.start()
            #expect(try await cache.getMany(["a", "b"], loader: database.loader) == ["a": "1", "b": "2"])
            await cache.waitForBackgroundFills()
            database.failing.withLock { $0 = true }
            clock.advance(by: .seconds(120))  // past every TTL, within the fail-safe window
            #expect(try await cache.getMany(["a", "b"], loader: database.loader) == ["a": "1", "b": "2"])
            #expect(cache.statistics["loader"]?.staleServed == 2)
            // "c" has no fail-safe value: the whole batch fails.
            await #expect(throws: TestLoaderError.self) {
                try await cache.getMany(["a", "c"], loader: database.loader)
            }
            database.failing.withLock { $0 = false }
            #expect(try await cache.getMany(["a", "c"], loader: database.loader) == ["a": "1"])
            await cache.shutdown()
            await client.shutdown()
        }
    }

    /// Seeded runs against an oracle: writes through the cache, out-of-band database changes
    /// followed by `invalidate`, and `getMany`/`get` mixed; every read returns the database's
    /// current rows, and a Redis tier that fails for a while only costs loads.
    @Test(arguments: [11, 12, 13])
    func agreesWithTheDatabase(seed: UInt64) async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            var random = SplitMix64(seed: seed)
            let database = BatchDatabase([:])
            let single = TestDatabase([:])
            let cache = Self.cache(client: client, database: single)
            try await cache.start()
            let keys = (0..<12).map { "k\($0)" }
            var oracle: [String: String] = [:]
            for step in 0..<300 {
                let key = keys[Int(random.next() % UInt64(keys.count))]
                switch random.next() % 6 {
                case 0:
                    let value = "s\(step)"
                    oracle[key] = value
                    database.rows.withLock { $0[key] = value }
                    single[key] = value
                    await cache.set(key, value)
                case 1:
                    let value = random.next() % 4 == 0 ? nil : "o\(step)"
                    oracle[key] = value
                    database.rows.withLock { $0[key] = value }
                    single[key] = value
                    await cache.invalidate(key)
                case 2:
                    #expect(try await cache.get(key) == oracle[key], "step \(step) get \(key)")
                case 3 where step % 50 == 0:
                    server.fake!.inject(.errorReply("ERR injected", commands: ["GET"]))
                case 4 where step % 50 == 25:
                    server.fake!.clearFaults()
                default:
                    let asked = (0..<Int(random.next() % 6 + 1)).map { _ in keys[Int(random.next() % 12)] }
                    let expected = oracle.filter { asked.contains($0.key) }
                    let got =
                        random.next() % 2 == 0
                        ? try await cache.getMany(asked, loader: database.loader) : try await cache.getMany(asked)
                    #expect(got == expected, "step \(step) getMany \(asked)")
                }
            }
            server.fake!.clearFaults()
            await cache.shutdown()
            await client.shutdown()
        }
    }
}
