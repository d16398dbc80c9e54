import StrataCache
import StrataRedis
import StrataSync

extension TieredCache {
    /// A refresh that found another process loading the key and left the work to it.
    struct RefreshLeftToAnotherProcess: Error {}

    /// Calls the loader (under the distributed lock when configured) and writes the result
    /// through every Redis tier.
    func load(
        _ key: String, failSafe: TierEntry<Value>?, refreshing: Bool, loader: AdaptiveLoader? = nil
    ) async throws -> Fetched {
        var lock: DistributedLockHandle?
        if let lockOptions = options.distributedLock, let lockTier = redisTiers.last {
            switch await acquireLock(key, tier: lockTier, options: lockOptions, refreshing: refreshing) {
            case .acquired(let handle):
                lock = handle
            case .found(let fetched):
                return fetched
            case .unavailable where refreshing:
                // The holder is still loading: the stale entry stays in use until it is done.
                throw RefreshLeftToAnotherProcess()
            case .unavailable:
                break
            }
        }
        do {
            let fetched = try await loadFromSource(
                key, failSafe: failSafe, fillsInBackground: !refreshing, loader: loader ?? self.loader)
            // Other processes wait on the lock until the value is in Redis, not just loaded.
            if let lock { release(lock, key: key, after: fetched.fill) }
            return fetched
        } catch {
            if let lock { release(lock, key: key) }
            throw error
        }
    }

    /// Calls the loader (within the configured timeouts) and writes its result through every
    /// Redis tier: in the background with `fillsInBackground` (the caller gets the value as soon
    /// as it is loaded, and `Fetched.fill` is the write), else before returning.
    private func loadFromSource(
        _ key: String, failSafe: TierEntry<Value>?, fillsInBackground: Bool, loader: @escaping AdaptiveLoader
    ) async throws -> Fetched {
        let started = clock.now
        // The data the loader returns is at least as new as this moment: the entry's version.
        let version = clock.unixMicroseconds
        let epoch = linkEpoch.load(ordering: .relaxed)
        let usableFailSafe = failSafe.flatMap { clock.unixMilliseconds < $0.keptUntil ? $0 : nil }
        do {
            let value: TieredCacheLoad<Value>
            if options.loaderTimeout == nil && (options.loaderSoftTimeout == nil || usableFailSafe == nil) {
                value = try await loader(key)
            } else {
                switch try await loadWithinTimeouts(key, softTimeoutApplies: usableFailSafe != nil, loader: loader) {
                case .loaded(let loaded):
                    value = loaded
                case .stillLoading(let load):
                    // Serve the fail-safe value now; the load lands in the tiers when it is done.
                    observer?.observe(.loaderTimedOut(key: key, duration: started.duration(to: clock.now)))
                    Task {
                        guard let late = try? await load.value else { return }
                        _ = await self.finishLoad(
                            key, late, started: started, version: version, epoch: epoch, fillsInBackground: false)
                    }
                    loaderCounters.staleServed.increment()
                    observer?.observe(.staleServed(tier: "loader"))
                    return Fetched(entry: usableFailSafe!, isFailSafe: true, cacheable: false, source: .failSafe)
                }
            }
            return await finishLoad(
                key, value, started: started, version: version, epoch: epoch, fillsInBackground: fillsInBackground)
        } catch {
            loaderCounters.loadErrors.increment()
            observer?.observe(.loaderFailed(key: key, duration: started.duration(to: clock.now), error: error))
            if let failSafe, clock.unixMilliseconds < failSafe.keptUntil {
                loaderCounters.staleServed.increment()
                observer?.observe(.staleServed(tier: "loader"))
                return Fetched(entry: failSafe, isFailSafe: true, cacheable: false, source: .failSafe)
            }
            throw error
        }
    }

    /// Counts a loaded value and writes it through the Redis tiers (unless the coherence link was
    /// lost since the load began); with `fillsInBackground`, in a task returned as `Fetched.fill`.
    func finishLoad(
        _ key: String, _ loaded: TieredCacheLoad<Value>, started: CacheInstant, version: Int64, epoch: UInt64,
        fillsInBackground: Bool
    ) async -> Fetched {
        let value = loaded.value
        let elapsed = started.duration(to: clock.now)
        loaderCounters.loads.increment()
        loaderCounters.latency.record(nanoseconds: elapsed.tierNanoseconds)
        observer?.observe(.loaderCalled(key: key, duration: elapsed))
        let micros = UInt32(clamping: elapsed.tierNanoseconds / 1000)
        guard loaded.isCached, value != nil || options.negativeTTL != nil || loaded.ttl != nil else {
            return Fetched(
                entry: makeEntry(value, ttl: .zero, loadMicroseconds: micros, version: version), isFailSafe: false,
                cacheable: false, source: .loader)
        }
        let ttl = loaded.ttl ?? (value == nil ? options.negativeTTL! : baseTTL)
        let entry = makeEntry(value, ttl: ttl, loadMicroseconds: micros, version: version, tags: loaded.tags)
        // Refused by a tier that holds a newer write or an invalidation made while the loader
        // ran, in which case the value may be outdated already and is not kept locally either.
        // A load that began before the coherence link was lost (a Redis restart, say, which
        // also loses newer writes) does not write back: its value may predate what was lost.
        guard linkEpoch.load(ordering: .relaxed) == epoch else {
            return Fetched(entry: entry, isFailSafe: false, cacheable: false, source: .loader)
        }
        guard fillsInBackground, !redisTiers.isEmpty else {
            let accepted = await writeThrough(key, entry, mode: .ifNewer)
            return Fetched(entry: entry, isFailSafe: false, cacheable: accepted, source: .loader)
        }
        let fill = Task { await self.writeThrough(key, entry, mode: .ifNewer) }
        return Fetched(entry: entry, isFailSafe: false, cacheable: false, source: .loader, fill: fill)
    }

