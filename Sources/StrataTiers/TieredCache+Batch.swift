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
        return try await interceptor.intercept(Self.batchRead(keys)) { try await readMany(keys, batch: nil) }
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
        return try await interceptor.intercept(Self.batchRead(keys)) { try await readMany(keys, batch: loader) }
    }

    /// What an interceptor is told of a batch read.
    static func batchRead(_ keys: [String]) -> StrataOperation {
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
        let fetched: [String: Fetched]
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
        for (claim, miss) in zip(claims, led) {
            let result = fetched[claim.key]!
            flights.finish(claim, with: .success(result), lingering: keepAfterFill(claim.key, ticket: miss.ticket))
            settleLocal(claim.key, result, isLeader: true, ticket: miss.ticket)
            if let value = result.entry.value { values[claim.key] = value }
        }
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
    /// for the rest: the batch loader once, or the cache's loader per key.
    private func fetchMany(_ misses: [BatchMiss], batch: BatchLoader?) async throws -> [String: Fetched] {
        guard !misses.isEmpty else { return [:] }
        var failSafes = Dictionary(uniqueKeysWithValues: misses.map { ($0.key, $0.failSafe) })
        var remaining = misses.map(\.key)
        var fetched: [String: Fetched] = [:]
        let single = batch.map(Self.singleKey)
        let skipNearer = skipsNearerTiers
        for (index, tier) in redisTiers.enumerated() where !remaining.isEmpty {
            if skipNearer && index < redisTiers.count - 1 { continue }
            // A tier whose invalidation of a key failed may still hold what this instance replaced.
            let asked = remaining.filter { !tiersPendingInvalidation(of: $0).contains(index) }
            guard !asked.isEmpty else { continue }
            let started = clock.now
            let envelopes: [CacheEnvelope?]
            do {
                envelopes = try await tier.getMany(asked)
            } catch {
                observer?.observe(.tierFailed(tier: tier.options.name, reason: error))
                continue  // the tier counted the failure; skip it
            }
            let elapsed = started.duration(to: clock.now)
            let tags = envelopes.flatMap { $0?.tags ?? [] }
            if !tags.isEmpty { await learnTagTimes(tags) }
            for (key, envelope) in zip(asked, envelopes) {
                var failSafe = failSafes[key] ?? nil
                if let found = judge(
                    envelope, of: key, from: index, elapsed: elapsed, refreshing: false, failSafe: &failSafe,
                    loader: single)
                {
                    fetched[key] = found
                }
                failSafes[key] = failSafe
            }
            remaining.removeAll { fetched[$0] != nil }
        }
        guard !remaining.isEmpty else { return fetched }
        guard let batch else {
            // No batch loader: the cache's own, per key, concurrently (each under the load lock
            // when one is configured).
            return try await withThrowingTaskGroup(of: (String, Fetched).self) { group in
                for key in remaining {
                    let failSafe = failSafes[key] ?? nil
                    group.addTask { (key, try await self.load(key, failSafe: failSafe, refreshing: false)) }
                }
                for try await (key, result) in group { fetched[key] = result }
                return fetched
            }
        }
        for (key, result) in try await loadBatch(remaining, failSafes: failSafes, loader: batch) {
            fetched[key] = result
        }
        return fetched
    }

    /// Calls the batch loader once for `keys` and writes each value through the Redis tiers in
    /// the background (as a single load does).
    private func loadBatch(
        _ keys: [String], failSafes: [String: TierEntry<Value>?], loader: BatchLoader
    ) async throws -> [String: Fetched] {
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
            let kept = keys.compactMap { key in (failSafes[key] ?? nil).flatMap { now < $0.keptUntil ? $0 : nil } }
            guard kept.count == keys.count else { throw error }
            var fetched: [String: Fetched] = [:]
            for (key, entry) in zip(keys, kept) {
                loaderCounters.staleServed.increment()
                observer?.observe(.staleServed(tier: "loader"))
                fetched[key] = Fetched(entry: entry, isFailSafe: true, cacheable: false, source: .failSafe)
            }
            return fetched
        }
        var fetched: [String: Fetched] = [:]
        for key in keys {
            fetched[key] = await finishLoad(
                key, TieredCacheLoad(value: loaded[key]), started: started, version: version, epoch: epoch,
                fillsInBackground: true)
        }
        return fetched
    }
}
