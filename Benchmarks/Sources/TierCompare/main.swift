import BenchmarkRedisServer
// TieredCache hits against their references, alternating in one process so both sides see the
import Glibc
import StrataCache
import StrataLRU
import StrataRedis
import StrataTiers

// same machine: a Redis-tier hit against a bare RedisClient GET of the same keys (goal: within
// 1.2x), a local-tier hit against a bare LRUCache hit (goal: within 3x), and a batch read
// (`getMany` of 100 keys from the Redis tier) against one `MGET` of the same keys, per key.
// Prints the best round of each side and the ratios; with --json, one JSON object.
//
//   swift run -c release TierCompare [ROUNDS] [--json]

let arguments = CommandLine.arguments.dropFirst()
let rounds = arguments.first.flatMap { Int($0) } ?? 15
let json = arguments.contains("--json")

guard let port = BenchmarkRedisServer.port() else {
    print("redis-server is not on PATH")
    exit(1)
}

let keyCount = 1000
let keys = (0..<keyCount).map { "key:\($0)" }
let value = String(repeating: "x", count: 64)
var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
configuration.pool.maximumConnections = 1
let client = try RedisClient(configuration: configuration)
var options = TieredCacheOptions()
options.coherence = .none
let remote = TieredCache<String>(
    local: nil,
    redis: [RedisTierOptions(name: "redis", client: client, namespace: "cmp:", ttl: .seconds(3600))],
    codec: StringCodec(), options: options, loader: { _ in value })
let local = TieredCache<String>(
    local: .lru(capacity: keyCount, ttl: .seconds(3600)), codec: StringCodec(), loader: { _ in value })
let lru = LRUCache<String, String>(capacity: keyCount)
for key in keys {
    try await client.set(key, value)
    _ = try await remote.get(key)
    _ = try await local.get(key)
    lru.set(key, value)
}

if arguments.contains("--batch-only") {
    // For profilers: only batch reads.
    let batch = Array(keys.prefix(100))
    for _ in 0..<(rounds * 100) { _ = try await remote.getMany(batch) }
    await client.shutdown()
    exit(0)
}

// Measured from an ordinary task (not the main actor), as a server's request handlers run.
let best = try await Task.detached {
    let clock = ContinuousClock()
    func perOperation(_ operations: Int, _ body: () async throws -> Void) async rethrows -> Double {
        let start = clock.now
        try await body()
        let elapsed = clock.now - start
        return (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9)
            / Double(operations)
    }

    var best = (
        get: Double.infinity, tier: Double.infinity, lru: Double.infinity, local: Double.infinity,
        mget: Double.infinity, many: Double.infinity
    )
    let batches = stride(from: 0, to: keyCount, by: 100).map { Array(keys[$0..<$0 + 100]) }
    var sink = 0
    for _ in 0..<rounds {
        best.get = min(
            best.get,
            try await perOperation(keyCount) { for key in keys { sink &+= try await client.get(key)?.count ?? 0 } })
        best.tier = min(
            best.tier,
            try await perOperation(keyCount) { for key in keys { sink &+= try await remote.get(key)?.count ?? 0 } })
        best.lru = min(
            best.lru,
            await perOperation(keyCount * 100) {
                for _ in 0..<100 { for key in keys { sink &+= lru.get(key)?.count ?? 0 } }
            })
        best.local = min(
            best.local,
            try await perOperation(keyCount * 100) {
                for _ in 0..<100 { for key in keys { sink &+= try await local.get(key)?.count ?? 0 } }
            })
        best.mget = min(
            best.mget,
            try await perOperation(keyCount) {
                for batch in batches { sink &+= try await client.mget(batch).count }
            })
        best.many = min(
            best.many,
            try await perOperation(keyCount) {
                for batch in batches { sink &+= try await remote.getMany(batch).count }
            })
    }
    precondition(sink != -1)
    return best
}.value
let redisStatistics = remote.statistics["redis"]!
precondition(redisStatistics.hits >= 2 * rounds * keyCount, "the Redis tier must answer every read")
/// `x` rounded to two decimals, for the report.
func twoDecimals(_ x: Double) -> String {
    let hundredths = Int((x * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

if json {
    print(
        "{\"getNanoseconds\": \(Int(best.get)), \"redisTierHitNanoseconds\": \(Int(best.tier)), "
            + "\"redisTierRatio\": \(best.tier / best.get), \"lruHitNanoseconds\": \(Int(best.lru)), "
            + "\"localTierHitNanoseconds\": \(Int(best.local)), \"localTierRatio\": \(best.local / best.lru), "
            + "\"mgetPerKeyNanoseconds\": \(Int(best.mget)), \"getManyPerKeyNanoseconds\": \(Int(best.many)), "
            + "\"getManyRatio\": \(best.many / best.mget)}")
} else {
    print("best of \(rounds) alternating rounds, per operation:")
    print("  RedisClient GET           \(Int(best.get)) ns")
    let redisRatio = twoDecimals(best.tier / best.get)
    print("  TieredCache Redis-tier hit \(Int(best.tier)) ns   ratio \(redisRatio)  (goal <= 1.2)")
    print("  LRUCache get hit          \(Int(best.lru)) ns")
    let localRatio = twoDecimals(best.local / best.lru)
    print("  TieredCache local hit     \(Int(best.local)) ns   ratio \(localRatio)  (goal <= 3)")
    print("  MGET of 100, per key      \(Int(best.mget)) ns")
    let batchRatio = twoDecimals(best.many / best.mget)
    print("  getMany of 100, per key   \(Int(best.many)) ns   ratio \(batchRatio)")
}
await client.shutdown()
if arguments.contains("--debug") { print(local.statistics) }
