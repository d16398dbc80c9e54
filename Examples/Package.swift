// swift-tools-version:6.0
// Strata's examples: a Hummingbird 2 web app that reads through TieredCache.
// A separate package, depending on Strata by path, so the root package stays dependency-free.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "StrataExamples",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ProductCatalog", targets: ["ProductCatalog"]),
        .executable(name: "product-catalog", targets: ["product-catalog"]),
    ],
    dependencies: [
        .package(name: "Strata", path: ".."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        // Already in Hummingbird's graph; named for `HTTPField.Name` (custom header names).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
    ],
    targets: [
        // The app: routes, the simulated database and the Cache-Control / ETag rules.
        .target(
            name: "ProductCatalog",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "StrataTiers", package: "Strata"),
                .product(name: "StrataCache", package: "Strata"),
                .product(name: "StrataRedis", package: "Strata"),
            ],
            swiftSettings: strictSettings
        ),
        // `product-catalog [--port N] [--redis-url URL]`: runs the app.
        .executableTarget(
            name: "product-catalog",
            dependencies: [
                "ProductCatalog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "StrataRedis", package: "Strata"),
                .product(name: "StrataFakeRedis", package: "Strata"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ProductCatalogTests",
            dependencies: [
                "ProductCatalog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "StrataTiers", package: "Strata"),
                .product(name: "StrataRedis", package: "Strata"),
                .product(name: "StrataFakeRedis", package: "Strata"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
