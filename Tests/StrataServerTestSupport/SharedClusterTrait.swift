import Testing

/// Starts one Redis Cluster for a whole suite and stops it afterwards, whether its tests passed
/// or not; the tests reach it through ``TestRedisCluster/current``. Creating a cluster takes
/// seconds, so a suite shares one; its tests should leave it healthy (or run `.serialized`).
///
/// ```swift
/// @Suite(.blockingIO, .serialized, .sharedRedisCluster(), .enabled(if: TestRedisCluster.shouldRun))
/// struct ClusterTests { ... }
/// ```
public struct SharedClusterTrait: SuiteTrait, TestScoping {
    let primaries: Int
    let replicasPerPrimary: Int

    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        // Starting the nodes blocks this thread; do it where blocking is allowed.
        let cluster = try await withTaskExecutorPreference(BlockingIOExecutor.shared) {
            try TestRedisCluster.start(primaries: primaries, replicasPerPrimary: replicasPerPrimary)
        }
        defer { cluster.stop() }
        try await TestRedisCluster.$current.withValue(cluster) { try await function() }
    }
}

extension Trait where Self == SharedClusterTrait {
    /// One real Redis Cluster (3 primaries, 1 replica each, by default) for the suite.
    public static func sharedRedisCluster(primaries: Int = 3, replicasPerPrimary: Int = 1) -> Self {
        SharedClusterTrait(primaries: primaries, replicasPerPrimary: replicasPerPrimary)
    }
}
