import StrataCache
import StrataRESP
import StrataRedis
import StrataSync

/// The coherence machinery of a ``TieredCache``: client tracking or pub/sub for local copies, the
/// invalidation bus across regions, and batched publishing.
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
            // Anything stored or pending before the link was up was never tracked.
            forgetEverythingLocally(reason: "coherence link started")
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
                await self?.retryFailedTagWrites()
            }
        }
        coherence.withLock { $0.tasks.append(retries) }
    }

    /// Stops the coherence links and background work, once loaded values still being written to
    /// Redis are there. The Redis clients stay open (they are the caller's). After this the local tier is no longer kept coherent and is not filled.
    public func shutdown() async {
        await waitForBackgroundFills()
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
        forgetEverythingLocally(reason: "cache shut down")
    }

    // MARK: Client tracking

    func handleTracking(_ event: RedisInvalidation, namespace: String) {
        switch event {
        case .keys(let keys):
            let prefix = Array(namespace.utf8)
            let hook = options.invalidationHook
            var count = 0
            var dropped: [String] = []
            for key in keys where key.starts(with: prefix) {
                localCounters.invalidationsReceived.increment()
                let name = String(decoding: key[prefix.count...], as: UTF8.self)
                forgetLocally(name)
                if hook != nil { dropped.append(name) }
                count += 1
            }
            if let hook, !dropped.isEmpty { hook(dropped) }
            if let observer, count > 0 { observer.observe(.invalidationReceived(keys: count)) }
        case .slots(let slots):
            // A cluster's slots changed owner: the keys in them were tracked by the old owner.
            let moved = Set(slots)
            let prefix = Array(namespace.utf8)
            localCounters.invalidationsReceived.increment()
            observer?.observe(.invalidationReceived(keys: 0))
            forgetLocally { key in moved.contains(RedisClusterSlot(bytes: prefix + Array(key.utf8))) }
        case .all:
            localCounters.invalidationsReceived.increment()
            observer?.observe(.invalidationReceived(keys: 0))
            forgetEverythingLocally(reason: "server flushed every key")
        case .trackingLost:
            // Invalidations may have been missed: nothing local can be trusted.
            coherent.store(false, ordering: .relaxed)
            forgetEverythingLocally(reason: "coherence link lost")
        case .trackingResumed:
            // Fills whose reads ran while tracking was off must not be stored: a new epoch.
            forgetEverythingLocally(reason: "coherence link resumed")
            coherent.store(true, ordering: .relaxed)
        }
    }

    // MARK: Pub/sub

    /// Subscribes to `channel` on tier `index` and handles its messages in a task that resubscribes
    /// (with backoff) when the subscription is lost. Returns once the first subscription is up.
    func listen(on index: Int, channel: String, governsLocalTier: Bool) async throws {
        let client = redisTiers[index].client
        let first = try await client.subscribe(to: [channel], bufferSize: 1024)
        if governsLocalTier {
            forgetEverythingLocally(reason: "coherence link started")
            coherent.store(true, ordering: .relaxed)
        }
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
                        self.forgetEverythingLocally(reason: "coherence link lost")
                    } else {
                        self.regionalBusLost()
                    }
                }
                failures += 1
                let backoff = client.reconnectBackoff.delay(afterFailures: failures)
                try? await Task.sleep(for: backoff)
                guard let self, !Task.isCancelled else { return }
                if let again = try? await client.subscribe(to: [channel], bufferSize: 1024) {
                    subscription = again
                    failures = 0
                    if governsLocalTier {
                        // Changes published while disconnected were missed: start clean.
                        self.forgetEverythingLocally(reason: "coherence link resumed")
                        self.coherent.store(true, ordering: .relaxed)
                    } else {
                        // Other regions' changes published meanwhile were missed.
                        self.regionalBusLost()
                    }
                }
            }
        }
        coherence.withLock { $0.tasks.append(task) }
    }

    /// The regional bus was lost (or is back after a gap): other regions' changes may have been
    /// missed, so this region's tiers may hold values those changes replaced. Local copies go,
    /// and reads skip the nearer tiers (reading the global one, whose hits backfill and so
    /// repair them) until everything written there before now has expired.
    func regionalBusLost() {
        let longest = redisTiers.dropLast().map(\.options.ttl).max() ?? .zero
        let until = clock.unixMilliseconds + longest.tierMilliseconds
        _ = nearerTiersSkippedUntil.max(until, ordering: .relaxed)
        forgetEverythingLocally(reason: "regional bus lost")
    }

    /// Whether reads skip the tiers nearer than the global one (see `regionalBusLost`).
    var skipsNearerTiers: Bool {
        redisTiers.count > 1 && clock.unixMilliseconds < nearerTiersSkippedUntil.load(ordering: .relaxed)
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
            guard region != self.region else {
                // Our region's own changes reach us through its tier, except tags: their times
                // live in the global tier, and only this announcement tells us of a new one.
                for key in keys where key.hasPrefix(Self.tagKeyPrefix) { forgetTagTime(key) }
                return
            }
            let nearer = Array(redisTiers.dropLast())
            // A tag's time lives in the global tier only; its announcement drops our copy of it.
            let keys = keys.filter { !$0.hasPrefix(Self.tagKeyPrefix) }
            Task {
                let version = self.clock.unixMicroseconds
                for (index, tier) in nearer.enumerated()
                where !(await tier.tombstone(keys, hold: self.options.tombstoneTTL, version: version)) {
                    self.rememberFailedInvalidations(keys, version: version, tiers: [index])
                }
                for key in keys { self.forgetLocally(key) }
            }
        }
        for key in keys {
            localCounters.invalidationsReceived.increment()
            forgetLocally(key)
        }
        options.invalidationHook?(keys)
        observer?.observe(.invalidationReceived(keys: keys.count))
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

    /// Puts keys whose announcement failed back in the outbox, and flushes it again after a
    /// pause. At most ``TieredCacheOptions/maximumPendingInvalidations`` keys wait per channel.
    func republishLater(_ keys: [String], to target: PublishTarget) {
        let schedule = coherence.withLock { state -> Bool in
            let room = max(0, options.maximumPendingInvalidations - state.outbox[target, default: []].count)
            state.outbox[target, default: []].append(contentsOf: keys.prefix(room))
            guard !state.flushScheduled else { return false }
            state.flushScheduled = true
            return true
        }
        guard schedule else { return }
        Task {
            try? await Task.sleep(for: .milliseconds(200))
            await self.flushOutbox()
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
                    observer?.observe(.invalidationPublished(channel: target.channel, keys: chunk.count))
                } catch {
                    tier.counters.failedWrites.increment()
                    // Not announced: try again shortly (bounded), or other instances keep the
                    // old value for as long as their tiers hold it.
                    republishLater(Array(unique[start...]), to: target)
                    break
                }
                start += 1000
            }
        }
    }
}
