import StrataCache
import StrataRedis

extension TieredCache {
    /// Loads several keys from the source of truth at once (one query for many rows); a key the
    /// result leaves out is "not found".
    public typealias BatchLoader = @Sendable (_ keys: [String]) async throws -> [String: Value]

    /// The values of `keys` that exist, read with one round trip per Redis tier; the keys no
    /// tier has are loaded one by one with the cache's loader, concurrently.
    ///
    /// Everything ``get(_:)`` promises holds for each key: single-flight (a key another read is
    /// already loading is not loaded again), freshness, coherence, fail-safe.
    public func getMany(_ keys: [String]) async throws -> [String: Value] {
        guard let interceptor = options.interceptor else { return try await readMany(keys, batch: nil) }
        return try await interceptor.intercept(Self.batchRead) { try await readMany(keys, batch: nil) }
    }

    /// The values of `keys` that exist: the local tier first, then each Redis tier with one round
    /// trip for the keys still missing, then `loader` once for the keys no tier has.
    ///
    /// ```swift
    /// let users = try await cache.getMany(ids) { missing in
    ///     try await database.users(ids: missing)  // one query: [id: User]
    /// }
    /// ```
    ///
    /// Single-flight applies per key: a key another read (a `get`, another `getMany`) is already
    /// loading joins that load and is left out of the batch. A key the loader leaves out is "not
    /// found" (cached for ``TieredCacheOptions/negativeTTL``). If the loader throws, keys with a
    /// fail-safe value (``TieredCacheOptions/failSafeMaxStaleness``) get it when every key of
    /// the batch has one; otherwise the error is thrown. A batch does not take the cross-process
    /// load lock (``TieredCacheOptions/distributedLock``) nor the loader timeouts, which apply
    /// to single-key loads.
    public func getMany(_ keys: [String], loader: @escaping BatchLoader) async throws -> [String: Value] {
        guard let interceptor = options.interceptor else { return try await readMany(keys, batch: loader) }
        return try await interceptor.intercept(Self.batchRead) { try await readMany(keys, batch: loader) }
    }

    /// What an interceptor is told of a batch read.
    static var batchRead: StrataOperation {
        StrataOperation(kind: .cacheRead, name: "cache.getMany", commandCount: 0)
    }

    /// The batch loader asked for one key (a refresh of a stale entry runs on its own).
    static func singleKey(_ batch: @escaping BatchLoader) -> AdaptiveLoader {
        { key in TieredCacheLoad(value: try await batch([key])[key]) }
    }

    /// A local miss of a batch read: its fill ticket and fail-safe copy.
    struct BatchMiss {
        var key: String
        var ticket: FillTicket?
        var failSafe: TierEntry<Value>?
    }

    func readMany(_ keys: [String], batch: BatchLoader?) async throws -> [String: Value] {
        let started = clock.now
        let single = batch.map(Self.singleKey)
        var values: [String: Value] = [:]
        var misses: [BatchMiss] = []
        var seen = Set<String>()
        for key in keys where seen.insert(key).inserted {
            switch readLocal(key, loader: single) {
            case .served(let entry):
                if let value = entry.value { values[key] = value }
            case .missed(let ticket, let failSafe):
                misses.append(BatchMiss(key: key, ticket: ticket, failSafe: failSafe))
            }
        }
        guard !misses.isEmpty else { return values }

        let claims = flights.claim(misses.map(\.key), accepts: isFreshEnough)
        let claimed = Set(claims.map(\.key))
        let led = misses.filter { claimed.contains($0.key) }
        // Keys another read is fetching already: join those flights, alongside the batch.
        async let joined = join(misses.filter { !claimed.contains($0.key) }, loader: single)
        let fetched: [Fetched]
        do {
            fetched = try await fetchMany(led, batch: batch)
        } catch {
            for claim in claims { flights.finish(claim, with: .failure(error)) }
            if let local {
                for miss in led { if let ticket = miss.ticket { local.release(miss.key, ticket: ticket) } }
            }
            _ = try? await joined
            throw error
        }
        // Values that came from a tier end their flights together; loaded ones one by one, as
        // each may stay open until its write to Redis lands.
        var settled: (claims: [SingleFlight<Fetched>.Claim], results: [Fetched]) = ([], [])
        settled.claims.reserveCapacity(claims.count)
        settled.results.reserveCapacity(claims.count)
        for ((claim, miss), result) in zip(zip(claims, led), fetched) {
            if result.fill == nil {
                settled.claims.append(claim)
                settled.results.append(result)
            } else {
                flights.finish(
                    claim, with: .success(result), lingering: keepAfterFill(claim.key, ticket: miss.ticket))
            }
            settleLocal(claim.key, result, isLeader: true, ticket: miss.ticket)
            if let value = result.entry.value { values[claim.key] = value }
        }
        flights.finish(settled.claims, with: settled.results)
        for (key, value) in try await joined { values[key] = value }
        endToEnd.record(nanoseconds: started.duration(to: clock.now).tierNanoseconds)
        return values
    }

