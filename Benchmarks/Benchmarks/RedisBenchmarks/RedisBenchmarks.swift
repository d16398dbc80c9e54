// The Redis client's and the tiered cache's hot paths, with allocation counts, each beside the
// reference it is judged against in the same run:
//
//   TieredCache local hit      vs  LRUCache get hit          (goal: within 3x)
//   TieredCache Redis-tier hit vs  RedisClient GET           (goal: within 1.2x)
//
// The benchmarks that need Redis start a redis-server on a free port (skipped when it is not on
// PATH). Every iteration performs 1,000 operations (scalingFactor .kilo) unless noted.

import Benchmark
import BenchmarkRedisServer
import StrataCache
import StrataLRU
import StrataRESP
import StrataRedis
import StrataTiers

let keyCount = 10_000
let keys = (0..<keyCount).map { "key:\($0)" }
let value = String(repeating: "x", count: 64)

/// A position in the key list that survives between iterations (benchmarks run one at a time).
final class Cursor: @unchecked Sendable {
    var position = 0

    @inline(__always)
    func next() -> String {
        position = position + 1 == keyCount ? 0 : position + 1
        return keys[position]
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .cpuTotal],
        warmupIterations: 3,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 200
    )

    // Local tier: a hit through TieredCache against a bare LRU hit.
    let lru = LRUCache<String, String>(capacity: keyCount)
    for key in keys { lru.set(key, value) }
    let lruCursor = Cursor()
    Benchmark("LRUCache get hit (reference)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(lru.get(lruCursor.next())) }
    }

    let localOnly = TieredCache<String>(
        local: .lru(capacity: keyCount, ttl: .seconds(3600)), codec: StringCodec(), loader: { _ in value })
    let localCursor = Cursor()
    Benchmark(
        "TieredCache local hit",
        configuration: .init(setup: {
            for key in keys { _ = try await localOnly.get(key) }
        })
    ) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try await localOnly.get(localCursor.next())) }
    }

    guard let port = BenchmarkRedisServer.port() else {
        print("redis-server is not on PATH: skipping the benchmarks that need Redis")
        return
    }
    var configuration = RedisConfiguration(host: "127.0.0.1", port: port)
    configuration.pool.maximumConnections = 1
    let client = try! RedisClient(configuration: configuration)
    let remoteOnly = TieredCache<String>(
        local: nil,
        redis: [RedisTierOptions(name: "redis", client: client, namespace: "bench:", ttl: .seconds(3600))],
        codec: StringCodec(),
        options: {
            var o = TieredCacheOptions()
            o.coherence = .none
            return o
        }(),
        loader: { _ in value })
    let setup: @Sendable () async throws -> Void = {
        var pipeline = RedisPipeline()
        for key in keys { pipeline.set(key, value) }
        _ = try await client.execute(pipeline)
        for key in keys { _ = try await remoteOnly.get(key) }
    }

    // Redis tier: a hit through TieredCache (GET + envelope + decode) against a bare GET.
    let getCursor = Cursor()
    Benchmark("RedisClient GET, sequential (reference)", configuration: .init(scalingFactor: .one, setup: setup)) {
        benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<100 { blackHole(try await client.get(getCursor.next())) }
        }
    }
    let tierCursor = Cursor()
    Benchmark("TieredCache Redis-tier hit, sequential", configuration: .init(scalingFactor: .one, setup: setup)) {
        benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<100 { blackHole(try await remoteOnly.get(tierCursor.next())) }
        }
    }

    // The client's own paths (per 100 commands per iteration).
    let setCursor = Cursor()
    Benchmark("RedisClient SET 64 bytes, sequential", configuration: .init(scalingFactor: .one, setup: setup)) {
        benchmark in
        for _ in benchmark.scaledIterations {
            for _ in 0..<100 { blackHole(try await client.set(setCursor.next(), value)) }
        }
    }
    let pipelineCursor = Cursor()
    Benchmark("RedisClient pipeline of 100 GETs", configuration: .init(scalingFactor: .one, setup: setup)) {
        benchmark in
        var pipeline = RedisPipeline()
        for _ in benchmark.scaledIterations {
            pipeline.removeAll()
            for _ in 0..<100 { _ = pipeline.get(pipelineCursor.next()) }
            blackHole(try await client.execute(pipeline))
        }
    }
    Benchmark("RedisClient GET, 64 concurrent tasks x 100", configuration: .init(scalingFactor: .one, setup: setup)) {
        benchmark in
        for _ in benchmark.scaledIterations {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<64 {
                    group.addTask {
                        for i in 0..<100 { blackHole(try await client.get(keys[(task * 100 + i) % keyCount])) }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}
