import StrataCache
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

@testable import StrataTiers

/// One deterministic test per way TieredCache was found to break its promise, each seen to fail
/// before its fix. They run against the fake server and, in the contract run, a real one.
@Suite("Tiered cache: the findings", .blockingIO)
struct TieredCacheFindingsTests {
    static func cache(
        _ database: TestDatabase,
        tiers: [RedisTierOptions],
        localTTL: Duration = .seconds(30),
        clock: any TierClock = SystemTierClock(),
        configure: (inout TieredCacheOptions) -> Void = { _ in }
    ) -> TieredCache<String> {
        var options = TieredCacheOptions()
        options.jitter = 0
        // A PING unanswered for 2 s means a lost link; shorter, a busy machine fakes losses.
        options.coherenceHealthCheckInterval = .seconds(1)
        configure(&options)
        return TieredCache(
            local: .lru(capacity: 100, ttl: localTTL), redis: tiers, codec: StringCodec(), options: options,
            clock: clock, loader: database.loader)
    }

    static func storedValue(_ client: RedisClient, _ key: String) async throws -> String? {
        guard let bytes = try await client.get(key), let envelope = CacheEnvelope(decoding: bytes) else { return nil }
        return envelope.isTombstone ? "(tombstone)" : String(decoding: envelope.payload, as: UTF8.self)
    }

