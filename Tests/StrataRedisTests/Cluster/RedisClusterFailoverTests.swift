import StrataRedis
import StrataServerTestSupport
import StrataSync
import Synchronization
import Testing

/// A primary of a real cluster is killed (SIGKILL) while tasks read and write: commands fail only
/// inside a window around the failover, and afterwards everything succeeds without any action
/// but the client's own. The cluster is this suite's own, since its tests break it (one at a
/// time: each kills a primary that has a replica, and restarts it afterwards as a replica).
@Suite(
    "Redis Cluster failover (real)", .blockingIO, .serialized, .enabled(if: TestRedisCluster.shouldRun),
    .sharedRedisCluster())
struct RedisClusterFailoverTests {
    var cluster: TestRedisCluster { TestRedisCluster.current! }

    @Test func primaryKilledUnderLoad() async throws {
        var configuration = try RedisClusterConfiguration(urls: cluster.urls)
        // Longer than a failover takes here (node timeout 1 s, promotion in about 2-3 s), so a
        // command for the failed primary waits for its heir instead of timing out.
        configuration.node.commandTimeout = .seconds(15)
        let client = try RedisClusterClient(configuration: configuration)
        let stop = LoadFlag()
        let failures = FailureLog()
        let successes = SuccessCounter()
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        var operation = 0
                        while !stop.isSet {
                            let key = "failover:w\(worker):\(operation % 64)"
                            do {
                                if operation % 2 == 0 {
                                    try await client.set(key, "\(operation)")
                                } else {
                                    _ = try await client.get(key)
                                }
                                successes.add()
                            } catch {
                                let now = ContinuousClock.now
                                failures.record(now, "\(error)")
                                try? await Task.sleep(for: .milliseconds(5))
                            }
                            operation += 1
                        }
                    }
                }
            }
        }
        // Let the load reach every node, then crash a primary.
        while successes.value < 500 { try await Task.sleep(for: .milliseconds(10)) }
        let (victim, heir) = try #require(try cluster.primariesWithReplicas().first)
        let killedAt = ContinuousClock.now
        cluster.kill(port: victim)
        defer { restore(victim) }
        // Wait (bounded) until the replica has been promoted.
        let promotionDeadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < promotionDeadline {
            if let now = try? cluster.roles(), now.primaries.contains(heir), !now.primaries.contains(victim) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let promotedAt = ContinuousClock.now
        #expect(try cluster.roles().primaries.contains(heir), "the replica was not promoted within 30 s")
        // Keep the load going until it has run a while on the new topology.
        let successesAtPromotion = successes.value
        let settleDeadline = ContinuousClock.now + .seconds(20)
        while successes.value < successesAtPromotion + 2000, ContinuousClock.now < settleDeadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        stop.set()
        await load.value

        // After the failover, everything succeeds.
        var afterwards = 0
        for index in 0..<300 {
            let key = "failover:after:\(index)"
            try await client.set(key, "\(index)")
            if try await client.getString(key) == "\(index)" { afterwards += 1 }
        }
        #expect(afterwards == 300)
        #expect(try await client.topology().shards.contains { $0.primary.port == heir })

        let failed = failures.entries
        let window = (failed.map(\.0).max() ?? killedAt) - (failed.map(\.0).min() ?? killedAt)
        let lastFailureAfterKill = (failed.map(\.0).max() ?? killedAt) - killedAt
        print(
            "failover under load: primary :\(victim) killed, replica :\(heir) promoted after \(promotedAt - killedAt); "
                + "\(failed.count) commands failed within a window of \(window) (the last \(lastFailureAfterKill) "
                + "after the kill); \(successes.value) succeeded; "
                + "errors: \(Set(failed.map { String($0.1.prefix(80)) }).sorted().prefix(3)); \(client.statistics)")
        // Failures happen only around the failover: none before the kill, none long after the
        // promotion. Only commands in flight on the killed primary fail (they may have run, so
        // they are not repeated): at most one per task. Every later command for its slots waits
        // for the promotion and succeeds.
        #expect(failed.allSatisfy { $0.0 >= killedAt })
        #expect(failed.count <= 16)
        #expect(failed.allSatisfy { $0.1.contains("connection closed") })
        #expect(lastFailureAfterKill < (promotedAt - killedAt) + .seconds(10))
        await client.shutdown()
    }

    /// The killed node back, as its heir's replica: the next test finds every shard with a
    /// replica, whatever happened in this one.
    func restore(_ port: Int) {
        do {
            try cluster.restore(port: port)
        } catch {
            Issue.record("the killed node did not come back: \(error)")
        }
    }

    /// A sharded subscription whose primary dies goes on at the promoted replica, without ending
    /// the sequence (messages published in between are missed: at most once).
    @Test func shardedSubscriptionFollowsAPromotedReplica() async throws {
        try cluster.waitUntilHealthy()
        let (victim, heir) = try #require(try cluster.primariesWithReplicas().first)
        var configuration = try RedisClusterConfiguration(urls: cluster.urls)
        configuration.node.commandTimeout = .seconds(15)
        configuration.periodicRefreshInterval = .seconds(1)
        let client = try RedisClusterClient(configuration: configuration)
        var index = 0
        while try cluster.owner(ofSlot: RedisClusterSlot(key: "match\(index)").value) != victim { index += 1 }
        let channel = "{match\(index)}:scores"
        let subscription = try await client.subscribe(toShardChannels: [channel])
        var messages = subscription.makeAsyncIterator()
        #expect(try await client.spublish(channel, "before") == 1)
        #expect(try await messages.next()?.text == "before")

        cluster.kill(port: victim)
        defer { restore(victim) }
        let promotionDeadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < promotionDeadline, (try? cluster.roles().primaries.contains(heir)) != true {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try cluster.roles().primaries.contains(heir), "the replica was not promoted within 30 s")
        // Publish (at the heir, once the client follows) until the resubscribed sequence hears it.
        var heard: String?
        let deadline = ContinuousClock.now + .seconds(30)
        var attempt = 0
        while heard == nil, ContinuousClock.now < deadline {
            attempt += 1
            if (try? await client.spublish(channel, "after-\(attempt)")) == 1 {
                heard = "after-\(attempt)"
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(heard != nil, "no subscriber at the promoted replica")
        if heard != nil { #expect(try await messages.next()?.text == heard) }
        await client.shutdown()
    }

    /// Client tracking through a failover: the dead primary's loss is reported, tracking resumes
    /// only once the promoted replica tracks too, and a write there then reaches the stream.
    @Test func trackingFollowsAPromotedReplica() async throws {
        let (victim, heir) = try #require(try cluster.primariesWithReplicas().first)
        // Seeded with the replica alone: the client reads the topology there first.
        var configuration = try RedisClusterConfiguration(urls: ["redis://127.0.0.1:\(heir)"])
        configuration.node.commandTimeout = .seconds(15)
        configuration.periodicRefreshInterval = .seconds(1)
        let client = try RedisClusterClient(configuration: configuration)
        let writer = try RedisClusterClient(configuration: configuration)
        let events = StrataMutex<[RedisInvalidation]>([])
        let tracking = try await client.startTracking(healthCheckInterval: .milliseconds(500)) { event in
            events.withLock { $0.append(event) }
        }
        var index = 0
        while try cluster.owner(ofSlot: RedisClusterSlot(key: "followed\(index)").value) != victim { index += 1 }
        let key = "followed\(index)"
        try await writer.set(key, "v1")
        #expect(try await client.getString(key) == "v1")
        try cluster.waitUntilReplicated(primary: victim)  // or the kill may take the write with it

        cluster.kill(port: victim)
        defer { restore(victim) }
        let promotionDeadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < promotionDeadline {
            if let now = try? cluster.roles(), now.primaries.contains(heir) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try cluster.roles().primaries.contains(heir), "the replica was not promoted within 30 s")
        // The key is read again until the client follows the promotion, then tracking must be
        // whole again: on at the heir as well.
        #expect(await eventually(timeout: .seconds(30)) { (try? await client.getString(key)) == "v1" })
        #expect(await eventually(timeout: .seconds(30)) { tracking.isActive })
        let sofar = events.withLock { $0 }
        #expect(sofar.contains { if case .trackingLost = $0 { true } else { false } }, "\(sofar)")
        #expect(sofar.contains { if case .trackingResumed = $0 { true } else { false } }, "\(sofar)")
        // Read at the heir (tracked there), then changed there by another client.
        #expect(try await client.getString(key) == "v1")
        try await writer.set(key, "v2")
        #expect(
            await eventually {
                events.withLock { all in
                    all.contains { event in
                        if case .keys(let keys) = event { keys.contains(Array(key.utf8)) } else { false }
                    }
                }
            }, "\(events.withLock { $0 })")
        await tracking.stop()
        await client.shutdown()
        await writer.shutdown()
    }
}

/// Failed commands and when they failed.
final class FailureLog: Sendable {
    private let log = StrataMutex<[(ContinuousClock.Instant, String)]>([])
    func record(_ instant: ContinuousClock.Instant, _ message: String) {
        log.withLock { $0.append((instant, message)) }
    }
    var entries: [(ContinuousClock.Instant, String)] { log.withLock { $0 } }
}

/// Commands that succeeded.
final class SuccessCounter: Sendable {
    private let count = Atomic<Int>(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
