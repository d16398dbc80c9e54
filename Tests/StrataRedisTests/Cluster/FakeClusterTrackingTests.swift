import StrataFakeRedis
import StrataRESP
import StrataRedis
import StrataServerTestSupport
import StrataSync
import Testing

/// The cluster client's tracking against ``FakeRedisCluster``: invalidations from every node, a
/// slot that moves (reported, and its migrated keys invalidated by the node they left), and a
/// node's lost tracking link.
@Suite("Fake cluster (tracking)", .blockingIO)
struct FakeClusterTrackingTests {
    func makeClient(_ cluster: FakeRedisCluster) throws -> RedisClusterClient {
        var configuration = try RedisClusterConfiguration(urls: [cluster.urls[0]])
        configuration.periodicRefreshInterval = nil
        configuration.node.commandTimeout = .seconds(10)
        return try RedisClusterClient(configuration: configuration)
    }

    /// A key whose slot node `node` owns.
    func key(ownedBy node: Int, in cluster: FakeRedisCluster, name: String) -> String {
        var index = 0
        while cluster.owner(ofSlot: FakeRedisCluster.slot(forKey: "\(name)\(index)")) != node { index += 1 }
        return "\(name)\(index)"
    }

    func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<1000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    @Test func trackingFollowsEveryNodeAndMovedSlots() async throws {
        let cluster = try FakeRedisCluster(primaries: 3)
        defer { cluster.shutdown() }
        let reader = try makeClient(cluster)
        let writer = try makeClient(cluster)
        let events = TrackingEvents()
        let tracking = try await reader.startTracking { events.append($0) }
        #expect(tracking.isActive)

        // Invalidations from every node.
        let keys = (0..<3).map { key(ownedBy: $0, in: cluster, name: "tracked") }
        for key in keys { try await writer.set(key, "v1") }
        for key in keys { #expect(try await reader.getString(key) == "v1") }
        for key in keys { try await writer.set(key, "v2") }
        for key in keys {
            #expect(await eventually { events.invalidatedKeys.contains(key) }, "no invalidation for \(key)")
        }

        // A slot moves: the node it left invalidates its migrated key, and the client reports the
        // slot once it learns of the move (here from MOVED).
        let moving = key(ownedBy: 0, in: cluster, name: "moving")
        try await reader.set(moving, "m")
        #expect(try await reader.getString(moving) == "m")
        let before = events.all.count
        let slot = FakeRedisCluster.slot(forKey: moving)
        cluster.moveSlot(slot, to: 1)
        #expect(await eventually { events.all.dropFirst(before).contains(.keys([Array(moving.utf8)])) })
        #expect(try await reader.getString(moving) == "m")
        #expect(reader.statistics.movedReplies >= 1)
        #expect(await eventually { events.movedSlots.contains(RedisClusterSlot(slot)!) })

        // A node's tracking link is lost (its connections killed): reported, then resumed.
        let lostBefore = events.all.count
        cluster.servers[2].killAllConnections()
        #expect(
            await eventually {
                events.all.dropFirst(lostBefore).contains { if case .trackingLost = $0 { true } else { false } }
            })
        #expect(await eventually { events.all.dropFirst(lostBefore).contains(.trackingResumed) })
        // Active once every node tracks again (a second notice of the same loss may follow the
        // first resumption: the node's other connections were killed too).
        #expect(await eventually { tracking.isActive }, "\(events.all.dropFirst(lostBefore))")
        await tracking.stop()
        await reader.shutdown()
        await writer.shutdown()
    }
}

/// Invalidation events, collected.
final class TrackingEvents: Sendable {
    private let events = StrataMutex<[RedisInvalidation]>([])

    func append(_ event: RedisInvalidation) { events.withLock { $0.append(event) } }

    var all: [RedisInvalidation] { events.withLock { $0 } }

    var movedSlots: Set<RedisClusterSlot> {
        var slots: Set<RedisClusterSlot> = []
        for case .slots(let batch) in all { slots.formUnion(batch) }
        return slots
    }

    var invalidatedKeys: Set<String> {
        var keys: Set<String> = []
        for case .keys(let batch) in all { for key in batch { keys.insert(String(decoding: key, as: UTF8.self)) } }
        return keys
    }
}
