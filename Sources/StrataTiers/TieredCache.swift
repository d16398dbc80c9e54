import StrataCache
import StrataLRU
import StrataRESP
import StrataRedis
import StrataSync
import Synchronization

/// One read path through process memory, Redis tiers and the loader (the database), that
/// protects the database and never serves data it should know is stale.
///
/// ```swift
/// let cache = TieredCache<User>(
///     local: .lru(capacity: 10_000, ttl: .seconds(30)),
///     redis: [RedisTierOptions(client: redis, namespace: "users:", ttl: .seconds(600))],
///     codec: JSONCodec<User>(),
///     loader: { id in try await database.user(id: id) }
/// )
/// try await cache.start()
/// let user = try await cache.get("42")
/// ```
///
/// - Reads: the first tier holding the key answers; the tiers above it are backfilled, never
///   for longer than the lower tier has left. A miss everywhere calls the loader once per key in
///   the process however many callers wait (single-flight), optionally once across processes
///   (``TieredCacheOptions/distributedLock``). "Not found" is cached for
///   ``TieredCacheOptions/negativeTTL``.
/// - Writes: ``set(_:_:ttl:tags:)`` writes through every tier; ``invalidate(_:)-(String)`` removes from
///   every tier. A Redis write that fails drops the local copy, which Redis might now contradict.
/// - Coherence: local copies are invalidated by RESP3 client tracking (any writer of the key) or
///   a pub/sub channel; if that link is lost or goes silent, the local tier is flushed and not
///   filled until it is back. An invalidation that arrives while a fetch of the key is in flight
///   stops the (already stale) reply from being stored.
/// - Failure: a slow or dead Redis is skipped (bounded timeouts, a circuit breaker that probes for
///   recovery) and reads go to the loader. Stale data is served only when configured to
///   (stale-while-revalidate, fail-safe), and counted.
public final class TieredCache<Value: Sendable>: Sendable {
    /// Loads the value of a key from the source of truth; `nil` means "not found".
    public typealias Loader = @Sendable (String) async throws -> Value?
    /// Loads the value of a key and says how to cache it (adaptive caching): its own TTL, or not
    /// at all.
    public typealias AdaptiveLoader = @Sendable (String) async throws -> TieredCacheLoad<Value>

    @usableFromInline let options: TieredCacheOptions
    /// ``TieredCacheOptions/observer``, checked once where an event could happen.
    @usableFromInline let observer: (any StrataObserver)?
    @usableFromInline let clock: any TierClock
    let local: (any LocalTierStorage<Value>)?
    /// The local tier again when it is an LRU, for the inlined hit path.
    @usableFromInline let lruLocal: LRULocalTier<Value>?
    let localTTL: Duration
    let redisTiers: [RedisTier]
    let encode: @Sendable (Value) throws -> [UInt8]
    let decode: @Sendable ([UInt8]) throws -> Value
    let loader: AdaptiveLoader
    let flights = SingleFlight<Fetched>()
    let refreshes = SingleFlight<Fetched>()

    @usableFromInline let localCounters = TierCounters(name: "local")
    let loaderCounters = TierCounters(name: "loader")
    let endToEnd = LatencyHistogram()
    /// Whether local copies can be trusted to hear about changes (coherence link up).
    let coherent: Atomic<Bool>
    let instanceID = UInt64.random(in: 1...UInt64.max)
    let coherence = StrataMutex(CoherenceState())
    let pendingInvalidations = StrataMutex<[String: PendingInvalidation]>([:])
    let backfillsInFlight = Atomic<Int>(0)
    /// Bumped whenever the coherence link starts, is lost or resumes: loads that began in an
    /// earlier epoch neither store locally nor write back to Redis.
    let linkEpoch = Atomic<UInt64>(0)
    /// Until then (Unix milliseconds), reads skip the tiers nearer than the global one: the
    /// regional bus was lost, and they may hold values other regions replaced.
    let nearerTiersSkippedUntil = Atomic<Int64>(0)
    /// Load locks this process is releasing, by key: a new load of the key waits for the release
    /// instead of for the lease to run out.
    let lockReleases = StrataMutex<[String: LockRelease]>([:])
    /// Loaded values still being written through the Redis tiers (and then kept locally), after
    /// their callers got them: awaited by ``waitForBackgroundFills()`` and ``shutdown()``.
    let backgroundFills = StrataMutex<[UInt64: Task<Void, Never>]>([:])
    let backgroundFillIDs = Atomic<UInt64>(0)
    /// The invalidation times of the tags this instance has seen, by tag (see `invalidate(tag:)`).
    let tagTimes = StrataMutex(TagTable())
    /// Tag invalidations whose write to Redis failed, by tag: retried with failed invalidations.
    let pendingTagWrites = StrataMutex<[String: Int64]>([:])

