import BenchmarkRedisServer
import Glibc
import StrataCache
import StrataRedis
import StrataTiers

// The two paths an unset observer must not slow down, as fixed amounts of work for instruction
// counts (callgrind) and wall time: W1's sequential awaited GET on one connection, and a
// TieredCache local-tier hit. Built unchanged against two checkouts, it compares them:
//
//   swift run -c release ObserverOverhead local 1000000     # local-tier hits
//   swift run -c release ObserverOverhead get 20000         # sequential GETs (starts redis-server)
//   valgrind --tool=callgrind ObserverOverhead local 0      # the fixed cost, to subtract
//
// Prints nanoseconds per operation (wall time, one run).

let arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first ?? "local"
let operations = arguments.dropFirst().first.flatMap { Int($0) } ?? 1_000_000
let keys = (0..<1000).map { "key:\($0)" }
let value = String(repeating: "x", count: 64)
var sink = 0
let clock = ContinuousClock()
var elapsed = Duration.zero

switch mode {
case "local":
    let cache = TieredCache<String>(
        local: .lru(capacity: keys.count, ttl: .seconds(3600)), codec: StringCodec(), loader: { _ in value })
    for key in keys { _ = try await cache.get(key) }
    let start = clock.now
    for index in 0..<operations { sink &+= try await cache.get(keys[index % keys.count])?.count ?? 0 }
    elapsed = clock.now - start
case "get":
    guard let port = BenchmarkRedisServer.port() else {
        print("redis-server is not on PATH")
        exit(1)
    }
    var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
    configuration.pool.maximumConnections = 1
    let client = try RedisClient(configuration: configuration)
    for key in keys { try await client.set(key, value) }
    let start = clock.now
    for index in 0..<operations { sink &+= try await client.get(keys[index % keys.count])?.count ?? 0 }
    elapsed = clock.now - start
    await client.shutdown()
default:
    print("usage: ObserverOverhead local|get [OPERATIONS]")
    exit(2)
}
precondition(sink != -1)
let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
print("\(mode) \(operations) ops: \(Int(nanoseconds / Double(max(operations, 1)))) ns/op")
