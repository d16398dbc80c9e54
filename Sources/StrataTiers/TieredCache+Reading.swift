import Glibc
import StrataCache
import StrataLRU
import StrataRedis

extension TieredCache {
    /// The value for `key`, from the nearest tier that has it, or loaded.
    ///
    /// - Throws: the loader's error (unless fail-safe serves the last value); tier failures never
    ///   throw, they skip the tier.
    ///
    /// It runs on the caller's executor (`nonisolated(nonsending)`): a local hit from an actor or
    /// the main actor costs no hop to another thread.
    @inlinable
    nonisolated(nonsending) public func get(_ key: String) async throws -> Value? {
        if let interceptor = options.interceptor { return try await intercepted(key, interceptor) }
        // A fresh local copy is served synchronously: no task frame, no lock beyond the LRU's.
        if let hit = localHit(key) { return hit }
        return try await fetchValue(key)
    }

    /// The value for `key`, loaded with `loader` (instead of the cache's own) when no tier has
    /// it: for request-scoped context (a tenant, a trace, a transaction) the loader needs.
    ///
    /// Concurrent reads of one key share one load, so when several callers miss at once, the
    /// first one's loader runs and the others get its value. A background refresh that this read
    /// starts (stale-while-revalidate, early refresh) uses `loader` too.
    nonisolated(nonsending) public func get(_ key: String, loader: @escaping Loader) async throws -> Value? {
        try await get(key, adaptiveLoader: Self.adaptive(loader))
    }

    /// ``get(_:loader:)`` with a loader that also says how to cache the value (``TieredCacheLoad``).
    nonisolated(nonsending) public func get(_ key: String, adaptiveLoader loader: @escaping AdaptiveLoader)
        async throws -> Value?
    {
        if let interceptor = options.interceptor { return try await intercepted(key, loader, interceptor) }
        if let hit = localHit(key, loader: loader) { return hit }
        return try await entry(for: key, loader: loader).0.value
    }

    /// ``fetch(_:)`` with a per-call loader (see ``get(_:loader:)``).
    nonisolated(nonsending) public func fetch(_ key: String, loader: @escaping Loader) async throws
        -> TieredCacheResult<Value>
    {
        try await fetch(key, adaptiveLoader: Self.adaptive(loader))
    }