    /// An invalidation (or a failed `set`) that some Redis tiers did not take: retried on those
    /// tiers only, and never over a newer value.
    struct PendingInvalidation: Sendable {
        /// When it happened (the tombstone's version).
        var version: Int64
        /// The indices of the Redis tiers still to be told.
        var tiers: Set<Int>
        /// Rounds to repeat it after it first succeeds.
        var confirmations = 1
    }

    /// A load lock being released (its token, and the task doing it).
    struct LockRelease: Sendable {
        var id: String
        var task: Task<Void, Never>
    }

    /// What a fetch below the local tier produced.
    struct Fetched: Sendable {
        var entry: TierEntry<Value>
        /// Whether it was served past its expiry because loading failed (not to be stored).
        var isFailSafe: Bool
        /// Whether it may be stored in the local tier.
        var cacheable: Bool
        /// Where it came from.
        var source: TierSource
        /// A loaded value's write through the Redis tiers, still running: the caller has its value
        /// before Redis does. It returns whether the nearest tier took the value (and so whether
        /// the value may be kept locally).
        var fill: Task<Bool, Never>? = nil
    }

    /// Creates a tiered cache.
    ///
    /// - Parameters:
    ///   - local: the in-process tier (`nil`: none).
    ///   - redis: the Redis tiers, nearest first (for example regional, then global).
    ///   - codec: turns values into the bytes Redis tiers store.
    ///   - options: behaviour beyond the tiers.
    ///   - clock: the time source (tests inject a manual one).
    ///   - loader: loads a key from the source of truth; `nil` means "not found".
    public convenience init<Codec: CacheCodec>(
        local: LocalTierOptions?,
        redis: [RedisTierOptions] = [],
        codec: Codec,
        options: TieredCacheOptions = TieredCacheOptions(),
        clock: any TierClock = SystemTierClock(),
        loader: @escaping Loader
    ) where Codec.Value == Value {
        self.init(
            local: local, redis: redis, codec: codec, options: options, clock: clock,
            adaptiveLoader: Self.adaptive(loader))
    }

    /// A cache whose loader also says how to cache each value (``TieredCacheLoad``): a TTL of
    /// its own, or not at all.
    ///
    /// ```swift
    /// let quotes = TieredCache<Quote>(local: .lru(capacity: 1_000, ttl: .seconds(60)), codec: JSONCodec<Quote>()) {
    ///     symbol in
    ///     let quote = try await market.quote(symbol)
    ///     return quote.isMarketOpen ? .cache(quote, ttl: .seconds(1)) : .cache(quote, ttl: .seconds(3600))
    /// }
    /// ```
    public init<Codec: CacheCodec>(
        local: LocalTierOptions?,
        redis: [RedisTierOptions] = [],
        codec: Codec,
        options: TieredCacheOptions = TieredCacheOptions(),
        clock: any TierClock = SystemTierClock(),
        adaptiveLoader loader: @escaping AdaptiveLoader
    ) where Codec.Value == Value {
        self.options = options
        self.observer = options.observer
        self.clock = clock
        self.localTTL = local?.ttl ?? .zero
        switch local?.kind {
        case .lru(let capacity):
            let lru = LRULocalTier<Value>(capacity: capacity)
            self.local = lru
            self.lruLocal = lru
        case .hotCold(let capacity, let threshold):
            self.local = HotColdLocalTier<Value>(capacity: capacity, promotionThreshold: threshold)
            self.lruLocal = nil
        case nil:
            self.local = nil
            self.lruLocal = nil
        }
        self.redisTiers = redis.map { RedisTier(options: $0, clock: clock, observer: options.observer) }
        self.encode = { value in try codec.encode(value) }
        self.decode = { bytes in try codec.decode(bytes) }
        self.loader = loader
        // Without Redis tiers there is nothing to be coherent with; with them, local copies are
        // trusted only once the coherence link is up (see `start()`).
        let needsLink = !redis.isEmpty && options.coherence != .none
        self.coherent = Atomic(!needsLink)
    }