    /// Stale-while-revalidate over Redis: once the Redis entry is stale too, a refresh loads and
    /// replaces it in Redis (before: fills were `SET NX`, refused by the stale envelope, so the old
    /// value was served forever and the loader ran on every stale hit). While Redis still has a
    /// fresh entry, the refresh takes it and the loader is not called.
    @Test(arguments: TestRedisServer.kindsToTest)
    func staleWhileRevalidateRefreshesThroughRedis(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let client = try makeClient(server)
            let clock = ManualTierClock()
            let database = TestDatabase(["k": "v0"])
            let tier = RedisTierOptions(client: client, namespace: "swr:", ttl: .seconds(1))
            let cache = Self.cache(database, tiers: [tier], localTTL: .milliseconds(300), clock: clock) {
                $0.staleWhileRevalidate = .seconds(60)
            }
            try await cache.start()
            #expect(try await cache.get("k") == "v0")
            await cache.waitForBackgroundFills()  // in Redis and local before the clock moves
            for round in 1...5 {
                database["k"] = "v\(round)"
                clock.advance(by: .milliseconds(1500))  // past the local and the Redis TTL
                #expect(try await cache.get("k") == "v\(round - 1)")  // stale, served at once
                #expect(await eventually { (try? await Self.storedValue(client, "swr:k")) == "v\(round)" })
                #expect(await eventually { (try? await cache.get("k")) == "v\(round)" })
            }
            #expect(database.calls("k") == 6)  // one load per stale window

            // A long Redis TTL: the local copy goes stale, the refresh finds Redis fresh.
            let patient = Self.cache(
                database, tiers: [RedisTierOptions(client: client, namespace: "swr2:", ttl: .seconds(600))],
                localTTL: .milliseconds(300), clock: clock
            ) { $0.staleWhileRevalidate = .seconds(60) }
            try await patient.start()
            let before = database.calls("k")
            _ = try await patient.get("k")
            for _ in 1...5 {
                clock.advance(by: .milliseconds(400))
                _ = try await patient.get("k")
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await eventually { !patient.refreshes.isRunning("k") })
            #expect(database.calls("k") == before + 1)
            await patient.shutdown()
            await cache.shutdown()
            await client.shutdown()
        }
    }

    /// With the distributed lock, instances that find the lock taken during a refresh wait for
    /// the fresh value instead of loading it too.
    @Test(arguments: TestRedisServer.kindsToTest)
    func refreshesUnderTheLockLoadOnceAcrossInstances(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let clock = ManualTierClock()
            let database = TestDatabase(["k": "v0"])
            var caches: [TieredCache<String>] = []
            var clients: [RedisClient] = []
            for _ in 0..<4 {
                let client = try makeClient(server)
                clients.append(client)
                let cache = Self.cache(
                    database, tiers: [RedisTierOptions(client: client, namespace: "lk:", ttl: .seconds(1))],
                    localTTL: .milliseconds(300), clock: clock
                ) {
                    $0.staleWhileRevalidate = .seconds(60)
                    $0.distributedLock = .init(lease: .seconds(5), wait: .seconds(5), pollInterval: .milliseconds(5))
                }
                try await cache.start()
                caches.append(cache)
            }
            #expect(try await caches[0].get("k") == "v0")
            for cache in caches { _ = try await cache.get("k") }
            database["k"] = "v1"
            database.gate.close()
            clock.advance(by: .milliseconds(1500))
            for cache in caches { #expect(try await cache.get("k") == "v0") }  // all stale: four refreshes
            #expect(await eventually(timeout: .seconds(20)) { database.gate.waiting == 1 })
            try await Task.sleep(for: .milliseconds(50))
            #expect(database.gate.waiting == 1)  // the other three wait for the lock holder
            database.gate.open()
            for cache in caches { #expect(await eventually { (try? await cache.get("k")) == "v1" }) }
            #expect(database.calls("k") == 2)
            for cache in caches { await cache.shutdown() }
            for client in clients { await client.shutdown() }
        }
    }

    /// The version rule of loads, refreshes and backfills, as the Lua script applies it (real
    /// server) and as the `WATCH` fallback does (the fake has no Lua), against
    /// `CacheEnvelope.replaces`: older versions and less fresh copies of the same version are
    /// replaced; newer versions, tombstones of the same version and fresher copies are not.
    @Test(arguments: TestRedisServer.kindsToTest)
    func theVersionRuleIsTheSameInLuaAndWithWatch(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let client = try makeClient(server)
            let tier = RedisTier(
                options: RedisTierOptions(client: client, namespace: "vr:", ttl: .seconds(60), timeout: .seconds(5)),
                clock: SystemTierClock())
            func envelope(_ version: Int64, fresh: Int64, tombstone: Bool = false) -> CacheEnvelope {
                if tombstone { return CacheEnvelope.tombstone(version: version) }
                return CacheEnvelope(
                    payload: Array("v\(version)-\(fresh)".utf8), isNegative: false, version: version, freshUntil: fresh,
                    usableUntil: fresh, keptUntil: fresh, loadMicroseconds: 0)
            }
            let cases: [(CacheEnvelope?, CacheEnvelope)] = [
                (envelope(100, fresh: 5), envelope(200, fresh: 5)),  // newer: replaces
                (envelope(200, fresh: 5), envelope(100, fresh: 9)),  // older: refused
                (envelope(100, fresh: 5), envelope(100, fresh: 9)),  // same version, fresher: replaces
                (envelope(100, fresh: 9), envelope(100, fresh: 5)),  // same version, less fresh: refused
                (envelope(100, fresh: 5), envelope(100, fresh: 5)),  // the same: refused
                (envelope(100, fresh: 0, tombstone: true), envelope(100, fresh: 9)),  // tombstone, same version
                (envelope(100, fresh: 0, tombstone: true), envelope(101, fresh: 9)),  // tombstone, older
                (envelope(1 << 40, fresh: 5), envelope((1 << 40) + 256, fresh: 5)),  // differs in a middle byte
                (nil, envelope(100, fresh: 5)),  // not an envelope: replaced
            ]
            for (index, (current, new)) in cases.enumerated() {
                let key = "case\(index)"
                let stored = current?.encoded() ?? Array("not an envelope".utf8)
                try await client.set("vr:" + key, stored)
                let expected = CacheEnvelope.replaces(stored, with: new.encoded())
                let outcome = await tier.write(key, new, milliseconds: 60_000, mode: .ifNewer, track: false)
                #expect(outcome == (expected ? .written : .rejected), "case \(index)")
                let now = try await client.get("vr:" + key)
                #expect(now == (expected ? new.encoded() : stored), "case \(index)")
            }
            #expect(tier.lacksScripting.load(ordering: .relaxed) == (kind == .fake))
            await client.shutdown()
        }
    }

    /// A key found only in the global tier is backfilled into the regional one; a later write of
    /// the regional key by another client must still invalidate the local copy (before: the
    /// backfill's write ended the key's tracking, and `NOLOOP` hid the notice).
    @Test(arguments: TestRedisServer.kindsToTest)
    func aBackfillKeepsTheKeyTracked(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let regional = try makeClient(server)
            let global = try makeClient(server)
            let outsider = try makeClient(server)
            let database = TestDatabase(["k": "v1"])
            let seeding = Self.cache(
                database, tiers: [RedisTierOptions(name: "global", client: global, namespace: "g:", ttl: .seconds(60))])
            await seeding.set("k", "v1")
            let cache = Self.cache(
                database,
                tiers: [
                    RedisTierOptions(name: "regional", client: regional, namespace: "r:", ttl: .seconds(60)),
                    RedisTierOptions(name: "global", client: global, namespace: "g:", ttl: .seconds(60)),
                ])
            try await cache.start()
            #expect(try await cache.get("k") == "v1")
            #expect(cache.statistics["global"]?.hits == 1)
            #expect(await eventually { (try? await Self.storedValue(outsider, "r:k")) == "v1" })
            // Held locally. (The fill or backfill can come back as an invalidation on our own
            // tracking link when another of our connections read the key: NOLOOP is per
            // connection. A read then refills it.)
            #expect(await eventually { (try? await cache.get("k")) == "v1" && cache.localCount == 1 })
            try await outsider.del("r:k")
            #expect(await eventually { cache.localCount == 0 })
            #expect((cache.statistics["local"]?.invalidationsReceived ?? 0) >= 1)
            await cache.shutdown()
            await seeding.shutdown()
            for client in [regional, global, outsider] { await client.shutdown() }
        }
    }

    /// Found by the checker: when the regional bus is lost, another region's change can be
    /// missed, and this region's tiers keep the old value for their whole TTL. Now the loss
    /// flushes the local tier and reads skip the regional tier (its global hits backfill and so
    /// repair it) until what it held has expired.
    @Test func aLostRegionalBusSkipsAndRepairsTheRegionalTier() async throws {
        try await withTestRedisServer(.fake) { global in
            try await withTestRedisServer(.fake) { regionalServer in
                let regional = try makeClient(regionalServer)
                let globalClient = try makeClient(global)
                let outsider = try makeClient(global)
                let database = TestDatabase(["k": "v1"])
                let west = Self.cache(
                    database,
                    tiers: [
                        // Patient tiers: a backfill that times out on a loaded machine is not
                        // retried, and this test is about the lost bus, not timeouts.
                        RedisTierOptions(
                            name: "west", client: regional, namespace: "w:", ttl: .seconds(60), timeout: .seconds(5)),
                        RedisTierOptions(
                            name: "global", client: globalClient, namespace: "g:", ttl: .seconds(600),
                            timeout: .seconds(5)),
                    ]
                ) { $0.region = "west" }
                try await west.start()
                #expect(try await west.get("k") == "v1")
                #expect(await eventually { (try? await west.get("k")) == "v1" && west.localCount == 1 })
                // Another region changes the key; its announcement never reaches us.
                database["k"] = "v2"
                let tombstone = CacheEnvelope.tombstone(version: SystemTierClock().unixMicroseconds)
                try await outsider.set("g:k", tombstone.encoded(), expiration: .seconds(5))
                #expect(try await west.get("k") == "v1")  // nothing told us
                // The bus connection dies: the listener notices and stops trusting the region.
                _ = global.fake!.killAllConnections()
                // (The skip is set first, then local copies go: wait for both.)
                #expect(await eventually { west.skipsNearerTiers && west.localCount == 0 })
                #expect(try await west.get("k") == "v2")
                // Repaired by the backfill, which runs beside the read.
                #expect(await eventually { (try? await Self.storedValue(regional, "w:k")) == "v2" })
                await west.shutdown()
                for client in [regional, globalClient, outsider] { await client.shutdown() }
            }
        }
    }

    /// Locality: once a key is in a region's tier, the region's other instances read it there,
    /// not across regions in the global tier, and another region fills its own tier once.
    @Test func aRegionsReadsStayInTheRegion() async throws {
        try await withTestRedisServer(.fake) { global in
            try await withTestRedisServer(.fake) { eastServer in
                try await withTestRedisServer(.fake) { westServer in
                    let database = TestDatabase(["k": "v1"])
                    var clients: [RedisClient] = []
                    func instance(_ name: String, _ server: TestRedisServer) throws -> TieredCache<String> {
                        let regional = try makeClient(server)
                        let globalClient = try makeClient(global)
                        clients += [regional, globalClient]
                        return Self.cache(
                            database,
                            tiers: [
                                RedisTierOptions(
                                    name: "regional", client: regional, namespace: "r:", ttl: .seconds(60)),
                                RedisTierOptions(
                                    name: "global", client: globalClient, namespace: "g:", ttl: .seconds(60)),
                            ]
                        ) { $0.region = name }
                    }
                    let east = [try instance("east", eastServer), try instance("east", eastServer)]
                    let west = [try instance("west", westServer), try instance("west", westServer)]
                    for cache in east + west { try await cache.start() }
                    #expect(try await east[0].get("k") == "v1")  // the database, written to both tiers
                    await east[0].waitForBackgroundFills()
                    #expect(try await east[1].get("k") == "v1")  // east's own tier
                    #expect(east[1].statistics["regional"]?.hits == 1)
                    #expect(east[1].statistics["global"]?.hits ?? 0 == 0)
                    #expect(try await west[0].get("k") == "v1")  // across regions, once
                    #expect(west[0].statistics["global"]?.hits == 1)
                    // Backfilled into west's tier.
                    #expect(await eventually { (try? await Self.storedValue(clients[4], "r:k")) == "v1" })
                    #expect(try await west[1].get("k") == "v1")  // then in the region
                    #expect(west[1].statistics["regional"]?.hits == 1)
                    #expect(west[1].statistics["global"]?.hits ?? 0 == 0)
                    #expect(database.calls("k") == 1)
                    for cache in east + west { await cache.shutdown() }
                    for client in clients { await client.shutdown() }
                }
            }
        }
    }

    /// Two regions over fakes; the global Redis goes away. Reads go on (no errors), nothing
    /// stale is served even when the other region writes meanwhile, and once the global Redis is
    /// back, writes reach it and the regions hear each other again.
    @Test func aGlobalOutageServesNothingStaleAndRecovers() async throws {
        try await withTestRedisServer(.fake) { global in
            try await withTestRedisServer(.fake) { eastServer in
                try await withTestRedisServer(.fake) { westServer in
                    let database = TestDatabase(["k": "v1"])
                    var clients: [RedisClient] = []
                    func region(_ name: String, _ server: TestRedisServer) throws -> TieredCache<String> {
                        let regional = try makeClient(server)
                        let globalClient = try makeClient(global)
                        clients += [regional, globalClient]
                        return Self.cache(
                            database,
                            tiers: [
                                RedisTierOptions(name: "regional", client: regional, namespace: "r:", ttl: .seconds(2)),
                                RedisTierOptions(
                                    name: "global", client: globalClient, namespace: "g:", ttl: .seconds(60),
                                    timeout: .milliseconds(100), breakerOpenDuration: .milliseconds(100)),
                            ]
                        ) { $0.region = name }
                    }
                    let east = try region("east", eastServer)
                    let west = try region("west", westServer)
                    try await east.start()
                    try await west.start()
                    #expect(try await east.get("k") == "v1")
                    #expect(try await west.get("k") == "v1")

                    global.fake!.inject(.refuseConnections)
                    _ = global.fake!.killAllConnections()
                    // East changes the key while nobody can hear it across regions.
                    database["k"] = "v2"
                    await east.set("k", "v2")
                    #expect(await eventually { west.skipsNearerTiers })
                    for _ in 0..<20 {
                        #expect(try await west.get("k") == "v2")  // never v1 from its regional tier
                        #expect(try await east.get("k") == "v2")
                    }

                    global.fake!.clearFaults()
                    // Recovered: a write reaches the global tier, and the other region hears it.
                    database["k"] = "v3"
                    #expect(
                        await eventually(timeout: .seconds(20)) {
                            await east.set("k", "v3")
                            return (try? await Self.storedValue(clients[1], "g:k")) == "v3"
                        })
                    #expect(await eventually(timeout: .seconds(20)) { (try? await west.get("k")) == "v3" })
                    #expect(await eventually(timeout: .seconds(20)) { !west.skipsNearerTiers })
                    await east.shutdown()
                    await west.shutdown()
                    for client in clients { await client.shutdown() }
                }
            }
        }
    }

    /// A read that begins after `invalidate` returned must not join a load that began before it
    /// (before: it did, and returned the pre-invalidation value).
    @Test(arguments: TestRedisServer.kindsToTest)
    func aReadAfterAnInvalidationDoesNotJoinAnOlderLoad(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let client = try makeClient(server)
            let rows = StrataMutex(["k": "v1"])
            let gate = Gate()
            var options = TieredCacheOptions()
            options.jitter = 0
            let cache = TieredCache<String>(
                local: .lru(capacity: 10, ttl: .seconds(30)),
                redis: [RedisTierOptions(client: client, namespace: "gen:", ttl: .seconds(60))],
                codec: StringCodec(), options: options
            ) { key in
                let value = rows.withLock { $0[key] }  // read first, then stall: an old value in flight
                await gate.pass()
                return value
            }
            try await cache.start()
            gate.close()
            let early = Task { try await cache.get("k") }
            #expect(await eventually(timeout: .seconds(20)) { gate.waiting == 1 })
            rows.withLock { $0["k"] = "v2" }
            await cache.invalidate("k")
            let late = Task { try await cache.get("k") }
            #expect(await eventually(timeout: .seconds(20)) { gate.waiting == 2 })  // its own load, not the early one's
            gate.open()
            #expect(try await early.value == "v1")  // began before the invalidation: allowed
            #expect(try await late.value == "v2")
            #expect(try await cache.get("k") == "v2")
            await cache.waitForBackgroundFills()
            #expect(try await Self.storedValue(client, "gen:k") == "v2")
            await cache.shutdown()
            await client.shutdown()
        }
    }

    /// A fill whose read ran while tracking was off must not be stored once tracking resumes
    /// (before: its ticket survived `trackingResumed`).
    @Test func aFillFromBeforeTrackingResumedIsNotStored() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let database = TestDatabase(["k": "v1"])
            let cache = Self.cache(
                database, tiers: [RedisTierOptions(client: client, namespace: "ep:", ttl: .seconds(60))])
            try await cache.start()
            cache.handleTracking(.trackingLost(RedisClientError(.connectionClosed, "test")), namespace: "ep:")
            database.gate.close()
            let read = Task { try await cache.get("k") }
            #expect(await eventually(timeout: .seconds(20)) { database.gate.waiting == 1 })
            cache.handleTracking(.trackingResumed, namespace: "ep:")
            database.gate.open()
            #expect(try await read.value == "v1")
            await cache.waitForBackgroundFills()
            #expect(cache.localCount == 0)
            #expect(try await cache.get("k") == "v1")  // a read after the resume is kept
            await cache.waitForBackgroundFills()
            #expect(cache.localCount == 1)
            await cache.shutdown()
            await client.shutdown()
        }
    }

    /// A failed invalidation is retried on the tier that failed only, and a newer `set` made
    /// meanwhile keeps its value (before: every tier got a tombstone each second, over anything).
    /// A client finding, seen from the cache: Redis stalls for 0.8 s (`DEBUG SLEEP`) while twenty
    /// reads wait on the tier with its 250 ms timeout. Each read falls through to
    /// the loader and gets its value; the shared connection is not closed for it, the tracking
    /// link is not lost, and no local copy is flushed (before: the first timeout closed the
    /// connection, failing its neighbours and flushing every local tier).
    @Test(arguments: TestRedisServer.kindsToTest)
    func aRedisHiccupFailsNoReadAndKeepsLocalCopies(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let clientObserver = RecordingObserver()
            var configuration = RedisConfiguration(host: "127.0.0.1", port: server.port)
            configuration.connectTimeout = .seconds(20)
            configuration.observer = clientObserver
            let client = try RedisClient(configuration: configuration)
            let sleeper = try makeClient(server)
            let keys = (0..<3).map { round in (0..<20).map { "k\(round)-\($0)" } }
            let database = TestDatabase(
                Dictionary(uniqueKeysWithValues: (keys.joined() + ["held"]).map { ($0, "v-\($0)") }))
            let cacheObserver = RecordingObserver()
            let cache = Self.cache(
                database, tiers: [RedisTierOptions(name: "redis", client: client, namespace: "h:", ttl: .seconds(60))],
                localTTL: .seconds(60)
            ) {
                $0.coherence = .clientTracking(broadcast: false)
                $0.observer = cacheObserver
            }
            try await cache.start()
            #expect(try await cache.get("held") == "v-held")
            #expect(
                await eventually {
                    (try? await cache.get("held")) == "v-held" && (cache.statistics["local"]?.hits ?? 0) >= 1
                })
            clientObserver.clear()
            cacheObserver.clear()
            let localHits = cache.statistics["local"]?.hits ?? 0

            _ = try await sleeper.ping()
            // A busy machine may start the reads before the server sleeps or after it woke: then
            // again, with keys not read yet, up to three times.
            for round in keys.indices where (cache.statistics["redis"]?.errors ?? 0) == 0 {
                let stall = Task { try await sleeper.send("DEBUG", "SLEEP", "0.8") }
                try await Task.sleep(for: .milliseconds(100))  // the server is asleep
                let values = try await withThrowingTaskGroup(of: (String, String?).self) { group in
                    for key in keys[round] { group.addTask { (key, try await cache.get(key)) } }
                    var values: [String: String?] = [:]
                    for try await (key, value) in group { values[key] = value }
                    return values
                }
                _ = try await stall.value
                for key in keys[round] { #expect(values[key] == "v-\(key)") }
            }
            #expect((cache.statistics["redis"]?.errors ?? 0) >= 1, "no read waited on the sleeping server")
            // The connection stayed; tracking and the local copy too.
            #expect(await eventually { (try? await client.ping()) != nil })
            let closed = (clientObserver.summary + cacheObserver.summary).filter {
                $0 == "connection_closed" || $0 == "tracking_lost"
            }
            #expect(closed.isEmpty, "\(clientObserver.summary)")
            #expect(!cacheObserver.summary.contains { $0.hasPrefix("local_tier_flushed") }, "\(cacheObserver.summary)")
            #expect(cache.statistics.isCoherent)
            #expect(try await cache.get("held") == "v-held")
            #expect((cache.statistics["local"]?.hits ?? 0) == localHits + 1)
            await cache.shutdown()
            await client.shutdown()
            await sleeper.shutdown()
        }
    }

    /// The load lock is double-checked: a read that missed Redis, then took the lock after
    /// another process had written the value and let go, finds the value instead of loading it
    /// again (found by the coherence checker on a busy machine: three loads of one version
    /// across instances despite the lock). The GET's reply is held back so the value lands
    /// between the miss and the lock.
    @Test func aLockTakenAfterTheValueLandedDoesNotLoadAgain() async throws {
        try await withTestRedisServer(.fake) { server in
            let client = try makeClient(server)
            let writer = try makeClient(server)
            let database = TestDatabase(["k": "from the database"])
            let cache = Self.cache(
                database,
                tiers: [
                    RedisTierOptions(
                        name: "redis", client: client, namespace: "l:", ttl: .seconds(60), timeout: .seconds(5))
                ]
            ) {
                $0.coherence = .none
                $0.distributedLock = .init(lease: .seconds(2), wait: .seconds(2), pollInterval: .milliseconds(5))
            }
            try await cache.start()
            _ = try await client.ping()
            _ = try await writer.ping()
            let fake = server.fake!
            let faultsBefore = fake.statistics().faultsApplied
            fake.inject(.replyLatency(.seconds(1), commands: ["GET"]))
            let read = Task { try await cache.get("k") }
            // Its GET ran (a miss) and the reply is held back; later GETs are answered at once.
            #expect(await eventually { fake.statistics().faultsApplied > faultsBefore })
            fake.clearFaults()
            // Another process loaded the key meanwhile, wrote it, and released its lock.
            let now = SystemTierClock().unixMilliseconds
            let envelope = CacheEnvelope(
                payload: Array("from another process".utf8), isNegative: false,
                version: SystemTierClock().unixMicroseconds, freshUntil: now + 60_000, usableUntil: now + 60_000,
                keptUntil: now + 60_000, loadMicroseconds: 1000)
            try await writer.set("l:k", envelope.encoded(), expiration: .milliseconds(60_000))
            #expect(try await read.value == "from another process")
            #expect(database.totalCalls == 0)
            await cache.shutdown()
            await client.shutdown()
            await writer.shutdown()
        }
    }

    /// A load lock whose holder lets go without a usable value in Redis (its write refused: the
    /// key changed while it loaded) passes to one of its waiters, which loads the new value at
    /// once. Found by the cluster coherence checker: the waiters polled Redis for a value nobody
    /// was going to write, then all loaded together when their wait ran out (2 s there, 500 ms
    /// by default). Here the wait is a minute, so a waiter that does not take the lock over
    /// misses the test's bound by far.
    @Test func aLockReleasedWithoutAValuePassesToAWaiter() async throws {
        try await withTestRedisServer(.fake) { server in
            let clients = [try makeClient(server), try makeClient(server)]
            let database = TestDatabase(["k": "v1"])
            let caches = clients.map { client in
                Self.cache(
                    database,
                    tiers: [
                        RedisTierOptions(
                            name: "redis", client: client, namespace: "h:", ttl: .seconds(60), timeout: .seconds(5))
                    ]
                ) {
                    $0.coherence = .none
                    $0.distributedLock = .init(lease: .seconds(60), wait: .seconds(60), pollInterval: .milliseconds(5))
                }
            }
            for cache in caches { try await cache.start() }
            database.gate.close()
            let holder = Task { try await caches[0].get("k") }
            #expect(await eventually { database.gate.waiting == 1 })  // it holds the lock, loading
            let waiter = Task { try await caches[1].get("k") }
            // The waiter found the lock taken and polls (its SET NX came after the holder's).
            let probe = try makeClient(server)
            #expect(
                try await eventually {
                    let info = try await probe.send("INFO", "commandstats").asString()
                    return info.contains("cmdstat_set:calls=") && !info.contains("cmdstat_set:calls=1,")
                })
            await probe.shutdown()
            // The key changes while the holder loads: its value will be refused by the tombstone.
            database["k"] = "v2"
            await caches[0].invalidate("k")
            database.gate.open()
            _ = try await holder.value
            let bound = ContinuousClock.now + .seconds(20)
            #expect(await eventually(timeout: .seconds(20)) { database.calls("k") == 2 })
            let value = try await waiter.value
            #expect(ContinuousClock.now < bound)
            #expect(value == "v2")
            #expect(database.calls("k") == 2)
            for cache in caches { await cache.shutdown() }
            for client in clients { await client.shutdown() }
        }
    }

    @Test func failedInvalidationsRetryOnlyWhereTheyFailedAndNeverOverANewerValue() async throws {
        try await withTestRedisServer(.fake) { near in
            try await withTestRedisServer(.fake) { far in
                var nearConfiguration = RedisConfiguration(host: "127.0.0.1", port: near.port)
                nearConfiguration.commandTimeout = .seconds(10)
                let nearClient = try RedisClient(configuration: nearConfiguration)
                let farClient = try makeClient(far)
                let database = TestDatabase(["k": "v1"])
                let cache = Self.cache(
                    database,
                    tiers: [
                        RedisTierOptions(
                            name: "near", client: nearClient, namespace: "n:", ttl: .seconds(60),
                            timeout: .milliseconds(100), breakerFailureThreshold: 100),
                        RedisTierOptions(name: "far", client: farClient, namespace: "f:", ttl: .seconds(60)),
                    ]
                ) { $0.coherence = .none }
                try await cache.start()
                #expect(try await cache.get("k") == "v1")
                near.fake!.inject(.latency(.milliseconds(300), commands: ["SET"]))
                await cache.invalidate("k")  // far takes it; near times out
                #expect(cache.pendingInvalidations.withLock { $0["k"]?.tiers } == [0])
                near.fake!.clearFaults()
                try await Task.sleep(for: .milliseconds(400))  // the slow SET lands late
                await cache.set("k", "v2")  // newer than the failed invalidation
                #expect(try await Self.storedValue(farClient, "f:k") == "v2")
                await cache.retryFailedInvalidations()
                await cache.retryFailedInvalidations()  // repeated once, for a write landing late
                #expect(cache.pendingInvalidations.withLock { $0.isEmpty })
                #expect(try await Self.storedValue(nearClient, "n:k") == "v2")
                #expect(try await Self.storedValue(farClient, "f:k") == "v2")
                await cache.shutdown()
                await nearClient.shutdown()
                await farClient.shutdown()
            }
        }
    }

    /// An invalidation that arrives while this instance writes the key (another instance's
    /// change, its notice late) revokes the write's local copy, and fills stay refused until the
    /// write has gone through every tier (before: the invalidation ended the write's guard, so a
    /// read during the write kept the value the write was replacing, stale for the local TTL;
    /// found by `strata demo --regions`).
    @Test func anInvalidationDuringAWriteKeepsFillsOutUntilTheWriteEnds() async throws {
        try await withTestRedisServer(.fake) { near in
            try await withTestRedisServer(.fake) { far in
                let nearClient = try makeClient(near)
                let farClient = try makeClient(far)
                let database = TestDatabase(["k": "v1"])
                let cache = Self.cache(
                    database,
                    tiers: [
                        RedisTierOptions(name: "near", client: nearClient, namespace: "n:", ttl: .seconds(60)),
                        RedisTierOptions(
                            name: "far", client: farClient, namespace: "f:", ttl: .seconds(60),
                            timeout: .seconds(10)),
                    ]
                ) { $0.coherence = .none }
                try await cache.start()
                #expect(try await cache.get("k") == "v1")
                // The far tier is written first and slowly; the near one still holds v1 meanwhile.
                far.fake!.inject(.latency(.seconds(1), commands: ["SET"]))
                database["k"] = "v2"
                let writer = Task { await cache.set("k", "v2") }
                #expect(await eventually { cache.localCount == 0 })  // the write has begun
                cache.forgetLocally("k")  // another instance's invalidation arrives
                _ = try await cache.get("k")  // v1, from the near tier, not yet written
                await writer.value
                far.fake!.clearFaults()
                #expect(try await Self.storedValue(nearClient, "n:k") == "v2")
                #expect(try await cache.get("k") == "v2")
                await cache.shutdown()
                await nearClient.shutdown()
                await farClient.shutdown()
            }
        }
    }
}

