import StrataCache
import StrataRESP
import StrataRedis
import StrataSync

/// The coherence machinery of a ``TieredCache``: client tracking or pub/sub for local copies, the
/// invalidation bus across regions, batched publishing, and retries of failed invalidations.
struct CoherenceState: Sendable {
    var started = false
    var tracking: RedisTracking?
    var tasks: [Task<Void, Never>] = []
    /// Keys waiting to be published, per channel (first tier: coherence; last tier: regions).
    var outbox: [PublishTarget: [String]] = [:]
    var flushScheduled = false
}

/// Where changed keys are announced.
struct PublishTarget: Hashable, Sendable {
    /// The index of the Redis tier whose client publishes.
    var tier: Int
    var channel: String
}

extension TieredCache {
    /// The channel carrying invalidations between regions, on the last (global) Redis tier.
    var regionalChannel: String? {
        guard redisTiers.count > 1, let last = redisTiers.last else { return nil }
        return last.options.namespace + "__strata:invalidations"
    }

    var region: String { options.region ?? redisTiers.first?.options.name ?? "" }

    /// Connects the coherence links (client tracking or pub/sub, and the regional bus) and starts
    /// retrying failed invalidations. Until it returns, nothing is stored in the local tier.
    public func start() async throws {
        let proceed = coherence.withLock { state -> Bool in
            defer { state.started = true }
            return !state.started
        }
        guard proceed, let first = redisTiers.first else { return }
        switch options.coherence {
        case .clientTracking(let broadcast):
            let namespace = first.options.namespace
            let tracking = try await first.client.startTracking(
                mode: broadcast ? .broadcast(prefixes: [namespace]) : .default,
                // Our own writes do not notify us; `RedisTier.write(track:)` re-reads what it wrote,
                // because a write ends the server's tracking of the key.
                noLoop: true,
                healthCheckInterval: options.coherenceHealthCheckInterval
            ) { [weak self] event in
                self?.handleTracking(event, namespace: namespace)
            }
            coherence.withLock { $0.tracking = tracking }
            coherent.store(tracking.isActive, ordering: .relaxed)
        case .pubSub(let channel):
            try await listen(on: 0, channel: channel, governsLocalTier: true)
        case .none:
            coherent.store(true, ordering: .relaxed)
        }
        if let regionalChannel {
            try await listen(on: redisTiers.count - 1, channel: regionalChannel, governsLocalTier: false)
        }
        let retries = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await self?.retryFailedInvalidations()
            }
        }
        coherence.withLock { $0.tasks.append(retries) }
    }

    /// Stops the coherence links and background work. The Redis clients stay open (they are the
    /// caller's). After this the local tier is no longer kept coherent and is not filled.
    public func shutdown() async {
        coherent.store(redisTiers.isEmpty, ordering: .relaxed)
        await flushOutbox()
        let (tracking, tasks) = coherence.withLock { state -> (RedisTracking?, [Task<Void, Never>]) in
            defer {
                state.tracking = nil
                state.tasks = []
            }
            return (state.tracking, state.tasks)
        }
        for task in tasks { task.cancel() }
        await tracking?.stop()
        local?.invalidateAll()
    }

    // MARK: Client tracking

    func handleTracking(_ event: RedisInvalidation, namespace: String) {
        switch event {
        case .keys(let keys):
            let prefix = Array(namespace.utf8)
            for key in keys where key.starts(with: prefix) {
                localCounters.invalidationsReceived.increment()
                local?.invalidate(String(decoding: key[prefix.count...], as: UTF8.self))
            }
        case .all:
            localCounters.invalidationsReceived.increment()
            local?.invalidateAll()
        case .trackingLost:
            // Invalidations may have been missed: nothing local can be trusted.
            coherent.store(false, ordering: .relaxed)
            local?.invalidateAll()
        case .trackingResumed:
            coherent.store(true, ordering: .relaxed)
        }
    }

    // MARK: Pub/sub

    /// Subscribes to `channel` on tier `index` and handles its messages in a task that resubscribes
    /// (with backoff) when the subscription is lost. Returns once the first subscription is up.
    func listen(on index: Int, channel: String, governsLocalTier: Bool) async throws {
        let client = redisTiers[index].client
        let first = try await client.subscribe(to: [channel])
        if governsLocalTier { coherent.store(true, ordering: .relaxed) }
        let task = Task { [weak self] in
            var subscription: RedisSubscription? = first
            var failures = 0
            while !Task.isCancelled {
                if let current = subscription {
                    do {
                        for try await message in current {
                            self?.handleBusMessage(message, fromTier: index)
                        }
                    } catch {}
                    subscription = nil
                    guard let self, !Task.isCancelled else { return }
                    if governsLocalTier {
                        self.coherent.store(false, ordering: .relaxed)
                        self.local?.invalidateAll()
                    }
                }
                failures += 1
                let backoff = client.configuration.reconnectBackoff.delay(afterFailures: failures)
                try? await Task.sleep(for: backoff)
                guard let self, !Task.isCancelled else { return }
                if let again = try? await client.subscribe(to: [channel]) {
                    subscription = again
                    failures = 0
                    if governsLocalTier {
                        // Changes published while disconnected were missed: start clean.
                        self.local?.invalidateAll()
                        self.coherent.store(true, ordering: .relaxed)
                    }
                }
            }
        }
        coherence.withLock { $0.tasks.append(task) }
    }

    /// A message on the coherence channel or the regional bus: `[origin, region, key...]`.
    func handleBusMessage(_ message: RedisMessage, fromTier index: Int) {
        guard let decoded = try? RESPParser.parseAll(message.payload).first, let parts = try? decoded.asArray(),
            parts.count >= 2, let origin = try? parts[0].asString(), let region = try? parts[1].asString()
        else { return }
        guard origin != String(instanceID) else { return }
        let keys = parts.dropFirst(2).compactMap { try? $0.asString() }
        let isRegionalBus = index == redisTiers.count - 1 && redisTiers.count > 1
        if isRegionalBus {
            // Another region changed these keys: drop them from our region's tiers too.
            guard region != self.region else { return }
            let nearer = Array(redisTiers.dropLast())
            Task {
                let now = self.clock.unixMilliseconds
                for tier in nearer where !(await tier.tombstone(keys, hold: self.options.tombstoneTTL, now: now)) {
                    self.rememberFailedInvalidations(keys)
                }
                for key in keys { self.local?.invalidate(key) }
            }
        }
        for key in keys {
            localCounters.invalidationsReceived.increment()
            local?.invalidate(key)
        }
    }

    /// Announces changed keys to other instances, batched over `publishBatchWindow`. Only changes
    /// (`set`, `invalidate`) are announced, never fills.
    func publishChange(_ keys: [String]) {
        var targets: [PublishTarget] = []
        if case .pubSub(let channel) = options.coherence, !redisTiers.isEmpty {
            targets.append(PublishTarget(tier: 0, channel: channel))
        }
        if let regionalChannel { targets.append(PublishTarget(tier: redisTiers.count - 1, channel: regionalChannel)) }
        guard !targets.isEmpty else { return }
        let schedule = coherence.withLock { state -> Bool in
            for target in targets { state.outbox[target, default: []].append(contentsOf: keys) }
            guard !state.flushScheduled else { return false }
            state.flushScheduled = true
            return true
        }
        if schedule {
            let window = options.publishBatchWindow
            Task {
                try? await Task.sleep(for: window)
                await self.flushOutbox()
            }
        }
    }

    /// Publishes every waiting key, one message per channel (split at 1,000 keys).
    func flushOutbox() async {
        let outbox = coherence.withLock { state -> [PublishTarget: [String]] in
            state.flushScheduled = false
            defer { state.outbox = [:] }
            return state.outbox
        }
        for (target, keys) in outbox {
            var seen = Set<String>()
            let unique = keys.filter { seen.insert($0).inserted }
            var start = 0
            while start < unique.count {
                let chunk = unique[start..<min(unique.count, start + 1000)]
                var encoder = RESPEncoder()
                encoder.writeCommand([String(instanceID), region] + chunk)
                let tier = redisTiers[target.tier]
                do {
                    try await RedisClient.withCommandTimeout(tier.options.timeout) {
                        _ = try await tier.client.publish(target.channel, encoder.buffer)
                    }
                } catch {
                    tier.counters.failedWrites.increment()
                }
                start += 1000
            }
        }
    }

    // MARK: Failed invalidations

    func rememberFailedInvalidations(_ keys: [String]) {
        pendingInvalidations.withLock { pending in
            for key in keys where pending.count < options.maximumPendingInvalidations {
                pending.insert(key)
            }
        }
    }

    /// Deletes the keys whose invalidation failed, once their tiers answer again.
    func retryFailedInvalidations() async {
        let keys = pendingInvalidations.withLock { Array($0) }
        guard !keys.isEmpty else { return }
        var allDeleted = true
        let now = clock.unixMilliseconds
        for tier in redisTiers where !(await tier.tombstone(keys, hold: options.tombstoneTTL, now: now)) {
            allDeleted = false
        }
        if allDeleted {
            pendingInvalidations.withLock { $0.subtract(keys) }
            for key in keys { local?.invalidate(key) }
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

extension TieredCache {
    static var releaseScript: RedisScript {
        RedisScript("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end")
    }

    /// Takes the load lock for `key` (`SET NX PX` with a random token), or waits briefly for the
    /// process holding it to write the value.
    func acquireLock(
        _ key: String,
        tier: RedisTier,
        options lock: TieredCacheOptions.DistributedLock
    ) async -> LockOutcome<Value> {
        if let release = lockReleases.withLock({ $0[key] }) { await release.task.value }
        let lockKey = "__lock:" + key
        let token = String(UInt64.random(in: 1...UInt64.max), radix: 16)
        do {
            let acquired = try await RedisClient.withCommandTimeout(tier.options.timeout) {
                try await tier.client.set(
                    tier.key(lockKey), token, expiration: .after(lock.lease), condition: .ifNotExists)
            }
            if acquired { return .acquired(DistributedLockHandle(tier: tier, key: lockKey, token: token)) }
        } catch {
            return .unavailable
        }
        let deadline = clock.now.advanced(by: lock.wait)
        while clock.now < deadline {
            try? await Task.sleep(for: lock.pollInterval)
            for (index, candidate) in redisTiers.enumerated() {
                guard let envelope = try? await candidate.get(key), let found = entry(from: envelope, tier: candidate),
                    clock.unixMilliseconds < found.usableUntil
                else { continue }
                candidate.counters.hits.increment()
                backfill(key, found, above: index)
                return .found(
                    Fetched(entry: found, isFailSafe: false, cacheable: true, source: .redis(candidate.options.name)))
            }
        }
        return .unavailable
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
            try await tier.client.withConnection { connection in
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