    /// A plain loader as an adaptive one: every value cached with the cache's TTLs.
    static func adaptive(_ loader: @escaping Loader) -> AdaptiveLoader {
        { key in TieredCacheLoad(value: try await loader(key)) }
    }

    /// The `MetricsObserver` (StrataRedis) among ``TieredCacheOptions/observer`` (set directly, or
    /// inside a `FanOutObserver`), if there is one:
    /// `cache.metrics?.prometheusText()`.
    public var metrics: MetricsObserver? {
        if let metrics = observer as? MetricsObserver { return metrics }
        guard let fanOut = observer as? FanOutObserver else { return nil }
        return fanOut.observers.lazy.compactMap { $0 as? MetricsObserver }.first
    }

    /// The TTL of values the loader produced: the longest tier's (each tier keeps at most its own).
    var baseTTL: Duration {
        redisTiers.map(\.options.ttl).max().map { max($0, localTTL) } ?? localTTL
    }
}

/// A value read through a ``TieredCache``, with its freshness.
public struct TieredCacheResult<Value: Sendable>: Sendable {
    /// The value, or `nil` when the loader found nothing.
    public var value: Value?
    /// How long the value stays fresh (zero when served stale on purpose).
    public var remainingTTL: Duration
    /// Whether it was served past its TTL (stale-while-revalidate or fail-safe).
    public var isStale: Bool
    /// The tier that answered.
    public var source: TierSource
}

/// What an adaptive loader returns: the value, and how to cache it.
public struct TieredCacheLoad<Value: Sendable>: Sendable {
    /// The value, or `nil` for "not found".
    public var value: Value?
    /// How long it stays fresh, in place of the cache's TTLs (each tier still keeps it at most
    /// its own TTL); `nil` uses them.
    public var ttl: Duration?
    /// Whether to cache it at all (`false`: the caller gets it, no tier keeps it).
    public var isCached: Bool
    /// Tags to cache it with (see ``TieredCache/invalidate(tag:)``).
    public var tags: [String]

    /// A loaded value, cached with the cache's TTLs, or for `ttl`, with `tags`.
    public init(value: Value?, ttl: Duration? = nil, isCached: Bool = true, tags: [String] = []) {
        self.value = value
        self.ttl = ttl
        self.isCached = isCached
        self.tags = tags
    }

    /// `value`, cached for `ttl` (`nil`: the cache's TTLs), with `tags`.
    public static func cache(_ value: Value?, ttl: Duration? = nil, tags: [String] = []) -> Self {
        Self(value: value, ttl: ttl, tags: tags)
    }

    /// `value` for this caller only: no tier keeps it.
    public static func doNotCache(_ value: Value?) -> Self { Self(value: value, isCached: false) }
}

/// Which tier answered a read.
public enum TierSource: Sendable, Hashable, CustomStringConvertible {
    /// The in-process tier.
    case local
    /// The Redis tier with this name.
    case redis(String)
    /// The loader (the source of truth).
    case loader
    /// The last known value, served because loading failed (fail-safe).
    case failSafe

    public var description: String {
        switch self {
        case .local: return "local"
        case .redis(let name): return name
        case .loader: return "loader"
        case .failSafe: return "fail-safe"
        }
    }
}

extension Duration {
    var tierNanoseconds: Int64 { cacheNanoseconds }
}

extension TierCounters {
    var nameIsLoader: Bool { name == "loader" }
}
