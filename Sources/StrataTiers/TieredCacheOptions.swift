import StrataRedis

/// How a ``TieredCache`` behaves beyond its tiers.
public struct TieredCacheOptions: Sendable {
    /// How local copies stay coherent with Redis across app instances.
    public enum Coherence: Sendable, Hashable {
        /// RESP3 client tracking on the first Redis tier: any writer of a key (Strata or not)
        /// invalidates local copies. `broadcast` tracks every key of the namespace instead of
        /// the keys this process read (more messages, no server memory per key).
        case clientTracking(broadcast: Bool)
        /// A pub/sub channel on the first Redis tier: Strata instances publish their changes
        /// (`set`, `invalidate`), batched. Works with RESP2 servers; misses changes made by
        /// other programs.
        case pubSub(channel: String)
        /// No coherence: local copies live their TTL (a single process, or tolerated staleness).
        case none
    }

    /// Locks loads across processes: the first process to miss takes a short Redis lock; the
    /// others wait briefly for the value it writes instead of loading too.
    public struct DistributedLock: Sendable, Hashable {
        /// How long a lock is held at most (its Redis expiry), in case the holder dies.
        public var lease: Duration
        /// How long the others wait for the value before loading themselves.
        public var wait: Duration
        /// How often the others look for the value while waiting.
        public var pollInterval: Duration

        /// Creates lock settings.
        public init(
            lease: Duration = .seconds(5), wait: Duration = .milliseconds(500),
            pollInterval: Duration = .milliseconds(10)
        ) {
            self.lease = lease
            self.wait = wait
            self.pollInterval = pollInterval
        }
    }

    /// How long a "not found" from the loader is cached (`nil`: not cached).
    public var negativeTTL: Duration? = .seconds(5)
    /// Each TTL is multiplied by a random factor in `(1 - jitter, 1]`, so keys written together do
    /// not expire together.
    public var jitter: Double = 0.1
    /// After an entry's TTL, it is served this much longer while one background refresh runs
    /// (`nil`: expired entries are loaded before answering).
    public var staleWhileRevalidate: Duration?
    /// When the loader or Redis fails, the last value is served up to this long past its expiry
    /// (`nil`: the failure is thrown). Served values are counted as `staleServed`.
    public var failSafeMaxStaleness: Duration?
    /// Probabilistic early refresh (XFetch): a fresh entry is refreshed in the background with a
    /// probability that grows as its expiry nears, weighted by how long it took to load.
    /// 1 is the usual value; `nil` turns it off.
    public var earlyRefreshBeta: Double?
    /// Cross-process stampede protection (`nil`: only within the process).
    public var distributedLock: DistributedLock?
    /// How local copies stay coherent.
    public var coherence: Coherence = .clientTracking(broadcast: false)
    /// How often the coherence link (tracking connection) is pinged; a silent one is noticed
    /// within two intervals, and the local tier is flushed.
    public var coherenceHealthCheckInterval: Duration = .seconds(1)
    /// How long published invalidations are collected before going out in one message.
    public var publishBatchWindow: Duration = .milliseconds(1)
    /// After an invalidation, Redis tiers hold a tombstone for the key this long: fills are
    /// refused meanwhile, so a load that began before the invalidation cannot write its older
    /// value back. Keep it above the loader's slowest time.
    public var tombstoneTTL: Duration = .seconds(5)
    /// Invalidations whose Redis write failed are retried when the tier recovers; at most this many
    /// are remembered (beyond that, the failure is counted and the tier keeps the old value until
    /// its TTL).
    public var maximumPendingInvalidations: Int = 10_000
    /// The name of this process' region, when Redis tiers span regions: invalidations published
    /// on the last (global) tier delete from other regions' tiers. Defaults to the first Redis
    /// tier's name.
    public var region: String?
    /// Gives up on a loader call that takes longer: the read fails with `RedisClientError` (StrataRedis)
    /// code `timeout` (or, when a fail-safe value is at hand, serves it). The call itself is
    /// cancelled. `nil` (the default) waits as long as the loader takes.
    public var loaderTimeout: Duration?
    /// When a fail-safe value is at hand (see ``failSafeMaxStaleness``) and the loader takes
    /// longer than this, serve that value at once and let the load finish in the background,
    /// writing its result through the Redis tiers for the next read. Without a fail-safe value
    /// the read waits (up to ``loaderTimeout``). `nil` (the default) never serves early.
    public var loaderSoftTimeout: Duration?
    /// Receives the cache's events (tier hits and misses, stale values served, the loader, circuit
    /// breakers, local flushes, invalidations); `nil`: none, at the cost of one branch where an
    /// event could happen. The Redis clients' events go to their own
    /// `RedisConfiguration.observer` (the same object may be set on both).
    public var observer: (any StrataObserver)?
    /// Runs around each read (`get`, `fetch`, `getMany`), in the caller's task (`StrataInterceptor`);
    /// `nil`: none, at the cost of one branch per read. The Redis clients' commands go to their
    /// own `RedisConfiguration.interceptor` (the same object may be set on both,
    /// and then a read's commands run inside the read's interception).
    public var interceptor: (any StrataInterceptor)?
    /// Called with the keys whose local copies another writer's change (another instance's, or
    /// another region's on the regional bus) has just dropped, as they are dropped. For measuring
    /// how long an invalidation takes to arrive (`strata demo --regions`, tests): the observer's
    /// `StrataEvent.invalidationReceived(keys:)` carries a count, not the keys.
    /// `nil` (the default) costs one branch per invalidation.
    package var invalidationHook: (@Sendable (_ keys: [String]) -> Void)?

    /// Creates options with the defaults.
    public init() {}
}
