import Glibc
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
/// - Writes: ``set(_:_:ttl:)`` writes through every tier; ``invalidate(_:)`` removes from every
///   tier. A Redis write that fails drops the local copy, which Redis might now contradict.
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

    @usableFromInline let options: TieredCacheOptions
    @usableFromInline let clock: any TierClock
    let local: (any LocalTierStorage<Value>)?
    /// The local tier again when it is an LRU, for the inlined hit path.
    @usableFromInline let lruLocal: LRULocalTier<Value>?
    let localTTL: Duration
    let redisTiers: [RedisTier]
    let encode: @Sendable (Value) throws -> [UInt8]
    let decode: @Sendable ([UInt8]) throws -> Value
    let loader: Loader
    let flights = SingleFlight<Fetched>()
    let refreshes = SingleFlight<Fetched>()

    @usableFromInline let localCounters = TierCounters(name: "local")
    let loaderCounters = TierCounters(name: "loader")
    let endToEnd = LatencyHistogram()
    /// Whether local copies can be trusted to hear about changes (coherence link up).
    let coherent: Atomic<Bool>
    let instanceID = UInt64.random(in: 1...UInt64.max)
    let coherence = StrataMutex(CoherenceState())
    let pendingInvalidations = StrataMutex<Set<String>>([])
    let backfillsInFlight = Atomic<Int>(0)
    /// Load locks this process is releasing, by key: a new load of the key waits for the release
    /// instead of for the lease to run out.
    let lockReleases = StrataMutex<[String: LockRelease]>([:])

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
    public init<Codec: CacheCodec>(
        local: LocalTierOptions?,
        redis: [RedisTierOptions] = [],
        codec: Codec,
        options: TieredCacheOptions = TieredCacheOptions(),
        clock: any TierClock = SystemTierClock(),
        loader: @escaping Loader
    ) where Codec.Value == Value {
        self.options = options
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
        self.redisTiers = redis.map { RedisTier(options: $0, clock: clock) }
        self.encode = { value in try codec.encode(value) }
        self.decode = { bytes in try codec.decode(bytes) }
        self.loader = loader
        // Without Redis tiers there is nothing to be coherent with; with them, local copies are
        // trusted only once the coherence link is up (see `start()`).
        let needsLink = !redis.isEmpty && options.coherence != .none
        self.coherent = Atomic(!needsLink)
    }

    /// The TTL of values the loader produced: the longest tier's (each tier keeps at most its own).
    var baseTTL: Duration {
        redisTiers.map(\.options.ttl).max().map { max($0, localTTL) } ?? localTTL
    }

    // MARK: Reading

    /// The value for `key`, from the nearest tier that has it, or loaded.
    ///
    /// - Throws: the loader's error (unless fail-safe serves the last value); tier failures never
    ///   throw, they skip the tier.
    ///
    /// It runs on the caller's executor (`nonisolated(nonsending)`): a local hit from an actor or
    /// the main actor costs no hop to another thread.
    @inlinable
    nonisolated(nonsending) public func get(_ key: String) async throws -> Value? {
        // A fresh local copy is served synchronously: no task frame, no lock beyond the LRU's.
        if let hit = localHit(key) { return hit }
        return try await fetchValue(key)
    }

    /// The full read path's value (a local miss or an expired local copy).
    @usableFromInline
    func fetchValue(_ key: String) async throws -> Value? {
        try await entry(for: key).0.value
    }

    /// The local copy of `key` if it can be served right away (fresh, or usable while a refresh
    /// starts); `nil` to take the full path. An outer `nil` means no hit; `.some(nil)` is a cached
    /// "not found".
    @inlinable
    func localHit(_ key: String) -> Value?? {
        guard let lruLocal, let entry = lruLocal.cache.get(key) else { return nil }
        let now = clock.unixMilliseconds
        if now < entry.freshUntil {
            localCounters.hits.increment()
            if let beta = options.earlyRefreshBeta, Self.refreshesEarly(entry, now: now, beta: beta) {
                refreshInBackground(key)
            }
            return .some(entry.value)
        }
        if now < entry.usableUntil {
            localCounters.hits.increment()
            localCounters.staleServed.increment()
            refreshInBackground(key)
            return .some(entry.value)
        }
        return nil
    }

    /// The value for `key` with how long it stays fresh, for HTTP caching headers.
    nonisolated(nonsending) public func fetch(_ key: String) async throws -> TieredCacheResult<Value> {
        let (entry, source) = try await entry(for: key)
        let remaining = entry.freshUntil - clock.unixMilliseconds
        return TieredCacheResult(
            value: entry.value, remainingTTL: .milliseconds(max(0, remaining)), isStale: remaining <= 0, source: source)
    }

    func entry(for key: String) async throws -> (TierEntry<Value>, TierSource) {
        let started = clock.now
        var ticket: FillTicket?
        var failSafe: TierEntry<Value>?
        if let local {
            let now = clock.unixMilliseconds
            switch local.lookup(key) {
            case .hit(let entry) where now < entry.freshUntil:
                localCounters.hits.increment()
                if let beta = options.earlyRefreshBeta, Self.refreshesEarly(entry, now: now, beta: beta) {
                    refreshInBackground(key)
                }
                return (entry, .local)
            case .hit(let entry) where now < entry.usableUntil:
                localCounters.hits.increment()
                localCounters.staleServed.increment()
                refreshInBackground(key)
                return (entry, .local)
            case .hit(let entry):
                if now < entry.keptUntil { failSafe = entry }
                localCounters.misses.increment()
                ticket = local.ticket(for: key)
            case .miss(let fill):
                localCounters.misses.increment()
                ticket = fill
            }
        }
        do {
            let (fetched, isLeader) = try await flights.run(key) { [failSafe] in
                try await self.fetch(key, failSafe: failSafe)
            }
            if let local, let ticket {
                if isLeader && fetched.cacheable && !fetched.isFailSafe && coherent.load(ordering: .relaxed) {
                    local.store(key, bounded(fetched.entry, ttl: localTTL), ticket: ticket)
                } else if isLeader {
                    local.release(key, ticket: ticket)
                }
            }
            endToEnd.record(nanoseconds: started.duration(to: clock.now).tierNanoseconds)
            return (fetched.entry, fetched.source)
        } catch {
            if let local, let ticket { local.release(key, ticket: ticket) }
            throw error
        }
    }

    /// Reads the Redis tiers in order, then the loader. Backfills the tiers above a hit.
    func fetch(_ key: String, failSafe: TierEntry<Value>?) async throws -> Fetched {
        var failSafe = failSafe
        for (index, tier) in redisTiers.enumerated() {
            let started = clock.now
            let envelope: CacheEnvelope?
            do {
                envelope = try await tier.get(key)
            } catch {
                continue  // the tier counted the failure; skip it
            }
            tier.counters.latency.record(nanoseconds: started.duration(to: clock.now).tierNanoseconds)
            guard let envelope, let found = entry(from: envelope, tier: tier) else {
                tier.counters.misses.increment()
                continue
            }
            let now = clock.unixMilliseconds
            if now < found.usableUntil {
                tier.counters.hits.increment()
                if now >= found.freshUntil {
                    tier.counters.staleServed.increment()
                    refreshInBackground(key)
                }
                backfill(key, found, above: index)
                return Fetched(entry: found, isFailSafe: false, cacheable: true, source: .redis(tier.options.name))
            }
            let keptLonger = found.keptUntil > (failSafe?.keptUntil ?? Int64.min)
            if now < found.keptUntil && keptLonger { failSafe = found }
            tier.counters.misses.increment()
        }
        return try await load(key, failSafe: failSafe)
    }

    /// Calls the loader (under the distributed lock when configured) and writes the result
    /// through every Redis tier.
    func load(_ key: String, failSafe: TierEntry<Value>?) async throws -> Fetched {
        var lock: DistributedLockHandle?
        if let lockOptions = options.distributedLock, let lockTier = redisTiers.last {
            switch await acquireLock(key, tier: lockTier, options: lockOptions) {
            case .acquired(let handle):
                lock = handle
            case .found(let fetched):
                return fetched
            case .unavailable:
                break
            }
        }
        defer {
            if let lock { release(lock, key: key) }
        }
        return try await loadFromSource(key, failSafe: failSafe)
    }

    /// Releases the load lock in the background, so callers get their value without waiting
    /// for it. A load of the same key in this process waits for the release (see `acquireLock`)
    /// rather than for the lease to run out.
    private func release(_ lock: DistributedLockHandle, key: String) {
        // Started under the table's lock, so its own removal cannot come before its insertion.
        lockReleases.withLock { releases in
            let id = lock.token
            releases[key] = LockRelease(
                id: id,
                task: Task {
                    await self.releaseLock(lock)
                    self.lockReleases.withLock { releases in
                        if releases[key]?.id == id { releases[key] = nil }
                    }
                })
        }
    }

    /// Calls the loader and writes its result through every Redis tier.
    private func loadFromSource(_ key: String, failSafe: TierEntry<Value>?) async throws -> Fetched {
        let started = clock.now
        do {
            let value = try await loader(key)
            let elapsed = started.duration(to: clock.now)
            loaderCounters.loads.increment()
            loaderCounters.latency.record(nanoseconds: elapsed.tierNanoseconds)
            let micros = UInt32(clamping: elapsed.tierNanoseconds / 1000)
            guard value != nil || options.negativeTTL != nil else {
                return Fetched(
                    entry: makeEntry(nil, ttl: .zero, loadMicroseconds: micros), isFailSafe: false, cacheable: false,
                    source: .loader)
            }
            let entry = makeEntry(value, ttl: value == nil ? options.negativeTTL! : baseTTL, loadMicroseconds: micros)
            // A fill: refused by a tier that holds a newer write or a tombstone, in which case the
            // value may be outdated already and is not kept locally either.
            let accepted = await writeThrough(key, entry, mode: .fill)
            return Fetched(entry: entry, isFailSafe: false, cacheable: accepted, source: .loader)
        } catch {
            loaderCounters.loadErrors.increment()
            if let failSafe, clock.unixMilliseconds < failSafe.keptUntil {
                loaderCounters.staleServed.increment()
                return Fetched(entry: failSafe, isFailSafe: true, cacheable: false, source: .failSafe)
            }
            throw error
        }
    }

    /// Refreshes `key` in the background (stale-while-revalidate, early refresh), once at a time.
    @usableFromInline
    func refreshInBackground(_ key: String) {
        refreshes.runInBackground(key) {
            let ticket = self.local?.ticket(for: key)
            do {
                let fetched = try await self.load(key, failSafe: nil)
                if let local = self.local, let ticket {
                    if fetched.cacheable && self.coherent.load(ordering: .relaxed) {
                        local.store(key, self.bounded(fetched.entry, ttl: self.localTTL), ticket: ticket)
                    } else {
                        local.release(key, ticket: ticket)
                    }
                }
                return fetched
            } catch {
                if let local = self.local, let ticket { local.release(key, ticket: ticket) }
                throw error
            }
        }
    }

    /// XFetch: refresh with probability growing as expiry nears: `now - delta * beta * ln(u) >= expiry`.
    @usableFromInline
    static func refreshesEarly(_ entry: TierEntry<Value>, now: Int64, beta: Double) -> Bool {
        let deltaMilliseconds = Double(entry.loadMicroseconds) / 1000
        guard deltaMilliseconds > 0 else { return false }
        let u = Double.random(in: Double.leastNonzeroMagnitude...1)
        return Double(now) - deltaMilliseconds * beta * log(u) >= Double(entry.freshUntil)
    }

    // MARK: Writing

    /// Writes `value` through every tier (Redis tiers from the farthest in, then local), and tells
    /// other instances. A Redis write that fails is counted and drops the local copy, since Redis
    /// may still hold the old value.
    public func set(_ key: String, _ value: Value, ttl: Duration? = nil) async {
        let ticket = local?.beginWrite(key)
        let entry = makeEntry(value, ttl: ttl ?? baseTTL, loadMicroseconds: 0)
        let written = await writeThrough(key, entry, mode: .overwrite)
        if let local, let ticket {
            let keep = written && coherent.load(ordering: .relaxed)
            local.completeWrite(key, keep ? bounded(entry, ttl: localTTL) : nil, ticket: ticket)
        }
        publishChange([key])
    }

    /// Removes `key` from every tier, here and in other instances.
    public func invalidate(_ key: String) async {
        await invalidate([key])
    }

    /// Removes `keys` from every tier, here and in other instances (one round trip per Redis
    /// tier). Redis tiers keep a tombstone for ``TieredCacheOptions/tombstoneTTL`` so a load that
    /// began before the invalidation cannot write its older value back.
    public func invalidate(_ keys: [String]) async {
        guard !keys.isEmpty else { return }
        for key in keys { local?.invalidate(key) }
        let now = clock.unixMilliseconds
        for tier in redisTiers where !(await tier.tombstone(keys, hold: options.tombstoneTTL, now: now)) {
            rememberFailedInvalidations(keys)
        }
        // A fetch may have refilled a local copy from Redis before the tombstone landed.
        for key in keys { local?.invalidate(key) }
        publishChange(keys)
    }

    /// Writes `entry` to every Redis tier, farthest first, each bounded by its own TTL. Returns
    /// whether the nearest tier took it (a fill that the nearest tier refused must not be kept
    /// locally; a failed overwrite is retried as an invalidation).
    @discardableResult
    func writeThrough(_ key: String, _ entry: TierEntry<Value>, mode: RedisTier.WriteMode) async -> Bool {
        guard !redisTiers.isEmpty else { return true }
        let payload: [UInt8]
        do {
            payload = try entry.value.map(encode) ?? []
        } catch {
            for tier in redisTiers { tier.counters.failedWrites.increment() }
            return false
        }
        var nearestTook = false
        let tracksKeys = options.coherence == .clientTracking(broadcast: false)
        for (index, tier) in redisTiers.enumerated().reversed() {
            let (envelope, milliseconds) = envelope(for: entry, payload: payload, ttl: tier.options.ttl)
            let outcome = await tier.write(
                key, envelope, milliseconds: milliseconds, mode: mode, track: index == 0 && tracksKeys)
            if index == 0 { nearestTook = outcome == .written }
            if outcome == .failed && mode == .overwrite { rememberFailedInvalidations([key]) }
        }
        return nearestTook
    }

    /// Copies an entry found in tier `index` into the tiers above it, in the background.
    func backfill(_ key: String, _ entry: TierEntry<Value>, above index: Int) {
        guard index > 0 else { return }
        guard backfillsInFlight.add(1, ordering: .relaxed).newValue <= 1024 else {
            backfillsInFlight.subtract(1, ordering: .relaxed)
            return
        }
        let payload: [UInt8]
        do {
            payload = try entry.value.map(encode) ?? []
        } catch {
            backfillsInFlight.subtract(1, ordering: .relaxed)
            return
        }
        let tiers = Array(redisTiers[..<index])
        Task {
            defer { self.backfillsInFlight.subtract(1, ordering: .relaxed) }
            for tier in tiers.reversed() {
                let (envelope, milliseconds) = self.envelope(for: entry, payload: payload, ttl: tier.options.ttl)
                let outcome = await tier.write(key, envelope, milliseconds: milliseconds, mode: .fill, track: false)
                if outcome == .written { tier.counters.backfills.increment() }
            }
        }
    }

    // MARK: Entries

    func makeEntry(_ value: Value?, ttl: Duration, loadMicroseconds: UInt32) -> TierEntry<Value> {
        let now = clock.unixMilliseconds
        var milliseconds = max(0, ttl.tierMilliseconds)
        if options.jitter > 0 && milliseconds > 1 {
            milliseconds = Int64(Double(milliseconds) * (1 - options.jitter * Double.random(in: 0..<1)))
        }
        let fresh = now + milliseconds
        let usable = fresh + (options.staleWhileRevalidate?.tierMilliseconds ?? 0)
        let kept = usable + (options.failSafeMaxStaleness?.tierMilliseconds ?? 0)
        return TierEntry(
            value: value, freshUntil: fresh, usableUntil: usable, keptUntil: kept, loadMicroseconds: loadMicroseconds)
    }

    /// `entry` limited to `ttl` from now: never longer than the entry has left, in each phase.
    func bounded(_ entry: TierEntry<Value>, ttl: Duration) -> TierEntry<Value> {
        let now = clock.unixMilliseconds
        var bounded = entry
        bounded.freshUntil = min(entry.freshUntil, now + ttl.tierMilliseconds)
        bounded.usableUntil = min(entry.usableUntil, bounded.freshUntil + (entry.usableUntil - entry.freshUntil))
        bounded.keptUntil = min(entry.keptUntil, bounded.usableUntil + (entry.keptUntil - entry.usableUntil))
        return bounded
    }

    func envelope(for entry: TierEntry<Value>, payload: [UInt8], ttl: Duration) -> (CacheEnvelope, Int64) {
        let limited = bounded(entry, ttl: ttl)
        let envelope = CacheEnvelope(
            payload: payload, isNegative: entry.value == nil, freshUntil: limited.freshUntil,
            usableUntil: limited.usableUntil, keptUntil: limited.keptUntil, loadMicroseconds: entry.loadMicroseconds)
        return (envelope, limited.keptUntil - clock.unixMilliseconds)
    }

    func entry(from envelope: CacheEnvelope, tier: RedisTier) -> TierEntry<Value>? {
        guard !envelope.isTombstone else { return nil }
        var value: Value?
        if !envelope.isNegative {
            do {
                value = try decode(envelope.payload)
            } catch {
                tier.counters.errors.increment()
                return nil
            }
        }
        return TierEntry(
            value: value, freshUntil: envelope.freshUntil, usableUntil: envelope.usableUntil,
            keptUntil: envelope.keptUntil, loadMicroseconds: envelope.loadMicroseconds)
    }

    // MARK: Statistics

    /// Counters per tier: local, each Redis tier, then the loader.
    public var statistics: TieredCacheStatistics {
        let nearest = local == nil ? redisTiers.first?.counters.snapshot : localCounters.snapshot
        return TieredCacheStatistics(
            requests: (nearest?.hits ?? 0) + (nearest?.misses ?? 0),
            tiers: (local == nil ? [] : [localCounters.snapshot]) + redisTiers.map(\.counters.snapshot)
                + [loaderCounters.snapshot],
            p50Microseconds: endToEnd.percentile(50),
            p99Microseconds: endToEnd.percentile(99),
            isCoherent: coherent.load(ordering: .relaxed))
    }

    /// Entries in the local tier.
    public var localCount: Int { local?.count ?? 0 }
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

/// A snapshot of a ``TieredCache``'s counters.
public struct TieredCacheStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Calls to `get`.
    public var requests: Int
    /// Per tier, nearest first, the loader last.
    public var tiers: [TierStatistics]
    /// Median latency of reads that went below the local tier, in microseconds.
    public var p50Microseconds: Double
    /// 99th-percentile latency of reads that went below the local tier, in microseconds.
    public var p99Microseconds: Double
    /// Whether the local tier is trusted right now (its coherence link is up).
    public var isCoherent: Bool

    /// The counters of the tier named `name`.
    public subscript(name: String) -> TierStatistics? {
        tiers.first { $0.name == name }
    }

    /// One line of totals, then one line per tier.
    public var description: String {
        let head =
            "\(requests) reads; below the local tier p50 \(p50Microseconds) µs, p99 \(p99Microseconds) µs; "
            + (isCoherent ? "coherent" : "not coherent (local tier bypassed)")
        return ([head] + tiers.map { "  \($0)" }).joined(separator: "\n")
    }
}

extension Duration {
    var tierNanoseconds: Int64 { cacheNanoseconds }
}

extension TierCounters {
    var nameIsLoader: Bool { name == "loader" }
}