    /// Reads `misses` through flights other reads lead (or, if one ended meanwhile, a flight of
    /// their own), concurrently.
    private func join(_ misses: [BatchMiss], loader: AdaptiveLoader?) async throws -> [String: Value] {
        guard !misses.isEmpty else { return [:] }
        return try await withThrowingTaskGroup(of: (String, Value?).self) { group in
            for miss in misses {
                group.addTask {
                    let fetched = try await self.readBelowLocal(
                        miss.key, ticket: miss.ticket, failSafe: miss.failSafe, loader: loader)
                    return (miss.key, fetched.entry.value)
                }
            }
            var values: [String: Value] = [:]
            for try await (key, value) in group { values[key] = value }
            return values
        }
    }

    /// Each Redis tier in order with one round trip for the keys still missing, then the loader
    /// for the rest: the batch loader once, or the cache's loader per key. The results are in the
    /// order of `misses` (arrays by position: dictionaries of a generic value cost a runtime
    /// metadata lookup per operation).
    private func fetchMany(_ misses: [BatchMiss], batch: BatchLoader?) async throws -> [Fetched] {
        guard !misses.isEmpty else { return [] }
        var failSafes = misses.map(\.failSafe)
        var fetched = [Fetched?](repeating: nil, count: misses.count)
        var remaining = Array(misses.indices)
        let single = batch.map(Self.singleKey)
        let skipNearer = skipsNearerTiers
        let anyPending = pendingInvalidations.withLock { !$0.isEmpty }
        for (index, tier) in redisTiers.enumerated() where !remaining.isEmpty {
            if skipNearer && index < redisTiers.count - 1 { continue }
            // A tier whose invalidation of a key failed may still hold what this instance replaced.
            let asked =
                anyPending
                ? remaining.filter { !tiersPendingInvalidation(of: misses[$0].key).contains(index) } : remaining
            guard !asked.isEmpty else { continue }
            let started = clock.now
            let envelopes: [CacheEnvelope?]
            do {
                envelopes = try await tier.getMany(asked.map { misses[$0].key })
            } catch {
                observer?.observe(.tierFailed(tier: tier.options.name, reason: error))
                continue  // the tier counted the failure; skip it
            }
            let elapsed = started.duration(to: clock.now)
            let tags = envelopes.flatMap { $0?.tags ?? [] }
            if !tags.isEmpty { await learnTagTimes(tags) }
            for (position, envelope) in zip(asked, envelopes) {
                fetched[position] = judge(
                    envelope, of: misses[position].key, from: index, elapsed: elapsed, refreshing: false,
                    failSafe: &failSafes[position], loader: single)
            }
            remaining.removeAll { fetched[$0] != nil }
        }
        guard !remaining.isEmpty else { return fetched.map { $0! } }
        if let batch {
            let loaded = try await loadBatch(
                remaining.map { misses[$0].key }, failSafes: remaining.map { failSafes[$0] }, loader: batch)
            for (position, result) in zip(remaining, loaded) { fetched[position] = result }
            return fetched.map { $0! }
        }
        // No batch loader: the cache's own, per key, concurrently (each under the load lock when
        // one is configured).
        return try await withThrowingTaskGroup(of: (Int, Fetched).self) { group in
            for position in remaining {
                let (key, failSafe) = (misses[position].key, failSafes[position])
                group.addTask { (position, try await self.load(key, failSafe: failSafe, refreshing: false)) }
            }
            for try await (position, result) in group { fetched[position] = result }
            return fetched.map { $0! }
        }
    }

    /// Calls the batch loader once for `keys` and writes each value through the Redis tiers in
    /// the background (as a single load does).
    private func loadBatch(
        _ keys: [String], failSafes: [TierEntry<Value>?], loader: BatchLoader
    ) async throws -> [Fetched] {
        let started = clock.now
        // The data the loader returns is at least as new as this moment: the entries' version.
        let version = clock.unixMicroseconds
        let epoch = linkEpoch.load(ordering: .relaxed)
        let loaded: [String: Value]
        do {
            loaded = try await loader(keys)
        } catch {
            let elapsed = started.duration(to: clock.now)
            for key in keys {
                loaderCounters.loadErrors.increment()
                observer?.observe(.loaderFailed(key: key, duration: elapsed, error: error))
            }
            // Fail-safe for the batch only if it covers every key: a partial answer would hide
            // the error from the keys without one.
            let now = clock.unixMilliseconds
            let kept = failSafes.compactMap { $0.flatMap { now < $0.keptUntil ? $0 : nil } }
            guard kept.count == keys.count else { throw error }
            return kept.map { entry in
                loaderCounters.staleServed.increment()
                observer?.observe(.staleServed(tier: "loader"))
                return Fetched(entry: entry, isFailSafe: true, cacheable: false, source: .failSafe)
            }
        }
        var fetched: [Fetched] = []
        fetched.reserveCapacity(keys.count)
        for key in keys {
            fetched.append(
                await finishLoad(
                    key, TieredCacheLoad(value: loaded[key]), started: started, version: version, epoch: epoch,
                    fillsInBackground: true))
        }
        return fetched
    }
}
