// swift-tools-version:6.0
// Strata: a zero-dependency caching toolkit for Swift on the server.
// The module graph is documented in DESIGN.md; arrows only point down:
// StrataRESP, StrataCache <- StrataRedis <- StrataTiers, and StrataCache <- local layers (the client
// takes StrataCache's `CacheCodec` for `get(_:as:)`; StrataCache depends on StrataSync only).
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Strata",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "StrataRESP", targets: ["StrataRESP"]),
        .library(name: "StrataRedis", targets: ["StrataRedis"]),
        // Local cache layers.
        .library(name: "StrataCache", targets: ["StrataCache"]),
        .library(name: "StrataLRU", targets: ["StrataLRU"]),
        .library(name: "StrataTTL", targets: ["StrataTTL"]),
        .library(name: "StrataHotCold", targets: ["StrataHotCold"]),
        .library(name: "StrataTiers", targets: ["StrataTiers"]),
        // The command-line tool.
        .executable(name: "strata", targets: ["strata"]),
        // The fake Redis server.
        .library(name: "StrataFakeRedis", targets: ["StrataFakeRedis"]),
    ],
    targets: [
        // A lock ThreadSanitizer can see (Synchronization.Mutex alone is invisible to it on Linux).
        .target(name: "StrataSync", swiftSettings: strictSettings),

        // The wire protocol. No I/O, no dependencies.
        .target(name: "StrataRESP", swiftSettings: strictSettings),
        .testTarget(
            name: "StrataRESPTests", dependencies: ["StrataRESP", "StrataTestSupport"], swiftSettings: strictSettings),

        // The Redis client: sockets, connections, pool, commands. Depends on the protocol, and on
        // StrataCache for its codecs (`get(_:as:)`, `set(_:json:)`).
        .target(
            name: "StrataRedis", dependencies: ["StrataRESP", "StrataSync", "StrataCache"],
            swiftSettings: strictSettings
        ),
        // Shared by the Redis, tier and fake-server tests: the fake or a real redis-server on a
        // free port behind one handle (TestRedisServer), child processes, and a raw RESP client
        // (RESPTestConnection).
        .target(
            name: "StrataServerTestSupport",
            dependencies: ["StrataSync", "StrataFakeRedis", "StrataRESP"],
            path: "Tests/StrataServerTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataRedisTests",
            dependencies: [
                "StrataRedis", "StrataRESP", "StrataSync", "StrataCache", "StrataFakeRedis", "StrataServerTestSupport",
            ],
            swiftSettings: strictSettings
        ),

        // Local cache layers: the shared vocabulary, then one module per layer (no sibling imports but
        // StrataTTL's, below).
        .target(name: "StrataCache", dependencies: ["StrataSync"], swiftSettings: strictSettings),
        .target(name: "StrataLRU", dependencies: ["StrataCache"], swiftSettings: strictSettings),
        // StrataTTL keeps expiry inside an LRUCache base (through StrataLRU's package hooks), so a
        // TTL operation over an LRU takes one lock and touches one node: the one sibling import.
        .target(name: "StrataTTL", dependencies: ["StrataCache", "StrataLRU"], swiftSettings: strictSettings),
        .target(name: "StrataHotCold", dependencies: ["StrataCache"], swiftSettings: strictSettings),
        // Trace replay for `strata simulate`: LRU, hot/cold and Belady side by side.
        .target(
            name: "StrataSimulator",
            dependencies: ["StrataCache", "StrataLRU", "StrataHotCold"],
            swiftSettings: strictSettings
        ),
        // Shared by the cache layers' tests: manual clock, seeded traces.
        .target(
            name: "StrataTestSupport",
            dependencies: ["StrataCache", "StrataSync"],
            path: "Tests/StrataTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataCacheTests",
            dependencies: ["StrataCache", "StrataTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataLRUTests",
            dependencies: ["StrataLRU", "StrataCache", "StrataTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataTTLTests",
            dependencies: ["StrataTTL", "StrataLRU", "StrataCache", "StrataTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataHotColdTests",
            dependencies: ["StrataHotCold", "StrataLRU", "StrataTTL", "StrataCache", "StrataTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataSimulatorTests",
            dependencies: ["StrataSimulator", "StrataTestSupport"],
            swiftSettings: strictSettings
        ),

        // Tier composition: local -> Redis tiers -> loader, with coherence and stampede protection.
        .target(
            name: "StrataTiers",
            dependencies: ["StrataCache", "StrataLRU", "StrataHotCold", "StrataRedis", "StrataRESP", "StrataSync"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataTiersTests",
            dependencies: [
                "StrataTiers", "StrataCache", "StrataRedis", "StrataRESP", "StrataSync", "StrataServerTestSupport",
                "StrataFakeRedis",
            ],
            swiftSettings: strictSettings
        ),

        // MARK: The fake Redis server
        // A Redis server on real loopback sockets, with fault injection; `strata server` runs it.
        .target(name: "StrataFakeRedis", dependencies: ["StrataRESP", "StrataSync"], swiftSettings: strictSettings),
        // `FakeRedisServerRunner [--port N] ...`: the fake as a process, for the signal tests and
        // scripts/bench-fake-server.sh (the `strata server` subcommand calls the same entry point).
        .executableTarget(
            name: "FakeRedisServerRunner",
            dependencies: ["StrataFakeRedis"],
            path: "Tests/FakeRedisServerRunner",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StrataFakeRedisTests",
            dependencies: ["StrataFakeRedis", "StrataServerTestSupport", "StrataRESP", "StrataSync"],
            swiftSettings: strictSettings
        ),

        // The command-line tool: `strata <subcommand>`.
        .executableTarget(
            name: "strata",
            dependencies: [
                "StrataSimulator", "StrataRedis", "StrataRESP", "StrataTiers", "StrataCache", "StrataSync",
                "StrataFakeRedis",
            ],
            swiftSettings: strictSettings
        ),
        // The tool's own code (the demo's HTML report), through `@testable import strata`.
        .testTarget(
            name: "StrataToolTests",
            dependencies: ["strata", "StrataServerTestSupport"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
