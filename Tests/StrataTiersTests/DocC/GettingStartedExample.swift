// The Getting Started article's example (StrataTiers.docc), compiled here: the code between the
// `DocC:` markers is the article's, checked by `DocCCodeBlockTests`. This file imports only what
// the article shows.
// DocC: begin getting started
import StrataCache
import StrataRedis
import StrataTiers

// DocC: end getting started

func gettingStartedExample(url: String) async throws -> (greeting: String?, again: TierSource) {
    // DocC: begin getting started
    let redis = try RedisClient(url: url)
    let greetings = TieredCache<String>(
        local: .lru(capacity: 1_000, ttl: .seconds(30)),  // process memory
        redis: [RedisTierOptions(client: redis, namespace: "greetings:", ttl: .seconds(300))],
        codec: StringCodec(),
        loader: { name in "Hello, \(name)!" }  // your database or service: called on a miss
    )
    try await greetings.start()  // connects client tracking, which keeps local copies coherent

    let greeting = try await greetings.get("Ada")  // "Hello, Ada!": loaded, then stored in Redis and memory
    await greetings.waitForBackgroundFills()  // the caller did not wait for that; this does
    let again = try await greetings.fetch("Ada")  // served from memory this time
    print(again.source, again.remainingTTL)  // local, at most 30 seconds

    await greetings.set("Ada", "Welcome back, Ada!")  // writes through every tier
    await greetings.invalidate("Ada")  // removes from every tier, on every instance

    await greetings.shutdown()
    await redis.shutdown()
    // DocC: end getting started
    return (greeting, again.source)
}