/// Pub/sub findings, at the client: an overflowing subscriber hears of it, and a channel's
/// `UNSUBSCRIBE` never overtakes a later `SUBSCRIBE`.
@Suite("Pub/sub coherence: the findings", .blockingIO)
struct PubSubFindingsTests {
    /// A write Redis refused is retried as an invalidation, and the retry is announced too.
    /// Before, it was not: another instance told of the change read the old value from Redis
    /// again before the retry, and kept it for its whole local TTL (found with a failover on a
    /// real cluster, `aWriteDuringAFailoverReachesTheOtherInstance`). The writer itself does not
    /// read the tier it failed to update until the retry lands.
    @Test func aRetriedInvalidationIsAnnounced() async throws {
        try await withTestRedisServer(.fake) { server in
            let clients = try (0..<2).map { _ in try makeClient(server) }
            let database = TestDatabase(["k": "v1"])
            let caches = clients.map { client in
                TieredCacheFindingsTests.cache(
                    database,
                    tiers: [
                        RedisTierOptions(
                            name: "redis", client: client, namespace: "p:", ttl: .seconds(60), timeout: .seconds(2),
                            breakerFailureThreshold: 100)
                    ], localTTL: .seconds(300)
                ) { $0.coherence = .pubSub(channel: "retried") }
            }
            let (writer, reader) = (caches[0], caches[1])
            for cache in caches { try await cache.start() }
            #expect(try await reader.get("k") == "v1")
            await reader.waitForBackgroundFills()  // v1 is in Redis before Redis refuses writes
            server.fake!.inject(.errorReply("ERR injected", commands: ["SET", "EXEC", "EVAL", "EVALSHA"]))
            database["k"] = "v2"
            await writer.set("k", "v2")  // Redis refuses it; the change is announced
            #expect(writer.pendingInvalidations.withLock { $0["k"]?.tiers } == [0])
            #expect(try await writer.get("k") == "v2", "the writer read back the value it replaced")
            // The reader hears of the change, and reads Redis again: the old value, until the retry.
            #expect(await eventually { (reader.statistics["local"]?.invalidationsReceived ?? 0) >= 1 })
            #expect(try await reader.get("k") == "v1")
            server.fake!.clearFaults()
            await writer.retryFailedInvalidations()
            #expect(
                await eventually(timeout: .seconds(5)) { (try? await reader.get("k")) == "v2" },
                "the reader kept the old value after the retry: \(reader.statistics)")
            for cache in caches { await cache.shutdown() }
            for client in clients { await client.shutdown() }
        }
    }

    /// A subscriber that falls `bufferSize` messages behind gets `subscriptionLost` (before:
    /// the oldest messages were dropped silently, and a cache never learned it missed some).
    @Test(arguments: TestRedisServer.kindsToTest)
    func anOverflowIsReportedAsALoss(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let subscriber = try makeClient(server)
            let publisher = try makeClient(server)
            let messages = try await subscriber.subscribe(to: ["burst"], bufferSize: 4)
            let sentinel = try await subscriber.subscribe(to: ["sentinel"])
            for i in 0..<10 { _ = try await publisher.publish("burst", "m\(i)") }
            // Same connection, in order: once the sentinel is here, all ten were handed over.
            _ = try await publisher.publish("sentinel", "done")
            var sentinelIterator = sentinel.makeAsyncIterator()
            _ = try await sentinelIterator.next()
            let outcome = Task { () -> (Int, (any Error)?) in
                var received = 0
                do {
                    for try await _ in messages { received += 1 }
                    return (received, nil)
                } catch {
                    return (received, error)
                }
            }
            let timeout = Task {
                try await Task.sleep(for: .seconds(10))
                outcome.cancel()
            }
            let (received, error) = await outcome.value
            timeout.cancel()
            #expect(received <= 4)
            #expect((error as? RedisClientError)?.code == .subscriptionLost)
            await subscriber.shutdown()
            await publisher.shutdown()
        }
    }

    /// Leaving a channel and joining it again at once, many times: the server must end up
    /// subscribed (the `UNSUBSCRIBE` of the first may not reach the wire after the second
    /// `SUBSCRIBE`).
    @Test(arguments: TestRedisServer.kindsToTest)
    func resubscribingAtOnceStaysSubscribed(_ kind: TestRedisServer.Kind) async throws {
        try await withTestRedisServer(kind) { server in
            let subscriber = try makeClient(server)
            let publisher = try makeClient(server)
            for round in 0..<100 {
                let first = try await subscriber.subscribe(to: ["again"])
                async let second = subscriber.subscribe(to: ["again"])
                _ = consume first  // dropped: unsubscribes, racing the second subscribe
                let messages = try await second
                _ = try await publisher.publish("again", "r\(round)")
                var iterator = messages.makeAsyncIterator()
                let heard = Task { try await iterator.next() }
                let timeout = Task {
                    try await Task.sleep(for: .seconds(5))
                    heard.cancel()
                }
                let message = try? await heard.value
                timeout.cancel()
                #expect(message?.text == "r\(round)", "round \(round): the server dropped the subscription")
                if message?.text != "r\(round)" { break }
            }
            await subscriber.shutdown()
            await publisher.shutdown()
        }
    }
}
