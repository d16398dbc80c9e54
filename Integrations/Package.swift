// swift-tools-version:6.0
// Strata's adapters to the Swift server ecosystem: a package of its own, so the root package keeps
// zero dependencies (the core offers the hooks, `StrataObserver` and `StrataInterceptor`; these feed
// them to the libraries).
//
//   cd Integrations && swift build && swift test
import PackageDescription

let package = Package(
    name: "StrataIntegrations",
    platforms: [.macOS(.v15)],
    products: [
        // Strata's events as swift-log records.
        .library(name: "StrataLogging", targets: ["StrataLogging"]),
        // Strata's events as swift-metrics counters, timers and gauges.
        .library(name: "StrataMetrics", targets: ["StrataMetrics"]),
        // Spans through swift-distributed-tracing: around each Redis command and cache read
        // (TracingInterceptor), or a span per command and loader call after the fact (TracingObserver).
        .library(name: "StrataTracing", targets: ["StrataTracing"]),
        // `RedisClient` and `TieredCache` as swift-service-lifecycle services.
        .library(name: "StrataServiceLifecycle", targets: ["StrataServiceLifecycle"]),
    ],
    dependencies: [
        .package(name: "Strata", path: "../"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "StrataLogging",
            dependencies: [
                .product(name: "StrataRedis", package: "Strata"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "StrataMetrics",
            dependencies: [
                .product(name: "StrataRedis", package: "Strata"), .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "StrataTracing",
            dependencies: [
                .product(name: "StrataRedis", package: "Strata"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            name: "StrataServiceLifecycle",
            dependencies: [
                .product(name: "StrataRedis", package: "Strata"), .product(name: "StrataTiers", package: "Strata"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "StrataLoggingTests",
            dependencies: [
                "StrataLogging", .product(name: "StrataRedis", package: "Strata"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "StrataMetricsTests",
            dependencies: [
                "StrataMetrics", .product(name: "StrataRedis", package: "Strata"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "StrataTracingTests",
            dependencies: [
                "StrataTracing", .product(name: "StrataRedis", package: "Strata"),
                .product(name: "StrataCache", package: "Strata"), .product(name: "StrataTiers", package: "Strata"),
                .product(name: "StrataFakeRedis", package: "Strata"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .testTarget(
            name: "StrataServiceLifecycleTests",
            dependencies: [
                "StrataServiceLifecycle", .product(name: "StrataRedis", package: "Strata"),
                .product(name: "StrataCache", package: "Strata"), .product(name: "StrataTiers", package: "Strata"),
                .product(name: "StrataFakeRedis", package: "Strata"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
