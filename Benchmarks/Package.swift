// swift-tools-version:6.1
// Strata's benchmarks: a package of their own so that the root package keeps zero
// dependencies. Run from this folder:
//   swift package --allow-writing-to-package-directory benchmark
import PackageDescription

let package = Package(
    name: "StrataBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(name: "Strata", path: "../"),
    ],
    targets: [
        // Benchmark suites, one executable target each (package-benchmark runs them all):
        // - LocalCacheBenchmarks: LRU, TTL and hot/cold hot paths against Dictionary references.
        .executableTarget(
            name: "LocalCacheBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "StrataCache", package: "Strata"),
                .product(name: "StrataLRU", package: "Strata"),
                .product(name: "StrataTTL", package: "Strata"),
                .product(name: "StrataHotCold", package: "Strata"),
            ],
            path: "Benchmarks/LocalCacheBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),

        // Not a benchmark suite: bytes per entry of the local caches against a Dictionary
        // holding the same data, from malloc statistics. `swift run -c release LocalCacheMemory`
        .executableTarget(
            name: "LocalCacheMemory",
            dependencies: [
                "CMallocStats",
                .product(name: "StrataCache", package: "Strata"),
                .product(name: "StrataLRU", package: "Strata"),
                .product(name: "StrataTTL", package: "Strata"),
                .product(name: "StrataHotCold", package: "Strata"),
            ],
            path: "Benchmarks/LocalCacheMemory"
        ),
        // glibc's mallinfo2, which the Swift Glibc module does not export.
        .target(name: "CMallocStats", path: "Benchmarks/CMallocStats"),
    ]
)
