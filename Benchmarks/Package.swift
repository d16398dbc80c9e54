// swift-tools-version:6.1
// Strata's benchmarks: a package of its own, so the root package keeps zero dependencies.
//
//   cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
//
// Every hot path has a benchmark here; each reports against a reference measured in the same
// run (a Dictionary, hiredis, redis-benchmark), because these machines are shared and noisy.
import PackageDescription

let package = Package(
    name: "StrataBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Strata", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The RESP corpora, shared by the package-benchmark suite and the hiredis comparison.
        .target(
            name: "BenchmarkCorpora",
            dependencies: [.product(name: "StrataRESP", package: "Strata")]
        ),
        // `swift run -c release RESPCompare`: the corpora timed with a plain clock, as JSON, for
        // scripts/bench-resp.sh to set beside hiredis' reader.
        .executableTarget(
            name: "RESPCompare",
            dependencies: ["BenchmarkCorpora", .product(name: "StrataRESP", package: "Strata")]
        ),
        // `swift run -c release TierCompare`: tier hits against their references, alternating.
        .executableTarget(
            name: "TierCompare",
            dependencies: [
                "BenchmarkRedisServer",
                .product(name: "StrataCache", package: "Strata"),
                .product(name: "StrataLRU", package: "Strata"),
                .product(name: "StrataRedis", package: "Strata"),
                .product(name: "StrataTiers", package: "Strata"),
            ]
        ),
        // `swift run -c release ObserverOverhead local|get N`: fixed work on the two paths an unset
        // observer must not slow down (W1's sequential GET, a local-tier hit), for callgrind.
        .executableTarget(
            name: "ObserverOverhead",
            dependencies: [
                "BenchmarkRedisServer",
                .product(name: "StrataCache", package: "Strata"),
                .product(name: "StrataRedis", package: "Strata"),
                .product(name: "StrataTiers", package: "Strata"),
            ]
        ),
        // A redis-server child process for the benchmarks that need one.
        .target(name: "BenchmarkRedisServer"),
        // glibc's mallinfo2, which the Swift Glibc module does not export.
        .target(name: "CMallocStats"),
        // `swift run -c release LocalCacheMemory`: bytes per entry of the local cache layers
        // against a Dictionary holding the same data, from malloc statistics.
        .executableTarget(
            name: "LocalCacheMemory",
            dependencies: [
                "CMallocStats",
                .product(name: "StrataCache", package: "Strata"),
                .product(name: "StrataLRU", package: "Strata"),
                .product(name: "StrataTTL", package: "Strata"),
                .product(name: "StrataHotCold", package: "Strata"),
            ]
        ),
    ]
)

// package-benchmark suites: Benchmarks/<Name>/<Name>.swift.
let benchmarkSuites: [(name: String, dependencies: [Target.Dependency])] = [
    (
        "RESPBenchmarks",
        ["BenchmarkCorpora", .product(name: "StrataRESP", package: "Strata")]
    ),
    (
        "RedisBenchmarks",
        [
            "BenchmarkRedisServer",
            .product(name: "StrataCache", package: "Strata"),
            .product(name: "StrataLRU", package: "Strata"),
            .product(name: "StrataRESP", package: "Strata"),
            .product(name: "StrataRedis", package: "Strata"),
            .product(name: "StrataTiers", package: "Strata"),
        ]
    ),
    (
        "LocalCacheBenchmarks",
        [
            .product(name: "StrataCache", package: "Strata"),
            .product(name: "StrataLRU", package: "Strata"),
            .product(name: "StrataTTL", package: "Strata"),
            .product(name: "StrataHotCold", package: "Strata"),
        ]
    ),
]

for suite in benchmarkSuites {
    package.targets.append(
        .executableTarget(
            name: suite.name,
            dependencies: suite.dependencies + [.product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/\(suite.name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    )
}
