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
        .library(name: "StrataRESP", targets: ["StrataRESP"])
    ],
    targets: [
        // The wire protocol. No I/O, no dependencies.
        .target(name: "StrataRESP", swiftSettings: strictSettings),
        .testTarget(name: "StrataRESPTests", dependencies: ["StrataRESP"], swiftSettings: strictSettings),

        // The Redis client: sockets, connections, pool, commands. Depends on the protocol only.
        .target(name: "StrataRedis", dependencies: ["StrataRESP"], swiftSettings: strictSettings),
        .testTarget(name: "StrataRedisTests", dependencies: ["StrataRedis", "StrataRESP"], swiftSettings: strictSettings),
    ],
    swiftLanguageModes: [.v6]
)
