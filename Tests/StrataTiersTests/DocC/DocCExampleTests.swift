import StrataCache
import StrataRedis
import StrataServerTestSupport
import StrataTiers
import Testing

/// The StrataTiers articles' examples (StrataTiers.docc), compiled and run against the fake
/// server: the code between the `DocC:` markers is the articles', checked by `DocCCodeBlockTests`.
@Suite("DocC examples", .blockingIO, .timeLimit(.minutes(1)))
struct TiersDocCExampleTests {
    @Test func gettingStarted() async throws {
        try await withTestRedisServer(.fake) { server in
            let (greeting, again) = try await gettingStartedExample(url: server.url)
            #expect(greeting == "Hello, Ada!")
            #expect(again == .local)
        }
    }

    @Test func regionalAndGlobalTiers() async throws {
        try await withTestRedisServer(.fake) { regionalServer in
            try await withTestRedisServer(.fake) { globalServer in
                let regionalURL = regionalServer.url
                let globalURL = globalServer.url
                let database = ["/": "home page"]
                // DocC: begin tiers regions
                let regional = try RedisClient(url: regionalURL)  // near this instance
                let global = try RedisClient(url: globalURL)  // shared by every region

                var options = TieredCacheOptions()
                options.staleWhileRevalidate = .seconds(10)  // past its TTL, serve while one refresh runs
                options.failSafeMaxStaleness = .seconds(300)  // the database fails: serve the last value
                let pages = TieredCache<String>(
                    local: .hotCold(capacity: 10_000, ttl: .seconds(10)),  // only keys read often
                    redis: [
                        RedisTierOptions(name: "regional", client: regional, namespace: "pages:", ttl: .seconds(60)),
                        RedisTierOptions(name: "global", client: global, namespace: "pages:", ttl: .seconds(600)),
                    ],
                    codec: StringCodec(),
                    options: options,
                    loader: { path in database[path] }  // nil: not found (cached for negativeTTL)
                )
                try await pages.start()

                let first = try await pages.fetch("/")
                print(first.source)  // loader: the value is now in both Redis tiers
                print(pages.statistics["global"]?.hits ?? 0)  // 0
                // DocC: end tiers regions
                #expect(first.value == "home page")
                #expect(first.source == .loader)
                await pages.shutdown()
                await regional.shutdown()
                await global.shutdown()
            }
        }
    }

    @Test func adaptiveLoader() async throws {
        try await withTestRedisServer(.fake) { server in
            let redis = try RedisClient(url: server.url)
            let prices = TieredCache<String>(
                local: .lru(capacity: 100, ttl: .seconds(30)),
                redis: [RedisTierOptions(client: redis, namespace: "prices:", ttl: .seconds(300))],
                codec: StringCodec(), loader: { _ in nil })
            try await prices.start()
            let marketIsOpen = true
            // DocC: begin tiers adaptive
            // The loader given at the read decides how long its value may be cached, if at all.
            let price = try await prices.get(
                "AAPL",
                adaptiveLoader: { symbol in
                    let quote = "\(symbol) 231.40"
                    return marketIsOpen ? .cache(quote, ttl: .seconds(1)) : .cache(quote, ttl: .seconds(3_600))
                })
            let draft = try await prices.get("draft", adaptiveLoader: { _ in .doNotCache("not final") })
            // DocC: end tiers adaptive
            #expect(price == "AAPL 231.40")
            #expect(draft == "not final")
            #expect(try await prices.fetch("draft").value == nil)
            await prices.shutdown()
            await redis.shutdown()
        }
    }

    @Test func coherenceAcrossInstances() async throws {
        try await withTestRedisServer(.fake) { server in
            let url = server.url
            // DocC: begin coherence instances
            // Two app instances over one Redis, each with its own client and process memory.
            func instance() throws -> (RedisClient, TieredCache<String>) {
                let redis = try RedisClient(url: url)
                let users = TieredCache<String>(
                    local: .lru(capacity: 1_000, ttl: .seconds(60)),
                    redis: [RedisTierOptions(client: redis, namespace: "users:", ttl: .seconds(600))],
                    codec: StringCodec(),
                    loader: { _ in "Ada" })
                return (redis, users)
            }
            let (redisA, a) = try instance()
            let (redisB, b) = try instance()
            try await a.start()  // client tracking (the default coherence)
            try await b.start()

            _ = try await b.get("42")  // "Ada", now also in b's memory
            await a.set("42", "Grace")  // Redis tells b's tracking connection that users:42 changed
            // The invalidation travels asynchronously: b drops its copy within milliseconds.
            while try await b.fetch("42").source == .local { try await Task.sleep(for: .milliseconds(5)) }
            print(try await b.get("42") ?? "")  // Grace, read from Redis
            print(b.statistics.isCoherent)  // true: the link is up; false would flush and bypass memory
            // DocC: end coherence instances
            #expect(try await b.get("42") == "Grace")
            #expect(b.statistics.isCoherent)
            await a.shutdown()
            await b.shutdown()
            await redisA.shutdown()
            await redisB.shutdown()
        }
    }

    @Test func coherenceModes() async throws {
        try await withTestRedisServer(.fake) { server in
            let redis = try RedisClient(url: server.url)
            // DocC: begin coherence modes
            var options = TieredCacheOptions()
            // The default: the server reports changes to keys this process read, whoever wrote them.
            options.coherence = .clientTracking(broadcast: false)
            // Every change under the tier's namespace, read here or not (no server memory per key).
            options.coherence = .clientTracking(broadcast: true)
            // RESP2 servers: Strata instances announce their own changes on a channel.
            options.coherence = .pubSub(channel: "users:changes")
            // A single process, or staleness up to the local TTL is acceptable.
            options.coherence = .none
            // DocC: end coherence modes
            for mode in [
                TieredCacheOptions.Coherence.clientTracking(broadcast: true), .pubSub(channel: "users:changes"),
            ] {
                options.coherence = mode
                let users = TieredCache<String>(
                    local: .lru(capacity: 10, ttl: .seconds(60)),
                    redis: [RedisTierOptions(client: redis, namespace: "users:", ttl: .seconds(60))],
                    codec: StringCodec(), options: options, loader: { _ in "Ada" })
                try await users.start()
                #expect(try await users.get("1") == "Ada")
                #expect(users.statistics.isCoherent)
                await users.shutdown()
            }
            await redis.shutdown()
        }
    }
}