    /// How a load within timeouts ended for the caller.
    enum TimedLoad: Sendable {
        /// The loader returned in time.
        case loaded(TieredCacheLoad<Value>)
        /// The soft timeout passed first: the load goes on.
        case stillLoading(Task<TieredCacheLoad<Value>, any Error>)
    }

    /// Runs the loader in its own task and waits for it, the soft timeout (when it applies) or the
    /// hard one, whichever comes first. On the hard timeout the load is cancelled and a
    /// `timeout` error thrown.
    private func loadWithinTimeouts(
        _ key: String, softTimeoutApplies: Bool, loader: @escaping AdaptiveLoader
    ) async throws -> TimedLoad {
        let race = LoadRace<Value>()
        let load = Task {
            do {
                let value = try await loader(key)
                race.finish(.loaded(.success(value)))
                return value
            } catch {
                race.finish(.loaded(.failure(error)))
                throw error
            }
        }
        let soft = softTimeoutApplies ? options.loaderSoftTimeout : nil
        let hard = options.loaderTimeout
        // A timer that was cancelled (its sleep threw) does nothing. The hard one also cancels
        // the load, so it bounds a load that goes on in the background after a soft timeout too.
        let softTimer = soft.map { soft in
            Task { if (try? await Task.sleep(for: soft)) != nil { race.finish(.soft) } }
        }
        let hardTimer = hard.map { hard in
            Task {
                guard (try? await Task.sleep(for: hard)) != nil else { return }
                race.finish(.hard)
                load.cancel()
            }
        }
        let outcome = await race.wait()
        softTimer?.cancel()
        switch outcome {
        case .loaded(let result):
            hardTimer?.cancel()
            return .loaded(try result.get())
        case .soft:
            return .stillLoading(load)
        case .hard:
            observer?.observe(.loaderTimedOut(key: key, duration: hard ?? .zero))
            throw RedisClientError(
                .timeout,
                "the loader took longer than the loader timeout (\(hard ?? .zero)) for key '\(key)'; it was cancelled")
        }
    }

    // MARK: The load lock

    static var releaseScript: RedisScript {
        RedisScript("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end")
    }

    /// Takes the load lock for `key` (`SET NX PX` with a random token), or waits briefly for the
    /// process holding it to write the value: any usable entry for a read, a fresh one for a
    /// refresh. A holder that lets go without writing one hands the lock to one of its waiters.
    func acquireLock(
        _ key: String,
        tier: RedisTier,
        options lock: TieredCacheOptions.DistributedLock,
        refreshing: Bool
    ) async -> LockOutcome<Value> {
        if let release = lockReleases.withLock({ $0[key] }) { await release.task.value }
        let deadline = clock.now.advanced(by: lock.wait)
        var round = 0
        while true {
            round += 1
            do {
                if let handle = try await takeLock(key, tier: tier, options: lock) {
                    // The process that held it may have written the value and let go between this
                    // read's miss and the lock: look once more before loading it again.
                    if let found = await usableEntry(key, refreshing: refreshing) {
                        release(handle, key: key)
                        return .found(found)
                    }
                    return .acquired(handle)
                }
            } catch {
                // A failed Redis call like any other (a busy server, a timeout): counted. On the
                // first try the load goes ahead without the lock; a waiter goes on waiting.
                tier.counters.errors.increment()
                observer?.observe(.tierFailed(tier: tier.options.name, reason: error))
                if round == 1 { return .unavailable }
            }
            // Held by another loader: wait for its value, trying the lock again each round. If
            // the holder lets go with nothing usable in Redis (its write was refused, as a newer
            // change came in meanwhile, or failed), one waiter takes the lock over and loads,
            // rather than every waiter loading once the wait runs out.
            guard clock.now < deadline else { return .unavailable }
            try? await Task.sleep(for: lock.pollInterval)
            if let found = await usableEntry(key, refreshing: refreshing) { return .found(found) }
        }
    }

