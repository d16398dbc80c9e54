// swift-tools-version:6.1
// Instruction counts of the local cache layers' hot paths under callgrind: repeatable on a
// shared, noisy machine where wall time is not. A package of its own with no dependency but
// Strata, so it builds offline. Run `./callgrind.sh` from this folder.
import PackageDescription

let package = Package(
    name: "StrataCallgrind",
    dependencies: [.package(name: "Strata", path: "../..")],
    targets: [
        .executableTarget(
            name: "LocalCacheCallgrind",
            dependencies: [
                .product(name: "StrataCache", package: "Strata"),
                .product(name: "StrataHotCold", package: "Strata"),
                .product(name: "StrataLRU", package: "Strata"),
                .product(name: "StrataTTL", package: "Strata"),
            ]
        )
    ]
)
