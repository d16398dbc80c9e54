// swift-tools-version:6.0
// Strata: a zero-dependency caching toolkit for Swift on the server.
// The module graph is documented in DESIGN.md; arrows only point down:
// StrataRESP <- StrataRedis <- StrataTiers, StrataCache <- local layers.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Strata",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "StrataRESP", targets: ["StrataRESP"]),
        // The fake Redis server (issue 4).
        .library(name: "StrataFakeRedis", targets: ["StrataFakeRedis"]),
    ],
    targets: [
        // The wire protocol. No I/O, no dependencies.
        .target(name: "StrataRESP", swiftSettings: strictSettings),
        .testTarget(name: "StrataRESPTests", dependencies: ["StrataRESP"], swiftSettings: strictSettings),

        // MARK: The fake Redis server (issue 4)
        // A Redis server on real loopback sockets, with fault injection; `strata server` runs it.
        .target(name: "StrataFakeRedis", dependencies: ["StrataRESP"], swiftSettings: strictSettings),
        // Test support shared by every suite that needs a server: starts the fake or a real
        // redis-server on a free port, with stop, kill and restart. May use Foundation.
        .target(
            name: "StrataServerTestSupport",
            dependencies: ["StrataFakeRedis", "StrataRESP"],
            path: "Tests/StrataServerTestSupport",
            swiftSettings: strictSettings
        ),
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
            dependencies: ["StrataFakeRedis", "StrataServerTestSupport", "StrataRESP"],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