    /// ``fetch(_:)`` with a per-call adaptive loader (see ``get(_:adaptiveLoader:)``).
    nonisolated(nonsending) public func fetch(_ key: String, adaptiveLoader loader: @escaping AdaptiveLoader)
        async throws -> TieredCacheResult<Value>
    {
        if let interceptor = options.interceptor { return try await interceptedFetch(key, loader, interceptor) }
        let (entry, source) = try await entry(for: key, loader: loader)
        let remaining = entry.freshUntil - clock.unixMilliseconds
        return TieredCacheResult(
            value: entry.value, remainingTTL: .milliseconds(max(0, remaining)), isStale: remaining <= 0, source: source)
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
    func localHit(_ key: String, loader: AdaptiveLoader? = nil) -> Value?? {
        // A tagged copy is checked against its tags' times on the full path. Only the fields
        // read here leave the LRU: copying a whole entry costs a generic value-witness call.
        guard let lruLocal,
            let entry = lruLocal.cache.get(key, reading: { LocalHit(entry: $0) }) ?? nil
        else { return nil }
        let now = clock.unixMilliseconds
        if now < entry.freshUntil {
            localCounters.hits.increment()
            if let observer { Self.reportLocalHit(observer) }
            if let beta = options.earlyRefreshBeta,
                Self.refreshesEarly(
                    loadMicroseconds: entry.loadMicroseconds, freshUntil: entry.freshUntil, now: now, beta: beta)
            {
                refreshInBackground(key, loader: loader)
            }
            return .some(entry.value)
        }
        if now < entry.usableUntil {
            localCounters.hits.increment()
            localCounters.staleServed.increment()
            if let observer { Self.reportStaleLocalHit(observer) }
            refreshInBackground(key, loader: loader)
            return .some(entry.value)
        }
        return nil
    }

    /// The value for `key` with how long it stays fresh, for HTTP caching headers.
    nonisolated(nonsending) public func fetch(_ key: String) async throws -> TieredCacheResult<Value> {
        if let interceptor = options.interceptor { return try await interceptedFetch(key, nil, interceptor) }
        let (entry, source) = try await entry(for: key)
        let remaining = entry.freshUntil - clock.unixMilliseconds
        return TieredCacheResult(
            value: entry.value, remainingTTL: .milliseconds(max(0, remaining)), isStale: remaining <= 0, source: source)
    }

    func entry(for key: String, loader: AdaptiveLoader? = nil) async throws -> (TierEntry<Value>, TierSource) {
        let started = clock.now
        let (ticket, failSafe): (FillTicket?, TierEntry<Value>?)
        switch readLocal(key, loader: loader) {
        case .served(let entry): return (entry, .local)
        case .missed(let missTicket, let missFailSafe): (ticket, failSafe) = (missTicket, missFailSafe)
        }
        let fetched = try await readBelowLocal(key, ticket: ticket, failSafe: failSafe, loader: loader)
        endToEnd.record(nanoseconds: started.duration(to: clock.now).tierNanoseconds)
        return (fetched.entry, fetched.source)
    }

    /// The Redis tiers and the loader, for a read the local tier could not serve: one flight per
    /// key, whose leader stores the result locally under `ticket`.
    func readBelowLocal(
        _ key: String, ticket: FillTicket?, failSafe: TierEntry<Value>?, loader: AdaptiveLoader?
    ) async throws -> Fetched {
        do {
            var attempts = 0
            while true {
                attempts += 1
                let (fetched, isLeader) = try await flights.run(
                    key, lingering: keepAfterFill(key, ticket: ticket), accepts: isFreshEnough
                ) {
                    try await self.fetch(key, failSafe: failSafe, refreshing: false, loader: loader)
                }
                settleLocal(key, fetched, isLeader: isLeader, ticket: ticket)
                // A tag of the value was invalidated while it loaded: load it again (a new load
                // is newer than the invalidation).
                if tagsAllow(fetched.entry) == false && attempts < 3 { continue }
                return fetched
            }
        } catch {
            if let local, let ticket { local.release(key, ticket: ticket) }
            throw error
        }
    }

    /// What the local tier had for a read that went past the inlined hit path.
    enum LocalRead {
        /// A usable copy, counted and reported (a refresh started if it is stale or due).
        case served(TierEntry<Value>)
        /// None: the right to store what the read fetches, and an expired copy still within its
        /// fail-safe time.
        case missed(ticket: FillTicket?, failSafe: TierEntry<Value>?)
    }

    /// Looks `key` up in the local tier, counting a hit or a miss.
    func readLocal(_ key: String, loader: AdaptiveLoader?) -> LocalRead {
        guard let local else { return .missed(ticket: nil, failSafe: nil) }
        let now = clock.unixMilliseconds
        switch local.lookup(key) {
        case .hit(let entry) where tagsAllow(entry) != true:
            // Void (a tag was invalidated after it), or a tag's time is not known here yet.
            localCounters.misses.increment()
            observer?.observe(.tierMiss(tier: "local", duration: .zero))
            return .missed(ticket: local.ticket(for: key), failSafe: nil)
        case .hit(let entry) where now < entry.freshUntil:
            localCounters.hits.increment()
            observer?.observe(.tierHit(tier: "local", duration: .zero))
            if let beta = options.earlyRefreshBeta, Self.refreshesEarly(entry, now: now, beta: beta) {
                refreshInBackground(key, loader: loader)
            }
            return .served(entry)
        case .hit(let entry) where now < entry.usableUntil:
            localCounters.hits.increment()
            localCounters.staleServed.increment()
            if let observer { Self.reportStaleLocalHit(observer) }
            refreshInBackground(key, loader: loader)
            return .served(entry)
        case .hit(let entry):
            localCounters.misses.increment()
            observer?.observe(.tierMiss(tier: "local", duration: .zero))
            return .missed(ticket: local.ticket(for: key), failSafe: now < entry.keptUntil ? entry : nil)
        case .miss(let fill):
            localCounters.misses.increment()
            observer?.observe(.tierMiss(tier: "local", duration: .zero))
            return .missed(ticket: fill, failSafe: nil)
        }
    }

    /// Whether a flight's value, handed out while its write to Redis is pending, may still be
    /// given to a read that arrives now.
    @Sendable
    func isFreshEnough(_ fetched: Fetched) -> Bool {
        clock.unixMilliseconds < fetched.entry.freshUntil && tagsAllow(fetched.entry) != false
    }

    /// What a flight whose value was loaded waits for before it ends: the value's write through
    /// Redis, then its local copy (if the nearest tier took it). Meanwhile other reads of the key
    /// get the value instead of loading it again. The flight ends inside the background work, so
    /// ``waitForBackgroundFills()`` returns only after it has.
    func keepAfterFill(_ key: String, ticket: FillTicket?) -> SingleFlight<Fetched>.Lingering {
        { fetched in
            guard let fill = fetched.fill else { return nil }
            return { end in
                _ = self.inBackground {
                    await self.keepLocally(key, fetched.entry, ticket: ticket, after: fill)
                    end()
                }
            }
        }
    }

    /// Stores what a read fetched in the local tier, or gives its ticket back. With a fill under
    /// way, ``keepAfterFill(_:ticket:)`` does it; a follower's ticket is not its to settle.
    func settleLocal(_ key: String, _ fetched: Fetched, isLeader: Bool, ticket: FillTicket?) {
        guard isLeader, fetched.fill == nil, let local, let ticket else { return }
        if fetched.cacheable && !fetched.isFailSafe && coherent.load(ordering: .relaxed) {
            local.store(key, bounded(fetched.entry, ttl: localTTL), ticket: ticket)
        } else {
            local.release(key, ticket: ticket)
        }
    }

    /// Waits until the loaded values this cache handed out before Redis had them are written
    /// through the Redis tiers (and kept locally where the nearest tier took them).
    ///
    /// A read that calls the loader returns as soon as the value is loaded; its write to Redis
    /// goes on in the background, and other reads of the key meanwhile get the same value. Call
    /// this where the next step must find the value in Redis: a test that reads Redis directly,
    /// or a job that hands over to another process. ``shutdown()`` waits for them too.
    public func waitForBackgroundFills() async {
        while true {
            let pending = backgroundFills.withLock { Array($0.values) }
            guard !pending.isEmpty else { return }
            for task in pending { await task.value }
        }
    }

    /// Runs `work` in a task that ``waitForBackgroundFills()`` waits for.
    func inBackground(_ work: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        let id = backgroundFillIDs.add(1, ordering: .relaxed).newValue
        // Started under the table's lock, so its own removal cannot come before its insertion.
        return backgroundFills.withLock { fills in
            let task = Task {
                await work()
                _ = self.backgroundFills.withLock { $0.removeValue(forKey: id) }
            }
            fills[id] = task
            return task
        }
    }

    /// Waits for a loaded value's write to Redis, then keeps it locally if the nearest tier took
    /// it (a tier that refused it holds something newer) and no invalidation revoked `ticket`.
    func keepLocally(_ key: String, _ entry: TierEntry<Value>, ticket: FillTicket?, after fill: Task<Bool, Never>) async
    {
        let accepted = await fill.value
        guard let local, let ticket else { return }
        if accepted && coherent.load(ordering: .relaxed) {
            local.store(key, bounded(entry, ttl: localTTL), ticket: ticket)
        } else {
            local.release(key, ticket: ticket)
        }
    }

    /// Reads the Redis tiers in order, then the loader. Backfills the tiers above a hit.
    ///
    /// A read (`refreshing == false`) takes the first usable entry, stale ones included
    /// (stale-while-revalidate starts a refresh). A refresh takes only a fresh entry -- another
    /// instance may have refreshed already -- and otherwise loads, replacing the stale entries.
    func fetch(
        _ key: String, failSafe: TierEntry<Value>?, refreshing: Bool, loader: AdaptiveLoader? = nil
    ) async throws -> Fetched {
        var failSafe = failSafe
        let skipNearer = skipsNearerTiers
        // A tier whose invalidation of this key failed may still hold what this instance replaced.
        let suspect = tiersPendingInvalidation(of: key)
        for (index, tier) in redisTiers.enumerated() {
            if skipNearer && index < redisTiers.count - 1 { continue }
            if suspect.contains(index) { continue }
            let started = clock.now
            let envelope: CacheEnvelope?
            do {
                envelope = try await tier.get(key)
            } catch {
                observer?.observe(.tierFailed(tier: tier.options.name, reason: error))
                continue  // the tier counted the failure; skip it
            }
            let elapsed = started.duration(to: clock.now)
            if let tags = envelope?.tags, !tags.isEmpty { await learnTagTimes(tags) }
            if let fetched = judge(
                envelope, of: key, from: index, elapsed: elapsed, refreshing: refreshing, failSafe: &failSafe,
                loader: loader)
            {
                return fetched
            }
        }
        return try await load(key, failSafe: refreshing ? nil : failSafe, refreshing: refreshing, loader: loader)
    }

    /// What tier `index` answered for `key`: a usable entry (a fresh one for a refresh), backfilled
    /// into the tiers above, or `nil` (a miss; an entry still within its fail-safe time becomes
    /// `failSafe` if it is kept longer than the one before). Counts and reports either way.
    func judge(
        _ envelope: CacheEnvelope?, of key: String, from index: Int, elapsed: Duration, refreshing: Bool,
        failSafe: inout TierEntry<Value>?, loader: AdaptiveLoader?
    ) -> Fetched? {
        let tier = redisTiers[index]
        tier.counters.latency.record(nanoseconds: elapsed.tierNanoseconds)
        // An entry one of whose tags was invalidated after it (or unknown: unreadable) is a miss.
        guard let envelope, let found = entry(from: envelope, tier: tier), tagsAllow(found) == true else {
            tier.counters.misses.increment()
            observer?.observe(.tierMiss(tier: tier.options.name, duration: elapsed))
            return nil
        }
        let now = clock.unixMilliseconds
        if now < found.freshUntil || (!refreshing && now < found.usableUntil) {
            tier.counters.hits.increment()
            observer?.observe(.tierHit(tier: tier.options.name, duration: elapsed))
            if now >= found.freshUntil {
                tier.counters.staleServed.increment()
                observer?.observe(.staleServed(tier: tier.options.name))
                refreshInBackground(key, loader: loader)
            }
            backfill(key, found, above: index)
            return Fetched(entry: found, isFailSafe: false, cacheable: true, source: .redis(tier.options.name))
        }
        let keptLonger = found.keptUntil > (failSafe?.keptUntil ?? Int64.min)
        if now < found.keptUntil && keptLonger { failSafe = found }
        tier.counters.misses.increment()
        observer?.observe(.tierMiss(tier: tier.options.name, duration: elapsed))
        return nil
    }

    /// Refreshes `key` in the background (stale-while-revalidate, early refresh), once at a time:
    /// the nearest tier with a fresh entry answers, or the loader, whose result replaces the stale
    /// entries in every tier.
    @usableFromInline
    func refreshInBackground(_ key: String, loader: AdaptiveLoader? = nil) {
        refreshes.runInBackground(key) {
            let ticket = self.local?.ticket(for: key)
            do {
                let fetched = try await self.fetch(key, failSafe: nil, refreshing: true, loader: loader)
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

    /// A fresh local copy served. Kept out of line so the inlined hit path stays small.
    @usableFromInline
    static func reportLocalHit(_ observer: any StrataObserver) {
        observer.observe(.tierHit(tier: "local", duration: .zero))
    }

    /// A local copy served past its TTL: a hit, and a stale value served. Kept out of line so the
    /// inlined hit path stays small.
    @usableFromInline
    static func reportStaleLocalHit(_ observer: any StrataObserver) {
        observer.observe(.tierHit(tier: "local", duration: .zero))
        observer.observe(.staleServed(tier: "local"))
    }

    /// XFetch: refresh with probability growing as expiry nears: `now - delta * beta * ln(u) >= expiry`.
    @usableFromInline
    static func refreshesEarly(_ entry: TierEntry<Value>, now: Int64, beta: Double) -> Bool {
        refreshesEarly(loadMicroseconds: entry.loadMicroseconds, freshUntil: entry.freshUntil, now: now, beta: beta)
    }

    /// XFetch for an entry that took `loadMicroseconds` to load and is fresh until `freshUntil`.
    @usableFromInline
    static func refreshesEarly(loadMicroseconds: UInt32, freshUntil: Int64, now: Int64, beta: Double) -> Bool {
        let deltaMilliseconds = Double(loadMicroseconds) / 1000
        guard deltaMilliseconds > 0 else { return false }
        let u = Double.random(in: Double.leastNonzeroMagnitude...1)
        return Double(now) - deltaMilliseconds * beta * log(u) >= Double(freshUntil)
    }
}
