import StrataCache

extension TieredCache {
    /// Writes `value` through every tier (Redis tiers from the farthest in, then local), and tells
    /// other instances. A Redis write that fails is counted and drops the local copy, since Redis
    /// may still hold the old value; the failed tier gets a tombstone when it answers again.
    ///
    /// `tags` group entries for ``invalidate(tag:)``: the entry is void once any of them is
    /// invalidated after this write.
    public func set(_ key: String, _ value: Value, ttl: Duration? = nil, tags: [String] = []) async {
        // Reads that begin from now on must not join a load that began before this write.
        flights.detach(key)
        refreshes.detach(key)
        let ticket = local?.beginWrite(key)
        let entry = makeEntry(
            value, ttl: ttl ?? baseTTL, loadMicroseconds: 0, version: clock.unixMicroseconds, tags: tags)
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
    /// began before the invalidation cannot write its older value back. A read that begins after
    /// this returns never gets a value loaded before it.
    public func invalidate(_ keys: [String]) async {
        guard !keys.isEmpty else { return }
        for key in keys { forgetLocally(key) }
        let version = clock.unixMicroseconds
        for (index, tier) in redisTiers.enumerated()
        where !(await tier.tombstone(keys, hold: options.tombstoneTTL, version: version)) {
            rememberFailedInvalidations(keys, version: version, tiers: [index])
        }
        // A fetch may have refilled a local copy from Redis before the tombstone landed.
        for key in keys { forgetLocally(key) }
        publishChange(keys)
    }

    /// Drops the local copy of `key`, revokes its pending fills, and ends its load generation, so
    /// later reads start their own load.
    func forgetLocally(_ key: String) {
        if key.hasPrefix(Self.tagKeyPrefix) { forgetTagTime(key) }
        flights.detach(key)
        refreshes.detach(key)
        local?.invalidate(key)
    }

    /// Drops the local copies of the keys `predicate` accepts and revokes their fills; loads in
    /// flight are detached (a later `get` starts its own).
    func forgetLocally(where predicate: (String) -> Bool) {
        flights.detachAll()
        refreshes.detachAll()
        local?.invalidate(where: predicate)
    }

    /// Drops every local copy, revokes every pending fill, and ends every load generation (called
    /// when the coherence link starts, is lost or resumes); `reason` is what the observer hears.
    func forgetEverythingLocally(reason: StaticString) {
        linkEpoch.add(1, ordering: .relaxed)
        flights.detachAll()
        refreshes.detachAll()
        guard let local else { return }
        local.invalidateAll()
        observer?.observe(.localTierFlushed(reason: reason))
    }

    /// Writes `entry` to every Redis tier, farthest first, each bounded by its own TTL. Returns
    /// whether the nearest tier took it (a load the nearest tier refused must not be kept
    /// locally; a failed overwrite is retried as an invalidation of the tiers that failed).
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
        var failed: Set<Int> = []
        let stamp = UInt32.random(in: 0...UInt32.max)
        for (index, tier) in redisTiers.enumerated().reversed() {
            let (envelope, milliseconds) = envelope(for: entry, payload: payload, ttl: tier.options.ttl, stamp: stamp)
            let outcome = await tier.write(
                key, envelope, milliseconds: milliseconds, mode: mode, track: index == 0 && tracksKeys)
            if index == 0 { nearestTook = outcome == .written }
            if outcome == .failed { failed.insert(index) }
        }
        if mode == .overwrite && !failed.isEmpty {
            // The write may still land (a timed-out command can run late), after a newer write or
            // an invalidation: the tombstone that repairs it is dated now, newer than the write.
            rememberFailedInvalidations([key], version: clock.unixMicroseconds, tiers: failed)
        }
        return nearestTook
    }

    /// Whether the nearest tier's keys are tracked one by one (default client tracking): a write
    /// there must read the key back to keep it tracked.
    var tracksKeys: Bool { options.coherence == .clientTracking(broadcast: false) }

    /// Copies an entry found in tier `index` into the tiers above it, in the background. It keeps
    /// the entry's version, so it never replaces a newer write; and the nearest tier's key stays
    /// tracked. If the nearest tier did not take it, the local copy (which came from a farther
    /// tier) is dropped: the nearest tier may hold something newer, or be out of reach.
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
        let tiers = Array(redisTiers[..<index].enumerated())
        let track = tracksKeys
        Task {
            defer { self.backfillsInFlight.subtract(1, ordering: .relaxed) }
            let stamp = UInt32.random(in: 0...UInt32.max)
            for (position, tier) in tiers.reversed() {
                let (envelope, milliseconds) = self.envelope(
                    for: entry, payload: payload, ttl: tier.options.ttl, stamp: stamp)
                let outcome = await tier.write(
                    key, envelope, milliseconds: milliseconds, mode: .ifNewer, track: position == 0 && track)
                if outcome == .written { tier.counters.backfills.increment() }
                if position == 0 && outcome != .written { self.local?.invalidate(key) }
            }
        }
    }

    // MARK: Failed invalidations

    func rememberFailedInvalidations(_ keys: [String], version: Int64, tiers: Set<Int>) {
        pendingInvalidations.withLock { pending in
            for key in keys {
                if var existing = pending[key] {
                    existing.version = max(existing.version, version)
                    existing.tiers.formUnion(tiers)
                    pending[key] = existing
                } else if pending.count < options.maximumPendingInvalidations {
                    pending[key] = PendingInvalidation(version: version, tiers: tiers)
                }
            }
        }
    }

    /// The tiers where `key` has a failed invalidation still pending: they may hold a value older
    /// than this instance's last write, so reads skip them until the retry lands.
    func tiersPendingInvalidation(of key: String) -> Set<Int> {
        pendingInvalidations.withLock { $0[key]?.tiers } ?? []
    }

    /// Writes the tombstones that failed, to the tiers that failed only, once they answer again.
    /// A key written since (a newer version) keeps its value. Each key repaired is announced
    /// again (pub/sub, the regional bus): another instance may have read the old value from the
    /// failed tier meanwhile and kept it locally.
    func retryFailedInvalidations() async {
        let pending = pendingInvalidations.withLock { $0 }
        guard !pending.isEmpty else { return }
        var repaired: [String] = []
        for (key, invalidation) in pending {
            var remaining = invalidation.tiers
            for index in invalidation.tiers.sorted() {
                let tier = redisTiers[index]
                if await tier.tombstone(
                    [key], hold: options.tombstoneTTL, version: invalidation.version, mode: .ifNewer)
                {
                    remaining.remove(index)
                }
            }
            if remaining.count < invalidation.tiers.count { repaired.append(key) }
            pendingInvalidations.withLock { pending in
                guard var current = pending[key] else { return }
                // A newer failure of the same key while this ran stays pending.
                guard current.version == invalidation.version else { return }
                current.tiers = remaining.union(current.tiers.subtracting(invalidation.tiers))
                if current.tiers.isEmpty && current.confirmations > 0 {
                    // Once more on the next round: a write that failed by timing out may land
                    // after this tombstone (which, being older, it then replaces).
                    current.confirmations -= 1
                    current.tiers = invalidation.tiers
                }
                if current.tiers.isEmpty { pending[key] = nil } else { pending[key] = current }
            }
            if remaining.isEmpty { local?.invalidate(key) }
        }
        if !repaired.isEmpty { publishChange(repaired) }
    }
}