    /// Takes the load lock of `key` if nobody holds it: its handle, or `nil` if it is held.
    private func takeLock(
        _ key: String, tier: RedisTier, options lock: TieredCacheOptions.DistributedLock
    ) async throws -> DistributedLockHandle? {
        let lockKey = "__lock:" + key
        let token = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        let acquired = try await RedisClient.withCommandTimeout(tier.options.timeout) {
            try await tier.client.set(
                tier.key(lockKey), token, expiration: .after(lock.lease), condition: .ifNotExists)
        }
        return acquired ? DistributedLockHandle(tier: tier, key: lockKey, token: token) : nil
    }

    /// The nearest Redis tier's usable entry for `key` (a fresh one for a refresh), backfilled
    /// into the tiers above it; `nil` when none has one.
    private func usableEntry(_ key: String, refreshing: Bool) async -> Fetched? {
        let suspect = tiersPendingInvalidation(of: key)
        for (index, candidate) in redisTiers.enumerated() where !suspect.contains(index) {
            guard let envelope = try? await candidate.get(key) else { continue }
            if !envelope.tags.isEmpty { await learnTagTimes(envelope.tags) }
            guard let found = entry(from: envelope, tier: candidate), tagsAllow(found) == true else { continue }
            let now = clock.unixMilliseconds
            guard now < (refreshing ? found.freshUntil : found.usableUntil) else { continue }
            candidate.counters.hits.increment()
            backfill(key, found, above: index)
            return Fetched(entry: found, isFailSafe: false, cacheable: true, source: .redis(candidate.options.name))
        }
        return nil
    }

    /// Releases the load lock in the background (once `fill`, the loaded value's write to Redis,
    /// is done), so callers get their value without waiting for it. A load of the same key in
    /// this process waits for the release (see `acquireLock`) rather than for the lease to run
    /// out.
    func release(_ lock: DistributedLockHandle, key: String, after fill: Task<Bool, Never>? = nil) {
        // Started under the table's lock, so its own removal cannot come before its insertion.
        lockReleases.withLock { releases in
            let id = lock.token
            releases[key] = LockRelease(
                id: id,
                task: Task {
                    _ = await fill?.value
                    await self.releaseLock(lock)
                    self.lockReleases.withLock { releases in
                        if releases[key]?.id == id { releases[key] = nil }
                    }
                })
        }
    }

    /// Releases the lock only if this process still owns it (the token matches): a Lua
    /// compare-and-delete, or, on a server without Lua, `WATCH`/`GET`/`MULTI`/`DEL`/`EXEC`.
    func releaseLock(_ handle: DistributedLockHandle) async {
        let tier = handle.tier
        let key = tier.key(handle.key)
        if !tier.lacksScripting.load(ordering: .relaxed) {
            do {
                try await RedisClient.withCommandTimeout(tier.options.timeout) {
                    _ = try await tier.client.evaluate(Self.releaseScript, keys: [key], arguments: [handle.token])
                }
                return
            } catch let error as RedisServerError where error.message.hasPrefix("ERR unknown command") {
                tier.lacksScripting.store(true, ordering: .relaxed)
            } catch {
                return  // the lease expires on its own
            }
        }
        _ = try? await RedisClient.withCommandTimeout(tier.options.timeout) {
            try await tier.client.withConnection(forKey: key) { connection in
                try await connection.watch([key])
                guard try await connection.send("GET", key) == .bulkString(Array(handle.token.utf8)) else {
                    try await connection.unwatch()
                    return
                }
                var delete = RedisPipeline()
                delete.del(key)
                _ = try await connection.transaction(delete)  // aborted if the lock changed hands
            }
        }
    }
}

/// A held cross-process load lock.
struct DistributedLockHandle: Sendable {
    var tier: RedisTier
    var key: String
    var token: String
}

enum LockOutcome<Value: Sendable>: Sendable {
    case acquired(DistributedLockHandle)
    /// Another process loaded the value while we waited.
    case found(TieredCache<Value>.Fetched)
    /// No lock (Redis unavailable, or the wait ran out): load without one.
    case unavailable
}

/// The first of a load and its timers to finish; the others are ignored.
final class LoadRace<Value: Sendable>: Sendable {
    enum Outcome: Sendable {
        case loaded(Result<TieredCacheLoad<Value>, any Error>)
        case soft
        case hard
    }

    private struct State {
        var outcome: Outcome?
        var waiter: CheckedContinuation<Outcome, Never>?
    }

    private let state = StrataMutex(State())

    /// Records `outcome` if nothing finished before it, and wakes the waiter.
    func finish(_ outcome: Outcome) {
        let waiter = state.withLock { state -> CheckedContinuation<Outcome, Never>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: outcome)
    }

    /// The first outcome, once there is one.
    func wait() async -> Outcome {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Outcome? in
                if let outcome = state.outcome { return outcome }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
