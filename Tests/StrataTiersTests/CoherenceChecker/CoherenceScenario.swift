import StrataCache
import StrataRedis
import StrataServerTestSupport

@testable import StrataTiers

/// One randomized run of the coherence checker, fixed by its seed: how many instances, which
/// tiers, which options, which faults. `description` is what a failing seed prints first.
struct CoherenceScenario: CustomStringConvertible, Sendable {
    enum Profile: String, Sendable {
        /// Nothing expires during the run: every stale read is a coherence failure.
        case coherence
        /// Short TTLs with stale-while-revalidate, fail-safe and early refresh: the refresh paths.
        case expiry
    }

    var seed: UInt64
    var kind: TestRedisServer.Kind
    var instances: Int
    /// 1: one Redis tier. 2: a regional tier per region and a shared global tier.
    var tierCount: Int
    /// With two tiers: instances alternate between two regions (each with its own regional server).
    var regions: Int
    var coherence: TieredCacheOptions.Coherence
    var profile: Profile
    var distributedLock: Bool
    var negativeCaching: Bool
    var faults: Bool
    var outOfBandWrites: Bool
    var keys: Int
    var duration: Duration
    /// Over a real Redis Cluster: one cluster tier, and slots of the keys in use move as faults.
    var cluster: TestRedisCluster?
    /// Over a real Redis Cluster: the fault is a failover instead (a primary that has a replica is
    /// killed once, early in the run, and its replica takes over).
    var failover = false
    /// Only instance 0 changes keys; the others only read, so a local copy they miss an
    /// invalidation for stays (it is not refreshed by their own writes) until the oracle sees it.
    var singleWriter = false
    /// Keys carry a tag by group (`group0`, `group1`: even and odd keys), from `set` and from the
    /// loader, and some invalidations are of a whole group (`invalidate(tag:)`).
    var tags = false

    init(seed: UInt64, kind: TestRedisServer.Kind) {
        var random = SplitMix64(seed: SplitMix64.mix(seed))
        self.seed = seed
        self.kind = kind
        instances = Int.random(in: 2...8, using: &random)
        tierCount = Int.random(in: 1...2, using: &random)
        regions = tierCount == 2 && Bool.random(using: &random) ? 2 : 1
        coherence =
            [.clientTracking(broadcast: false), .clientTracking(broadcast: true), .pubSub(channel: "coherence")]
            .randomElement(using: &random)!
        profile = Int.random(in: 0..<3, using: &random) == 0 ? .expiry : .coherence
        distributedLock = Bool.random(using: &random)
        negativeCaching = Bool.random(using: &random)
        faults = Int.random(in: 0..<3, using: &random) != 0
        outOfBandWrites = Bool.random(using: &random)
        keys = Int.random(in: 3...8, using: &random)
        duration = .milliseconds(Int.random(in: 1200...2000, using: &random))
        tags = Bool.random(using: &random)
    }

    /// A scenario over `cluster`: one tier (the cluster), one region, no expiry; odd seeds move
    /// slots of the keys in use while the instances run.
    init(seed: UInt64, cluster: TestRedisCluster) {
        self.init(seed: seed, kind: .real)
        self.cluster = cluster
        tierCount = 1
        regions = 1
        profile = .coherence
        faults = seed % 2 == 1
        duration = .seconds(3)
    }

    /// A scenario over `cluster` whose fault is a failover: a primary is killed 1.5 s into a run
    /// long enough for its replica to be promoted and the instances to go on there.
    init(seed: UInt64, failoverOf cluster: TestRedisCluster) {
        self.init(seed: seed, cluster: cluster)
        faults = true
        failover = true
        duration = .seconds(8)
        // Each way of keeping coherent in turn, and enough keys that each is written seldom enough
        // for a missed invalidation to show.
        coherence =
            [.clientTracking(broadcast: false), .clientTracking(broadcast: true), .pubSub(channel: "coherence")][
                Int(seed % 3)]
        keys = 24
        singleWriter = true
    }

    var localTTL: Duration { profile == .coherence ? .seconds(60) : .milliseconds(250) }
    var redisTTL: Duration { profile == .coherence ? .seconds(120) : .milliseconds(600) }
    var staleWhileRevalidate: Duration? { profile == .expiry ? .milliseconds(300) : nil }
    var failSafe: Duration? { profile == .expiry ? .milliseconds(500) : nil }
    static let healthCheckInterval = Duration.milliseconds(100)

    /// How stale a read may be, past the moment its value stopped being current. Across a
    /// failover the run adds the time the promotion took (see ``CoherenceRun``): a write whose
    /// tier write failed on the dead primary leaves the old value in its replica, and reads that
    /// wait for the promotion can get it until the failed invalidation is retried there.
    var allowedStaleness: Duration {
        // The delivery of an invalidation, generous for a shared two-core machine.
        var allowed = Duration.milliseconds(750)
        if case .pubSub = coherence, outOfBandWrites {
            // Other programs' writes are not published: a local copy lives its TTL.
            allowed += localTTL + (staleWhileRevalidate ?? .zero)
        }
        if faults {
            // A write that failed on a stalled tier leaves the old value there until the tier
            // answers again and the invalidation is retried (every second); a lost link is noticed
            // within two health checks.
            allowed += .milliseconds(400) + .milliseconds(1500) + Self.healthCheckInterval * 2
            if profile == .expiry {
                // The database fails too: fail-safe serves the last value, within its window.
                allowed += localTTL + redisTTL + (staleWhileRevalidate ?? .zero) + (failSafe ?? .zero)
            }
        }
        return allowed
    }

    var description: String {
        let coherenceName: String
        switch coherence {
        case .clientTracking(let broadcast): coherenceName = broadcast ? "tracking(broadcast)" : "tracking"
        case .pubSub: coherenceName = "pub/sub"
        case .none: coherenceName = "none"
        }
        let on = cluster.map { "a cluster (\($0.ports.count) nodes\(failover ? ", failover" : ""))" } ?? "\(kind)"
        return "seed \(seed) on \(on): \(instances) instances, \(tierCount) tier(s), \(regions) region(s), "
            + "\(coherenceName), profile \(profile.rawValue), lock \(distributedLock), "
            + "negative \(negativeCaching), faults \(faults), out-of-band \(outOfBandWrites), \(keys) keys, "
            + "\(duration), allowed staleness \(allowedStaleness)"
            + (singleWriter ? ", one writer" : "") + (tags ? ", tags" : "")
    }
}
